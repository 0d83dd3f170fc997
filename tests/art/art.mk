# art-client, a UFFDIO_MOVE client that follows Android ART's mark-compact
# GC step by step: its probe, its MOVE-or-COPY decision, and a concurrent
# compaction with SIGBUS faults resolved by the mutators (included by the
# top-level Makefile).  The guest suite art (guest/suites/art.sh) runs it on
# every kernel make test boots.
#
#   make art-client   build the static guest program ($(GUEST_BIN)/art-client)
#   make art-host     build it for the build host and run it there: on 6.8+
#                     it must say "ART would use MOVE" (by version on 6.14+,
#                     6.13.8+ and 6.12.20+) and pass.  ART_HOST_FLAGS are
#                     passed on (e.g. -R 6.1.192 to see ART's 6.1 check).
#
# The program defines the UFFDIO_MOVE uAPI it needs when the headers lack
# it, so the host build needs neither the kernel tree nor its headers.
BUILD ?= build
GUEST_BIN ?= $(BUILD)/guest-bin
UAPI_INC ?= $(BUILD)/uapi/include
USER_CC ?= gcc
USER_CFLAGS ?= -O2 -g
ART_CFLAGS = $(USER_CFLAGS) -Wall -Wextra -Werror -static -pthread
ART_HOST_BIN = $(BUILD)/host-bin/art-client
ART_HOST_FLAGS ?=

GUEST_BINS += $(GUEST_BIN)/art-client
TEST_BINS += $(GUEST_BIN)/art-client

$(GUEST_BIN)/art-client: tests/art/art-client.c $(wildcard $(UAPI_INC)/linux/userfaultfd.h)
	@mkdir -p $(@D)
	$(USER_CC) $(ART_CFLAGS) -isystem $(UAPI_INC) -o $@ $<

# Not a guest program: the host's compiler and headers, no selftests step.
$(ART_HOST_BIN): tests/art/art-client.c
	@mkdir -p $(@D)
	gcc $(ART_CFLAGS) -o $@ $<

.PHONY: art-client art-host
art-client: $(GUEST_BIN)/art-client

art-host: $(ART_HOST_BIN)
	$(ART_HOST_BIN) $(ART_HOST_FLAGS)
