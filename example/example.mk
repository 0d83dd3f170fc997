# gc-compact, the user-facing UFFDIO_MOVE example (included by the top-level
# Makefile).  The harness may set BUILD, UAPI_INC (headers_install output of
# the series, holding linux/userfaultfd.h with UFFDIO_MOVE), USER_CC and
# USER_CFLAGS; the defaults below let the fragment stand alone.
BUILD ?= build
GUEST_BIN ?= $(BUILD)/guest-bin
UAPI_INC ?= $(BUILD)/uapi/include
USER_CC ?= gcc
USER_CFLAGS ?= -O2 -g
GC_COMPACT_FLAGS = $(USER_CFLAGS) -Wall -Wextra -Werror -static -pthread -isystem $(UAPI_INC)

GUEST_BINS += $(GUEST_BIN)/gc-compact
TEST_BINS += $(GUEST_BIN)/gc-compact

$(GUEST_BIN)/gc-compact: example/gc-compact.c $(wildcard $(UAPI_INC)/linux/userfaultfd.h)
	@mkdir -p $(@D)
	$(USER_CC) $(GC_COMPACT_FLAGS) -o $@ $<

.PHONY: example example-host
example: $(GUEST_BIN)/gc-compact

# Run it on the build host (needs a kernel with UFFDIO_MOVE, >= 6.8).
example-host: $(GUEST_BIN)/gc-compact
	$(GUEST_BIN)/gc-compact $(EXAMPLE_ARGS)
