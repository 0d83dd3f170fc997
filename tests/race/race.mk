# UFFDIO_MOVE reliability tests (included by the top-level Makefile).
# Static guest binaries go to $(GUEST_BIN)/; guest suites race, fuzz
# and pressure (guest/suites/*.sh) run them.
#
#   make race-bins      build the programs (tests/race/uffd-*.c)
#   make race-host      run the race tests and the fuzzer natively (host kernel)
BUILD ?= build
GUEST_BIN ?= $(BUILD)/guest-bin
UAPI_INC ?= $(BUILD)/uapi/include
USER_CC ?= gcc
RACE_CFLAGS = -Wall -Wextra -Werror -static -O2 -pthread -isystem $(UAPI_INC)
# Every tests/race/uffd-*.c is one static guest program.
RACE_PROGS = $(patsubst tests/race/%.c,%,$(wildcard tests/race/uffd-*.c))
RACE_BINS = $(addprefix $(GUEST_BIN)/,$(RACE_PROGS))
RACE_HOST_FLAGS ?= -t 3

GUEST_BINS += $(RACE_BINS)
TEST_BINS += $(GUEST_BIN)/uffd-race

$(GUEST_BIN)/uffd-%: tests/race/uffd-%.c tests/race/common.h $(wildcard $(UAPI_INC)/linux/userfaultfd.h)
	@mkdir -p $(@D)
	$(USER_CC) $(RACE_CFLAGS) -o $@ $<

.PHONY: race-bins race-host
race-bins: $(RACE_BINS)

race-host: $(RACE_BINS)
	@for t in fork unmap mprotect dontneed pageout migrate thp pin splice odirect ksm faults multi torn; do \
		$(GUEST_BIN)/uffd-race $$t $(RACE_HOST_FLAGS) || exit 1; done
	@if [ -x $(GUEST_BIN)/uffd-fuzz ]; then $(GUEST_BIN)/uffd-fuzz -t 5; fi
