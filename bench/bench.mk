# uffd-move-bench and the host-side benchmark pipeline (included by the
# top-level Makefile).  The harness may set BUILD, UAPI_INC, USER_CC,
# USER_CFLAGS, GUEST_BZIMAGE and INITRAMFS; defaults let it stand alone.
#
#   make bench          patched guest kernel vs the 7.3 and 6.12 reference
#                       kernels (REFS picks them, e.g. REFS=7.3):
#                       build/bench/{results.csv,table.txt,throughput.png}
#                       and the MOVE/COPY crossover by run length:
#                       build/bench/crossover.{csv,txt,png},
#                       then bench-process
#   make bench-ref      the reference kernel alone (pipeline check)
#   make bench-host     both benchmarks natively on the build host:
#                       build/bench/host/ (bench-crossover-host: crossover only,
#                       bench-move-host: uffd-move-bench only)
#   make bench-process  the process around the move (uffd-process-bench),
#                       every kernel: build/procbench/{table.txt,latency.png}
#   make bench-process-host   the same natively on the build host
#   make ref-kernel     build (or reuse) build/obj-ref-{7.3,6.12} bzImage
#                       (7.3: Debian's linux-source-7.3 from trixie-backports,
#                       fetched into build/dl/, never installed)
# BENCH_FLAGS is passed to bench/run-bench.sh: -q quick matrix, -n RUNS boots
# per kernel (median), -d deterministic (-icount shift=0,sleep=off),
# -a bench.only=crossover (or =matrix) runs one of the two benchmarks.
# BENCH_CASES (bench, bench-ref, bench-host) picks the cases, comma-separated:
# matrix (uffd-move-bench's size and request sweeps), art (its ART hot path:
# per page, write a compaction-buffer page, 1-page MOVE from it against
# 1-page COPY), crossover (uffd-crossover).  Default: all, and `make bench`
# then runs bench-process too; e.g. `make bench BENCH_CASES=art BENCH_FLAGS=-d`
# runs only the ART hot path on both kernels.
BUILD ?= build
GUEST_BIN ?= $(BUILD)/guest-bin
UAPI_INC ?= $(BUILD)/uapi/include
USER_CC ?= gcc
USER_CFLAGS ?= -O2 -g
GUEST_BZIMAGE ?= $(BUILD)/obj-guest/arch/x86/boot/bzImage
INITRAMFS ?= $(BUILD)/initramfs.cpio.gz
# The reference kernels, newest first: version, label, bzImage.
REFS ?= 7.3 6.12
REF_LABEL_7.3 ?= 7.3.4
REF_LABEL_6.12 ?= 6.12.118
ref_bzimage = $(BUILD)/obj-ref-$(1)/arch/x86/boot/bzImage
REF_LABELS = $(foreach v,$(REFS),$(REF_LABEL_$(v)))
REF_KERNEL_ARGS = $(foreach v,$(REFS),$(REF_LABEL_$(v))=$(call ref_bzimage,$(v)))
BENCH_OUT ?= $(BUILD)/bench
BENCH_FLAGS ?=
BENCH_SUITE_ARG ?= suite=bench
OURS_LABEL ?= 6.1.192+move
UFFD_BENCH_FLAGS = $(USER_CFLAGS) -Wall -Wextra -Werror -static -pthread -isystem $(UAPI_INC)
BENCH_CASES ?=
BENCH_COMMA := ,
BENCH_EMPTY :=
BENCH_SPACE := $(BENCH_EMPTY) $(BENCH_EMPTY)
bench_cases = $(if $(BENCH_CASES),$(subst $(BENCH_COMMA),$(BENCH_SPACE),$(BENCH_CASES)),matrix art crossover)
# uffd-move-bench --cases: its part of BENCH_CASES (empty: it does not run)
bench_mb_cases = $(subst $(BENCH_SPACE),$(BENCH_COMMA),$(strip $(filter matrix art,$(bench_cases))))
BENCH_CASES_FLAG = $(if $(BENCH_CASES),-c $(BENCH_CASES))

GUEST_BINS += $(GUEST_BIN)/uffd-move-bench $(GUEST_BIN)/uffd-process-bench

$(GUEST_BIN)/uffd-move-bench: bench/uffd-move-bench.c $(wildcard $(UAPI_INC)/linux/userfaultfd.h)
	@mkdir -p $(@D)
	$(USER_CC) $(UFFD_BENCH_FLAGS) -o $@ $<

$(GUEST_BIN)/uffd-process-bench: bench/uffd-process-bench.c $(wildcard $(UAPI_INC)/linux/userfaultfd.h)
	@mkdir -p $(@D)
	$(USER_CC) $(UFFD_BENCH_FLAGS) -o $@ $<

GUEST_BINS += $(GUEST_BIN)/uffd-crossover

$(GUEST_BIN)/uffd-crossover: bench/uffd-crossover.c $(wildcard $(UAPI_INC)/linux/userfaultfd.h)
	@mkdir -p $(@D)
	$(USER_CC) $(UFFD_BENCH_FLAGS) -o $@ $<

# report.py for the matrix (if it ran), crossover.py for the crossover
BENCH_REPORT = if [ "$$(wc -l <$(BENCH_OUT)/raw.csv)" -gt 1 ]; then bench/report.py $(BENCH_OUT)/raw.csv $(BENCH_OUT) $(1); fi; \
	if [ "$$(wc -l <$(BENCH_OUT)/crossover-raw.csv)" -gt 1 ]; then bench/crossover.py $(BENCH_OUT)/crossover-raw.csv $(BENCH_OUT) wall; fi

