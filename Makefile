# UFFDIO_MOVE for Linux 6.1: the map of the project.
#
#   make run        the main command: patched kernel + the GC example, in QEMU
#   make test       the test command: every gate and suite, "N passed, N failed"
#
# Developer workflow (the kernel tree is build/linux, a git repo):
#   make tree           unpack the base and apply patches/ (once)
#   make export         write the tree's commits back to patches/
#   make rebuild-tree   throw the tree away and re-apply patches/
#   make kernel / kernel-debug / initramfs / shell / bench / profile
#   make art-host       the ART-faithful UFFDIO_MOVE client on the build host
#                       (tests/art/art.mk; the guest suite art runs it)

BUILD ?= $(CURDIR)/build
export BUILD
# The guest architecture of the userspace targets: x86_64 (default), or
# arm64 / i386 with Debian's cross compilers (`make GUEST_ARCH=arm64
# initramfs`): only the programs the test suites run (TEST_BINS) are built
# for those.
GUEST_ARCH ?= x86_64
ifeq ($(GUEST_ARCH),x86_64)
GUEST_BIN := $(BUILD)/guest-bin
UAPI_INC := $(BUILD)/uapi/include
USER_CC := gcc
INITRAMFS := $(BUILD)/initramfs.cpio.gz
else
GUEST_BIN := $(BUILD)/guest-bin-$(GUEST_ARCH)
UAPI_INC := $(BUILD)/uapi-$(GUEST_ARCH)/include
USER_CC := $(if $(filter arm64,$(GUEST_ARCH)),aarch64,i686)-linux-gnu-gcc
INITRAMFS := $(BUILD)/initramfs-$(GUEST_ARCH).cpio.gz
endif
export GUEST_ARCH
USER_CFLAGS := -O2 -g
GUEST_BZIMAGE := $(BUILD)/obj-guest/arch/x86/boot/bzImage
BENCH_SUITE_ARG := uffd.suite=bench
GUEST_BINS :=
TEST_BINS :=

.PHONY: all run test deps tree rebuild-tree export kernel kernel-debug \
	selftests initramfs shell clean
all: run

run:
	scripts/main.sh

test:
	scripts/test.sh

deps:
	scripts/install-deps.sh

tree: deps
	scripts/prepare-tree.sh

rebuild-tree: deps
	FORCE=1 scripts/prepare-tree.sh

export:
	scripts/export-patches.sh

kernel:
	scripts/build-kernel.sh guest

kernel-debug:
	scripts/build-kernel.sh debug

# The vm selftests of the tree, and the uAPI headers everything builds with.
selftests:
	scripts/build-selftests.sh

-include example/example.mk bench/bench.mk tests/race/race.mk tests/art/art.mk

$(GUEST_BINS): | selftests

ifeq ($(GUEST_ARCH),x86_64)
initramfs: selftests $(GUEST_BINS)
else
initramfs: selftests $(TEST_BINS)
endif
	scripts/make-initramfs.sh

$(INITRAMFS):
	$(MAKE) initramfs

# An interactive busybox shell on the guest kernel (Ctrl-A X quits QEMU).
shell: initramfs
	GUEST_TIMEOUT=86400 qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -m 2G \
		-nographic -no-reboot -kernel $(GUEST_BZIMAGE) -initrd $(INITRAMFS) \
		-append "console=ttyS0 panic=-1 uffd.suite=shell"

clean:
	rm -rf $(BUILD)/obj-* $(BUILD)/initramfs* $(BUILD)/guest-bin* $(BUILD)/host-bin \
		$(BUILD)/uapi* $(BUILD)/logs

$(GUEST_BZIMAGE):
	scripts/build-kernel.sh guest