.PHONY: ref-kernel bench bench-ref bench-host bench-crossover-host bench-move-host \
	bench-process bench-process-host
ref-kernel:
	$(if $(filter 7.3,$(REFS)),scripts/fetch-linux-7.3.sh)
	$(foreach v,$(REFS),scripts/build-ref-kernel.sh $(v) &&) true

bench: $(GUEST_BIN)/uffd-move-bench $(GUEST_BIN)/uffd-crossover ref-kernel $(GUEST_BZIMAGE) $(INITRAMFS)
	BENCH_SUITE_ARG='$(BENCH_SUITE_ARG)' bench/run-bench.sh -i $(INITRAMFS) -o $(BENCH_OUT) $(BENCH_FLAGS) \
		$(BENCH_CASES_FLAG) $(OURS_LABEL)=$(GUEST_BZIMAGE) $(REF_KERNEL_ARGS)
	$(call BENCH_REPORT,$(OURS_LABEL) $(REF_LABELS))
	$(if $(BENCH_CASES),,$(MAKE) bench-process)

# The process around the move (uffd-process-bench): victims' latency and
# MOVE throughput on both kernels, one run each per round, medians of
# PROCBENCH_RUNS rounds: build/procbench/{table.txt,summary.csv,latency.png}.
PROCBENCH_RUNS ?= 3
bench-process: $(GUEST_BIN)/uffd-process-bench ref-kernel $(GUEST_BZIMAGE) $(INITRAMFS)
	bench/run-process-bench.sh -i $(INITRAMFS) -o $(BUILD)/procbench -n $(PROCBENCH_RUNS) \
		$(OURS_LABEL)=$(GUEST_BZIMAGE) $(REF_KERNEL_ARGS)
	bench/process-report.py $(BUILD)/procbench/raw.csv $(BUILD)/procbench $(OURS_LABEL) $(REF_LABELS)

bench-process-host: $(GUEST_BIN)/uffd-process-bench
	$(GUEST_BIN)/uffd-process-bench -k host-$$(uname -r)

bench-ref: $(GUEST_BIN)/uffd-move-bench $(GUEST_BIN)/uffd-crossover ref-kernel $(INITRAMFS)
	BENCH_SUITE_ARG='$(BENCH_SUITE_ARG)' bench/run-bench.sh -i $(INITRAMFS) -o $(BENCH_OUT) $(BENCH_FLAGS) \
		$(BENCH_CASES_FLAG) $(REF_KERNEL_ARGS)
	$(call BENCH_REPORT,$(REF_LABELS))

# The crossover natively: the host is shared, so the load average is logged
# next to the numbers and the table uses the mover's CPU time (wall time is
# in the CSV too).
bench-crossover-host: $(GUEST_BIN)/uffd-crossover
	@mkdir -p $(BENCH_OUT)/host
	bench/crossover-host.sh $(GUEST_BIN)/uffd-crossover $(BENCH_OUT)/host
	bench/crossover.py $(BENCH_OUT)/host/crossover-raw.csv $(BENCH_OUT)/host cpu

bench-host: $(if $(filter crossover,$(bench_cases)),bench-crossover-host) \
	$(if $(bench_mb_cases),bench-move-host)

# uffd-move-bench natively (the cases of BENCH_CASES it has): build/bench/host/
bench-move-host: $(GUEST_BIN)/uffd-move-bench
	@mkdir -p $(BENCH_OUT)/host
	$(GUEST_BIN)/uffd-move-bench $(if $(filter -q,$(BENCH_FLAGS)),--quick) --cases $(or $(bench_mb_cases),matrix$(BENCH_COMMA)art) \
		-k host-$$(uname -r) | \
		awk -F, 'NR == 1 { print "kernel,method,pages,size,request,threads,median_ns,per_page_ns,throughput_MiBps,run" } \
			/^[^#]/ && $$1 != "kernel" { print $$0 ",1" }' >$(BENCH_OUT)/host/raw.csv
	bench/report.py $(BENCH_OUT)/host/raw.csv $(BENCH_OUT)/host host-$$(uname -r)

# Instruction profile of one MOVE call (2 MiB of 4 KiB pages, one THP, one
# 4 KiB page), per kernel function, the kernels side by side:
# build/profile/compare-{4k,thp,page}.txt.  PROFILE_REFS picks the reference
# kernels: 7.3 alone by default, because single-stepping 6.12's per-page
# loop (430,000 instructions for 2 MiB) outlasts the tracer's 10 minutes.
GUEST_BINS += $(GUEST_BIN)/uffd-move-once
KSELFTEST_INC ?= $(BUILD)/linux/tools/testing/selftests

$(GUEST_BIN)/uffd-move-once: bench/profile/uffd-move-once.c $(wildcard $(UAPI_INC)/linux/userfaultfd.h)
	@mkdir -p $(@D)
	$(USER_CC) $(UFFD_BENCH_FLAGS) -I $(KSELFTEST_INC) -o $@ $<

PROFILE_REFS ?= 7.3
.PHONY: profile
profile: $(GUEST_BIN)/uffd-move-once $(GUEST_BZIMAGE) initramfs
	$(MAKE) ref-kernel REFS='$(PROFILE_REFS)'
	bench/profile/run-profile.sh -i $(INITRAMFS) -o $(BUILD)/profile \
		$(OURS_LABEL)=$(dir $(GUEST_BZIMAGE))../../.. \
		$(foreach v,$(PROFILE_REFS),$(REF_LABEL_$(v))=$(BUILD)/obj-ref-$(v))
