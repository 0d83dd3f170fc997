// SPDX-License-Identifier: GPL-2.0
/*
 * art-client: a userfaultfd client that uses UFFDIO_MOVE the way Android
 * ART's concurrent mark-compact collector (Android 16) does, step by step,
 * so that the series is tested against the userspace that matters most on
 * 6.1 kernels.  It acts as ART in an app process on this kernel (an
 * Android device, or an Android container on a 6.1 host):
 *
 *  1. Probe (KernelSupportsUffd): userfaultfd(O_CLOEXEC |
 *     UFFD_USER_MODE_ONLY), again without UFFD_USER_MODE_ONLY on EINVAL,
 *     then UFFDIO_API with features = 0 to read what the kernel offers.
 *     UFFD_FEATURE_SIGBUS is required.  The probe fd is closed; the GC's
 *     own fd asks for UFFD_FEATURE_SIGBUS only, never for UFFD_FEATURE_MOVE:
 *     MOVE has to work on an fd that did not request it.
 *  2. Decision (MoveIoctlKernelCheck), only if UFFD_FEATURE_MOVE is offered,
 *     by the uname() release:
 *       6.12.20+, 6.13.8+, 6.14+   MOVE, no check;
 *       6.1 / 6.6                  one-page move onto a registered, emptied
 *                                  compaction-buffer page with mode
 *                                  ALLOW_SRC_HOLES | 1 << 62 (6.1) or
 *                                  1 << 63 (6.6): success (move == page)
 *                                  means MOVE, EINVAL means COPY, any other
 *                                  errno aborts ART (reported as fatal);
 *       anything else              COPY.
 *     An app process then tries the same one-page move with mode 0 once
 *     (seccomp must let the ioctl through).  One decision line is printed:
 *     "ART would use MOVE" or "ART would use COPY (<reason>)".
 *  3. Contract: mode bits 1 << 61 and 1 << 63 must give EINVAL and move
 *     nothing on a 6.1 kernel (checked through /proc/self/pagemap);
 *     informative on other kernels.
 *  4. Compaction, the way the GC uses the ioctl: a to-space registered
 *     MISSING on the SIGBUS fd, a from-space holding the objects (every
 *     to-space page has a unique pattern, laid out either shifted by dead
 *     gaps: "compacted" pages, or page aligned: runs that need no
 *     compaction).  The collector walks to-space in order: a compacted page
 *     is built in its per-thread buffer page and moved onto to-space one
 *     page per ioctl (the buffer address is then a hole, and the next write
 *     gets a fresh page); a run of aligned pages is moved straight from
 *     from-space in one ioctl.  Mutators read to-space at random meanwhile;
 *     a missing page raises SIGBUS and the mutator resolves it in the
 *     handler: it builds the page in its own buffer page (or takes the
 *     from-space page of a run) and moves it in, EEXIST meaning someone
 *     else won.  MoveIoctl() handles EEXIST, ENOENT, EAGAIN, EINVAL (after
 *     to-space was unregistered; UFFDIO_COPY says ENOENT there) and EBUSY
 *     (the page is copied with UFFDIO_COPY instead); any other errno is
 *     fatal.  Some from-space pages are left COW-shared with an exited
 *     child, as after a zygote fork, so that EBUSY happens.  With the
 *     decision COPY, everything is done with UFFDIO_COPY.  Every to-space
 *     page is verified at the end.
 *
 * Output: kselftest-style TAP plus the decision line; exit status 0 when
 * every result passed, 1 otherwise, 4 when there is no userfaultfd.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The uAPI of the series (upstream's, 6.8+), for older system headers. */
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef UFFD_FEATURE_SIGBUS
#define UFFD_FEATURE_SIGBUS (1 << 7)
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE (1 << 16)
#endif
#ifndef UFFDIO_MOVE
#define _UFFDIO_MOVE (0x05)
#define UFFDIO_MOVE_MODE_DONTWAKE ((__u64)1 << 0)
#define UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES ((__u64)1 << 1)
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
	__u64 mode;
	__s64 move;
};
#define UFFDIO_MOVE _IOWR(UFFDIO, _UFFDIO_MOVE, struct uffdio_move)
#endif
/* The confirmation bit ART sets in its kernel check on 6.1 ... */
#ifndef UFFDIO_MOVE_MODE_CONFIRM_FIXED
#define UFFDIO_MOVE_MODE_CONFIRM_FIXED ((__u64)1 << 62)
#endif
/* ... and on 6.6. */
#define ART_CONFIRM_BIT_6_6 ((__u64)1 << 63)
/* ART hard-codes the bit: the header must agree with it. */
_Static_assert(UFFDIO_MOVE_MODE_CONFIRM_FIXED == (__u64)1 << 62,
	       "ART's 6.1 confirmation bit is 1 << 62");

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define EAGAIN_RETRIES 1000000

static size_t pg;		/* page size, from sysconf() */
static int gc_fd = -1;		/* the GC's fd: UFFD_FEATURE_SIGBUS only */
static int pagemap_fd = -1;

/* ---- TAP ---------------------------------------------------------------- */

static int test_no, test_failed;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		test_failed = 1;
}

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : "E?";
}

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_uffd(int *user_mode_only)
{
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	*user_mode_only = 1;
	if (fd < 0 && errno == EINVAL) {
		/* Off Android, or a kernel before 5.11. */
		fd = syscall(__NR_userfaultfd, O_CLOEXEC);
		*user_mode_only = 0;
	}
	return fd;
}

static int uffd_register(void *p, size_t len, __u64 *ioctls)
{
	struct uffdio_register r = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int rc = ioctl(gc_fd, UFFDIO_REGISTER, &r);

	if (ioctls)
		*ioctls = r.ioctls;
	return rc;
}

static int uffd_unregister(void *p, size_t len)
{
	struct uffdio_range r = { .start = (uintptr_t)p, .len = len };

	return ioctl(gc_fd, UFFDIO_UNREGISTER, &r);
}

/* The /proc/self/pagemap entry of a page (0 if it cannot be read). */
static uint64_t pagemap(const void *addr)
{
	uint64_t e = 0;
	off_t off = (off_t)((uintptr_t)addr / pg) * 8;

	if (pagemap_fd < 0 || pread(pagemap_fd, &e, 8, off) != 8)
		return 0;
	return e;
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void fill_id(void *p, uint64_t id)
{
	uint64_t *w = p;

	for (size_t i = 0; i < pg / 8; i++)
		w[i] = (id << 20 | i) ^ 0xa5a5a5a5a5a5a5a5ULL;
}

static int check_id(const void *p, uint64_t id)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < pg / 8; i++)
		if (w[i] != ((id << 20 | i) ^ 0xa5a5a5a5a5a5a5a5ULL))
			return 0;
	return 1;
}

/* ---- steps 1 and 2: probe and decision ---------------------------------- */

struct one_move {
	int rc, err;		/* ioctl() result and errno */
	long long move;		/* uffdio_move.move afterwards */
	int dst_present, src_present, dst_ok, src_ok;
	int setup_err;		/* mmap/register failed: errno */
};

/*
 * ART's one-page check: a two-page compaction buffer, its first page
 * registered MISSING and emptied (MADV_DONTNEED), its second populated; move
 * the second onto the first with the given mode.  What happened is read back
 * through pagemap (the registered page would SIGBUS if read while missing).
 */
static struct one_move one_page_move(__u64 mode)
{
	struct one_move r = { 0 };
	char *buf = map_anon(2 * pg);
	struct uffdio_move m;

	if (!buf) {
		r.setup_err = errno;
		return r;
	}
	fill_id(buf + pg, 0xc0ffee);
	if (uffd_register(buf, pg, NULL)) {
		r.setup_err = errno;
		munmap(buf, 2 * pg);
		return r;
	}
	madvise(buf, pg, MADV_DONTNEED);
	m = (struct uffdio_move){ .dst = (uintptr_t)buf,
				  .src = (uintptr_t)(buf + pg),
				  .len = pg, .mode = mode, .move = 0 };
	r.rc = ioctl(gc_fd, UFFDIO_MOVE, &m);
	r.err = r.rc ? errno : 0;
	r.move = m.move;
	r.dst_present = !!(pagemap(buf) & (PM_PRESENT | PM_SWAP));
	r.src_present = !!(pagemap(buf + pg) & (PM_PRESENT | PM_SWAP));
	/* Unregistered, a missing page reads as zeroes instead of SIGBUS. */
	uffd_unregister(buf, pg);
	r.dst_ok = check_id(buf, 0xc0ffee);
	r.src_ok = check_id(buf + pg, 0xc0ffee);
	if (pagemap_fd < 0) {
		/* No pagemap: tell by the contents. */
		r.dst_present = r.dst_ok;
		r.src_present = r.src_ok;
	}
	r.dst_ok &= r.dst_present;
	r.src_ok &= r.src_present;
	munmap(buf, 2 * pg);
	return r;
}

enum decision { USE_COPY, USE_MOVE, ART_ABORTS };

struct kver {
	int major, minor, patch;
};

static int kver_ge(struct kver v, int major, int minor, int patch)
{
	if (v.major != major)
		return v.major > major;
	if (v.minor != minor)
		return v.minor > minor;
	return v.patch >= patch;
}

static enum decision decide(__u64 features, struct kver v, char *why, size_t whysz)
{
	__u64 confirm;
	struct one_move r;

	if (!(features & UFFD_FEATURE_MOVE)) {
		snprintf(why, whysz, "no UFFD_FEATURE_MOVE");
		printf("ok %d MoveIoctlKernelCheck # SKIP no UFFD_FEATURE_MOVE\n", ++test_no);
		return USE_COPY;
	}
	if ((v.major == 6 && v.minor == 12 && v.patch >= 20) ||
	    (v.major == 6 && v.minor == 13 && v.patch >= 8) ||
	    kver_ge(v, 6, 14, 0)) {
		printf("# kernel %d.%d.%d: MOVE accepted by version (6.12.20+, 6.13.8+, 6.14+), no kernel check\n",
		       v.major, v.minor, v.patch);
		printf("ok %d MoveIoctlKernelCheck # SKIP not needed on %d.%d\n",
		       ++test_no, v.major, v.minor);
		return USE_MOVE;
	}
	if (v.major == 6 && v.minor == 1) {
		confirm = UFFDIO_MOVE_MODE_CONFIRM_FIXED;
	} else if (v.major == 6 && v.minor == 6) {
		confirm = ART_CONFIRM_BIT_6_6;
	} else {
		snprintf(why, whysz, "kernel %d.%d.%d too old", v.major, v.minor, v.patch);
		printf("ok %d MoveIoctlKernelCheck # SKIP kernel %d.%d.%d is neither 6.1/6.6 nor new enough\n",
		       ++test_no, v.major, v.minor, v.patch);
		return USE_COPY;
	}

	r = one_page_move(UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES | confirm);
	if (r.setup_err) {
		tap(0, "MoveIoctlKernelCheck: setting up the compaction buffer: %s",
		    ename(r.setup_err));
		snprintf(why, whysz, "kernel check setup: %s", ename(r.setup_err));
		return ART_ABORTS;
	}
	printf("# kernel check: mode ALLOW_SRC_HOLES|1<<%d: ioctl=%d errno=%s move=%lld dst %s, src %s\n",
	       confirm == UFFDIO_MOVE_MODE_CONFIRM_FIXED ? 62 : 63, r.rc, ename(r.err),
	       r.move, r.dst_present ? (r.dst_ok ? "has the page" : "populated, WRONG content") : "empty",
	       r.src_present ? (r.src_ok ? "still populated" : "populated, WRONG content") : "empty");
	if (r.rc == 0 && r.move == (long long)pg) {
		tap(r.dst_ok && !r.src_present,
		    "MoveIoctlKernelCheck: the confirmed move succeeded%s",
		    r.dst_ok && !r.src_present ? "" : " but the page did not move");
		return USE_MOVE;
	}
	if (r.rc == 0) {
		/* ART CHECKs move == page size: the runtime would abort. */
		tap(0, "MoveIoctlKernelCheck: success with move=%lld, not %zu (ART aborts)",
		    r.move, pg);
		snprintf(why, whysz, "kernel check: success with move=%lld", r.move);
		return ART_ABORTS;
	}
	if (r.err == EINVAL) {
		tap(1, "MoveIoctlKernelCheck: EINVAL, ART falls back to UFFDIO_COPY");
		snprintf(why, whysz, "kernel check: EINVAL");
		return USE_COPY;
	}
	/* ART CHECKs errno == EINVAL: any other errno aborts the runtime. */
	tap(0, "MoveIoctlKernelCheck: %s, not EINVAL (fatal: ART aborts)", ename(r.err));
	snprintf(why, whysz, "kernel check: %s", ename(r.err));
	return ART_ABORTS;
}

/* An app process tries a plain one-page move once: seccomp must allow it. */
static enum decision seccomp_check(enum decision d, char *why, size_t whysz)
{
	struct one_move r;

	if (d != USE_MOVE) {
		printf("ok %d app-process check (mode 0) # SKIP MOVE not chosen\n", ++test_no);
		return d;
	}
	r = one_page_move(0);
	printf("# app-process check: mode 0: ioctl=%d errno=%s move=%lld\n",
	       r.rc, ename(r.err), r.move);
	if (!r.setup_err && r.rc == 0 && r.move == (long long)pg && r.dst_ok && !r.src_present) {
		tap(1, "app-process check: a one-page UFFDIO_MOVE with mode 0 works");
		return USE_MOVE;
	}
	tap(0, "app-process check: a one-page UFFDIO_MOVE with mode 0 fails: ioctl=%d %s move=%lld",
	    r.rc, ename(r.setup_err ? r.setup_err : r.err), r.move);
	snprintf(why, whysz, "app-process check: %s", ename(r.setup_err ? r.setup_err : r.err));
	return USE_COPY;
}

/* ---- step 3: the contract of the mode bits on 6.1 ------------------------ */

static void contract_check(int bit, int is_6_1, __u64 features)
{
	struct one_move r;
	int good;

	if (!(features & UFFD_FEATURE_MOVE)) {
		printf("ok %d contract: mode bit 1<<%d # SKIP no UFFD_FEATURE_MOVE\n",
		       ++test_no, bit);
		return;
	}
	r = one_page_move(UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES | (__u64)1 << bit);
	good = !r.setup_err && r.rc == -1 && r.err == EINVAL && !r.dst_present && r.src_ok;
	printf("# contract: mode ALLOW_SRC_HOLES|1<<%d: ioctl=%d errno=%s move=%lld dst %s, src %s\n",
	       bit, r.rc, ename(r.setup_err ? r.setup_err : r.err), r.move,
	       r.dst_present ? "populated" : "empty",
	       r.src_present ? (r.src_ok ? "intact" : "populated, WRONG content") : "empty");
	if (is_6_1 || good)
		tap(good, "contract: mode bit 1<<%d gives EINVAL and moves nothing%s", bit,
		    is_6_1 ? "" : " (informative: not a 6.1 kernel)");
	else
		printf("ok %d contract: mode bit 1<<%d # SKIP informative, not a 6.1 kernel: %s\n",
		       ++test_no, bit, r.rc ? ename(r.err) : "accepted");
}

/* ---- step 4: the compaction --------------------------------------------- */

enum { PAGE_COMPACT, PAGE_DIRECT };
enum { ST_UNMAPPED, ST_MAPPED };

static struct {
	char *to, *from, *bufs;	/* to-space, from-space, buffer pages */
	size_t npages, from_len, bufs_len;
	unsigned char *kind;
	unsigned char *state;	/* ST_*, atomic */
	unsigned char *shared;	/* the from-space page stays COW-shared */
	size_t *src_off;	/* byte offset of a to-space page's data in from-space */
	uint64_t key;
	int use_move;
	int active;		/* the SIGBUS handler resolves to-space faults */
	int unregistered;	/* to-space was unregistered: EINVAL is expected */
	int done;		/* the collector has finished */
	int ckpt;		/* checkpoints the collector has reached */
	size_t cpos;		/* the page the collector is at */
	pthread_barrier_t sync;	/* collector and mutators meet here */
} R;

/* The collector meets the mutators before it starts and at these fractions. */
#define CHECKPOINTS 4

static struct {
	unsigned long moved, copied, faults, eexist, enoent, eagain, eagain_retry,
		unreg, ebusy, ebusy_unshared, fatal, fatal_errno, fatal_op,
		unexpected_sigbus,
		skipped, reads, bad_reads, collector_ioctls;
} S;

#define ADD(f, n) __atomic_add_fetch(&S.f, (n), __ATOMIC_RELAXED)

static __thread char *tls_buf;	/* this thread's compaction buffer page */
static __thread int tls_mutator;
static __thread size_t tls_last_fault, tls_same_faults;

/* A page that faults again this often after being resolved is stuck. */
#define STUCK_FAULTS 100

static uint64_t expect_word(size_t p, size_t k)
{
	return ((uint64_t)(p + 1) << 24 | k) ^ R.key;
}

/* Count a fatal error; the first one is reported. */
static void fatal_errno(int op, int e)
{
	unsigned long none = 0;

	if (__atomic_compare_exchange_n(&S.fatal_op, &none, (unsigned long)op, 0,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		__atomic_store_n(&S.fatal_errno, (unsigned long)e, __ATOMIC_RELAXED);
	ADD(fatal, 1);
}

enum { OP_MOVE = 1, OP_COPY, OP_MOVE_LEN, OP_EAGAIN0, OP_RETRIES, OP_REGISTER, OP_STUCK,
       OP_NR };
static const char *const op_names[OP_NR] = {
	"?", "UFFDIO_MOVE", "UFFDIO_COPY", "UFFDIO_MOVE success with move != len",
	"UFFDIO_MOVE EAGAIN with move == 0", "too many EAGAIN retries", "UFFDIO_UNREGISTER",
	"a to-space page keeps faulting after it was resolved",
};

/* UFFDIO_COPY of [src, src + len) to dst, page by page on EEXIST. */
static void copy_ioctl(uintptr_t dst, uintptr_t src, size_t len)
{
	unsigned long retries = 0;

	while (len) {
		struct uffdio_copy c = { .dst = dst, .src = src, .len = len, .mode = 0, .copy = 0 };
		int e;

		if (ioctl(gc_fd, UFFDIO_COPY, &c) == 0) {
			ADD(copied, len / pg);
			return;
		}
		e = errno;
		if (e == EAGAIN && c.copy > 0 && (unsigned long long)c.copy < len &&
		    c.copy % pg == 0) {
			ADD(copied, c.copy / pg);
			ADD(eagain, 1);
			dst += c.copy;
			src += c.copy;
			len -= c.copy;
		} else if (e == EAGAIN) {
			ADD(eagain_retry, 1);
			if (++retries > EAGAIN_RETRIES) {
				fatal_errno(OP_RETRIES, e);
				return;
			}
			sched_yield();
		} else if (e == EEXIST) {
			/* The page is already there: someone else won. */
			ADD(eexist, 1);
			dst += pg;
			src += pg;
			len -= pg;
		} else if ((e == EINVAL || e == ENOENT) &&
			   __atomic_load_n(&R.unregistered, __ATOMIC_ACQUIRE)) {
			/* UFFDIO_COPY to a range no longer registered: ENOENT. */
			ADD(unreg, 1);
			return;
		} else {
			fatal_errno(OP_COPY, e);
			return;
		}
	}
}

/*
 * MoveIoctl(): UFFDIO_MOVE of [src, src + len) to dst.  EEXIST: the page at
 * dst is there already; ENOENT: the source page is a hole (somebody moved
 * it); EAGAIN: a positive move is the bytes done, go on with the rest, a
 * negative one means retry; EINVAL: to-space was unregistered; EBUSY: the
 * page cannot move (COW-shared, pinned), copy it instead.  Anything else is
 * fatal for ART.
 */
static void move_ioctl(uintptr_t dst, uintptr_t src, size_t len, __u64 mode)
{
	unsigned long retries = 0;

	while (len) {
		struct uffdio_move m = { .dst = dst, .src = src, .len = len,
					 .mode = mode, .move = 0 };
		int e;

		if (ioctl(gc_fd, UFFDIO_MOVE, &m) == 0) {
			if (m.move != (__s64)len)
				fatal_errno(OP_MOVE_LEN, 0);
			ADD(moved, len / pg);
			return;
		}
		e = errno;
		switch (e) {
		case EEXIST:
		case ENOENT:
			/* the page is there already, or a hole: skip it */
			if (e == EEXIST)
				ADD(eexist, 1);
			else
				ADD(enoent, 1);
			dst += pg;
			src += pg;
			len -= pg;
			break;
		case EAGAIN:
			if (m.move == 0) {
				fatal_errno(OP_EAGAIN0, e);
				return;
			}
			if (m.move > 0) {
				if ((unsigned long long)m.move >= len || m.move % pg) {
					fatal_errno(OP_MOVE_LEN, e);
					return;
				}
				ADD(moved, m.move / pg);
				ADD(eagain, 1);
				dst += m.move;
				src += m.move;
				len -= m.move;
				break;
			}
			ADD(eagain_retry, 1);
			if (++retries > EAGAIN_RETRIES) {
				fatal_errno(OP_RETRIES, e);
				return;
			}
			sched_yield();
			break;
		case EINVAL:
			if (__atomic_load_n(&R.unregistered, __ATOMIC_ACQUIRE)) {
				ADD(unreg, 1);
				return;
			}
			fatal_errno(OP_MOVE, e);
			return;
		case EBUSY:
			/*
			 * ART copies the page and goes on.  Only a page left
			 * COW-shared may be busy: any other is a kernel bug
			 * (a transient reference taken for a split, say).
			 */
			ADD(ebusy, 1);
			if ((dst - (uintptr_t)R.to) / pg >= R.npages ||
			    !R.shared[(dst - (uintptr_t)R.to) / pg])
				ADD(ebusy_unshared, 1);
			copy_ioctl(dst, src, pg);
			dst += pg;
			src += pg;
			len -= pg;
			break;
		default:
			fatal_errno(OP_MOVE, e);
			return;
		}
	}
}

/* Map to-space page p: compact it into buf (or take its from-space page). */
static void process_page(size_t p, char *buf)
{
	uintptr_t dst = (uintptr_t)(R.to + p * pg);

	if (R.kind[p] == PAGE_COMPACT) {
		memcpy(buf, R.from + R.src_off[p], pg);
		if (R.use_move)
			move_ioctl(dst, (uintptr_t)buf, pg, 0);
		else
			copy_ioctl(dst, (uintptr_t)buf, pg);
	} else {
		if (R.use_move)
			move_ioctl(dst, (uintptr_t)(R.from + R.src_off[p]), pg, 0);
		else
			copy_ioctl(dst, (uintptr_t)(R.from + R.src_off[p]), pg);
	}
	__atomic_store_n(&R.state[p], ST_MAPPED, __ATOMIC_RELEASE);
}

static void sigbus_handler(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr, to = (uintptr_t)R.to;
	int saved = errno;
	size_t p;

	(void)uc;
	if (sig != SIGBUS || !__atomic_load_n(&R.active, __ATOMIC_ACQUIRE) ||
	    a < to || a >= to + R.npages * pg || !tls_buf) {
		/* Not ours: say what it was, and die of it on return. */
		char msg[160];
		int n = snprintf(msg, sizeof(msg),
				 "# SIGBUS not from to-space: addr %#lx code %d active %d mutator %d to %p from %p bufs %p\n",
				 (unsigned long)a, si->si_code,
				 __atomic_load_n(&R.active, __ATOMIC_ACQUIRE), tls_mutator,
				 (void *)R.to, (void *)R.from, (void *)R.bufs);

		if (n > 0 && write(1, msg, n) < 0)
			n = 0;
		signal(SIGBUS, SIG_DFL);
		errno = saved;
		return;
	}
	if (!tls_mutator)
		ADD(unexpected_sigbus, 1);
	p = (a - to) / pg;
	if (p != tls_last_fault) {
		tls_last_fault = p;
		tls_same_faults = 0;
	}
	if (++tls_same_faults > STUCK_FAULTS) {
		/*
		 * The page stays missing (a fatal errno, or a move that did
		 * not map it): map zeroes rather than spin here for ever, and
		 * let the verification report the page.
		 */
		struct uffdio_zeropage z = {
			.range = { .start = to + p * pg, .len = pg },
		};

		if (tls_same_faults == STUCK_FAULTS + 1)
			fatal_errno(OP_STUCK, 0);
		ioctl(gc_fd, UFFDIO_ZEROPAGE, &z);
	} else {
		process_page(p, tls_buf);
		ADD(faults, 1);
	}
	errno = saved;
}

struct mut_arg {
	int id;
	uint64_t seed;
};

static void *mutator(void *arg)
{
	struct mut_arg *ma = arg;
	uint64_t s = ma->seed, reads = 0, bad = 0;
	int ckpt = 0;
	size_t words = pg / 8, first = R.npages - 1 - ma->id;
	volatile uint64_t *w;

	tls_buf = R.bufs + (1 + ma->id) * pg;
	tls_mutator = 1;
	/* The SIGBUS handler reads them: no access may move above this. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* Prelude: one fault each before the collector starts. */
	w = (volatile uint64_t *)(R.to + first * pg);
	if (w[0] != expect_word(first, 0))
		bad++;
	reads++;
	pthread_barrier_wait(&R.sync);
	while (!__atomic_load_n(&R.done, __ATOMIC_ACQUIRE)) {
		uint64_t x = rnd(&s);
		size_t p, k = (x & 0xffff) % words;

		/*
		 * Meet the collector at its checkpoints, so that every part
		 * of the walk runs against mutators that are on a CPU.
		 */
		if (ckpt < __atomic_load_n(&R.ckpt, __ATOMIC_ACQUIRE)) {
			ckpt++;
			pthread_barrier_wait(&R.sync);
			continue;
		}
		/* Half of the reads just ahead of the collector, to race it. */
		if (x & (1 << 20))
			p = (__atomic_load_n(&R.cpos, __ATOMIC_RELAXED) + (x >> 24) % 8) % R.npages;
		else
			p = (x >> 24) % R.npages;

		w = (volatile uint64_t *)(R.to + p * pg);
		if (w[k] != expect_word(p, k))
			bad++;
		reads++;
	}
	ADD(reads, reads);
	ADD(bad_reads, bad);
	return NULL;
}

static void *collector(void *arg)
{
	int ckpt = 0;

	(void)arg;
	tls_buf = R.bufs;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pthread_barrier_wait(&R.sync);
	for (size_t p = 0; p < R.npages;) {
		__atomic_store_n(&R.cpos, p, __ATOMIC_RELAXED);
		if (ckpt < CHECKPOINTS - 1 && p >= R.npages / CHECKPOINTS * (ckpt + 1)) {
			__atomic_store_n(&R.ckpt, ++ckpt, __ATOMIC_RELEASE);
			pthread_barrier_wait(&R.sync);
		}
		if (R.kind[p] == PAGE_DIRECT) {
			/* A run that needs no compaction: one ioctl from from-space. */
			size_t q = p + 1;

			while (q < R.npages && R.kind[q] == PAGE_DIRECT &&
			       R.src_off[q] == R.src_off[p] + (q - p) * pg)
				q++;
			ADD(collector_ioctls, 1);
			if (R.use_move)
				move_ioctl((uintptr_t)(R.to + p * pg),
					   (uintptr_t)(R.from + R.src_off[p]), (q - p) * pg,
					   UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES);
			else
				copy_ioctl((uintptr_t)(R.to + p * pg),
					   (uintptr_t)(R.from + R.src_off[p]), (q - p) * pg);
			for (; p < q; p++)
				__atomic_store_n(&R.state[p], ST_MAPPED, __ATOMIC_RELEASE);
			continue;
		}
		if (__atomic_load_n(&R.state[p], __ATOMIC_ACQUIRE) == ST_MAPPED) {
			ADD(skipped, 1);	/* a mutator mapped it */
		} else {
			ADD(collector_ioctls, 1);
			process_page(p, R.bufs);
		}
		p++;
	}
	/* Every page is mapped: the GC unregisters to-space. */
	__atomic_store_n(&R.unregistered, 1, __ATOMIC_RELEASE);
	if (uffd_unregister(R.to, R.npages * pg))
		fatal_errno(OP_REGISTER, errno);
	__atomic_store_n(&R.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Lay the objects out: runs of compacted pages (each shifted by a dead gap,
 * so not page aligned in from-space) alternate with runs of aligned pages.
 * Dead space holds garbage that no to-space page may end up with.
 */
static int layout(uint64_t *s)
{
	size_t c = 0, p = 0, n = R.npages;

	R.kind = calloc(n, 1);
	R.state = calloc(n, 1);
	R.src_off = calloc(n, sizeof(*R.src_off));
	R.shared = calloc(n, 1);
	if (!R.kind || !R.state || !R.src_off || !R.shared)
		return -1;
	while (p < n) {
		size_t len;

		if (rnd(s) & 1) {
			len = 1 + rnd(s) % 16;
			c = (c + pg - 1) / pg * pg;
			for (; len && p < n; len--, p++) {
				R.kind[p] = PAGE_DIRECT;
				R.src_off[p] = c;
				c += pg;
			}
		} else {
			len = 1 + rnd(s) % 8;
			for (; len && p < n; len--, p++) {
				size_t gap = 8 * (1 + rnd(s) % (pg / 8 - 2));

				if ((c + gap) % pg == 0)
					gap += 8;
				R.kind[p] = PAGE_COMPACT;
				R.src_off[p] = c + gap;
				c += gap + pg;
			}
		}
	}
	R.from_len = (c + pg - 1) / pg * pg + pg;
	R.from = map_anon(R.from_len);
	if (!R.from)
		return -1;
	madvise(R.from, R.from_len, MADV_NOHUGEPAGE);
	for (size_t o = 0; o < R.from_len; o += 8) {
		uint64_t g = (0xdead000000000000ULL | o) ^ R.key;

		memcpy(R.from + o, &g, 8);
	}
	for (p = 0; p < n; p++)
		for (size_t k = 0; k < pg / 8; k++) {
			uint64_t v = expect_word(p, k);

			memcpy(R.from + R.src_off[p] + k * 8, &v, 8);
		}
	return 0;
}

/*
 * Zygote: fork and let the child exit.  Every from-space page is then
 * COW-shared (not anon-exclusive) until written; rewrite all aligned pages
 * but every share_every-th, which stay shared and make UFFDIO_MOVE EBUSY.
 */
static int share_some(unsigned int share_every, unsigned long *shared)
{
	unsigned int nth = 0;
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	*shared = 0;
	for (size_t p = 0; p < R.npages; p++) {
		volatile uint64_t *w;

		if (R.kind[p] != PAGE_DIRECT)
			continue;
		if (++nth % share_every == 0) {
			R.shared[p] = 1;
			(*shared)++;
			continue;
		}
		w = (volatile uint64_t *)(R.from + R.src_off[p]);
		*w = *w;
	}
	return 0;
}

struct opts {
	size_t pages;
	int mutators, rounds, force_copy;
	unsigned int share_every;
	uint64_t seed;
};

/* One compaction round; returns the number of bad to-space pages. */
static long compaction_round(const struct opts *o, int round, unsigned long *shared)
{
	struct mut_arg ma[64];
	pthread_t mt[64], ct;
	uint64_t s = o->seed * 0x9e3779b97f4a7c15ULL + round + 1;
	long bad = 0;
	size_t p;

	memset(&R, 0, sizeof(R));
	R.npages = o->pages;
	R.use_move = !o->force_copy;
	R.key = rnd(&s) | 1ULL << 63;
	R.to = map_anon(R.npages * pg);
	R.bufs_len = (o->mutators + 1) * pg;
	R.bufs = map_anon(R.bufs_len);
	if (!R.to || !R.bufs || layout(&s)) {
		printf("# round %d: out of memory\n", round);
		return -1;
	}
	madvise(R.to, R.npages * pg, MADV_NOHUGEPAGE);
	if (uffd_register(R.to, R.npages * pg, NULL)) {
		printf("# round %d: UFFDIO_REGISTER of to-space: %s\n", round, ename(errno));
		return -1;
	}
	*shared = 0;
	if (R.use_move && o->share_every && share_some(o->share_every, shared)) {
		printf("# round %d: fork: %s\n", round, ename(errno));
		return -1;
	}
	pthread_barrier_init(&R.sync, NULL, o->mutators + 1);
	__atomic_store_n(&R.active, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < o->mutators; i++) {
		ma[i] = (struct mut_arg){ .id = i, .seed = rnd(&s) | 1 };
		if (pthread_create(&mt[i], NULL, mutator, &ma[i])) {
			printf("# pthread_create failed\n");
			exit(1);
		}
	}
	if (pthread_create(&ct, NULL, collector, NULL)) {
		printf("# pthread_create failed\n");
		exit(1);
	}
	pthread_join(ct, NULL);
	for (int i = 0; i < o->mutators; i++)
		pthread_join(mt[i], NULL);
	__atomic_store_n(&R.active, 0, __ATOMIC_RELEASE);
	pthread_barrier_destroy(&R.sync);

	/* Verify every page: present (pagemap), then every word. */
	for (p = 0; p < R.npages; p++) {
		const uint64_t *w = (const uint64_t *)(R.to + p * pg);
		size_t k;

		if (pagemap_fd >= 0 && !(pagemap(w) & (PM_PRESENT | PM_SWAP))) {
			if (bad++ < 5)
				printf("# round %d: to-space page %zu is missing\n", round, p);
			continue;
		}
		for (k = 0; k < pg / 8 && w[k] == expect_word(p, k); k++)
			;
		if (k < pg / 8 && bad++ < 5)
			printf("# round %d: to-space page %zu (%s) word %zu: %#llx, expected %#llx\n",
			       round, p, R.kind[p] == PAGE_DIRECT ? "aligned" : "compacted", k,
			       (unsigned long long)w[k], (unsigned long long)expect_word(p, k));
	}
	munmap(R.to, R.npages * pg);
	munmap(R.from, R.from_len);
	munmap(R.bufs, R.bufs_len);
	free(R.kind);
	free(R.state);
	free(R.src_off);
	free(R.shared);
	return bad;
}

static void compaction(const struct opts *o, enum decision d)
{
	unsigned long shared_total = 0, shared;
	long bad_total = 0;
	int setup_failed = 0;
	double t0 = now_s();
	const char *method = o->force_copy ? "UFFDIO_COPY" : "UFFDIO_MOVE";

	printf("# compaction: %s, %d round(s) of %zu pages (page size %zu), %d mutator(s), seed %llu%s\n",
	       method, o->rounds, o->pages, pg, o->mutators, (unsigned long long)o->seed,
	       d == USE_MOVE && o->force_copy ? " (COPY forced by -c)" : "");
	for (int r = 0; r < o->rounds; r++) {
		long bad = compaction_round(o, r, &shared);

		if (bad < 0) {
			setup_failed = 1;
			break;
		}
		bad_total += bad;
		shared_total += shared;
	}
	printf("# compaction: %.3f s, pages moved=%lu copied=%lu, SIGBUS faults resolved=%lu,"
	       " EEXIST=%lu ENOENT=%lu EAGAIN(partial)=%lu EAGAIN(retry)=%lu after unregister=%lu,"
	       " EBUSY fallbacks=%lu (COW-shared pages %lu), collector ioctls=%lu, skipped=%lu,"
	       " mutator reads=%lu (bad %lu), unexpected SIGBUS=%lu, fatal errnos=%lu\n",
	       now_s() - t0, S.moved, S.copied, S.faults, S.eexist, S.enoent, S.eagain,
	       S.eagain_retry, S.unreg, S.ebusy, shared_total, S.collector_ioctls, S.skipped,
	       S.reads, S.bad_reads, S.unexpected_sigbus, S.fatal);
	if (S.fatal)
		printf("# first fatal error: %s: %s\n", op_names[S.fatal_op < OP_NR ? S.fatal_op : 0],
		       ename((int)S.fatal_errno));
	tap(!setup_failed && !S.fatal, "compaction (%s): no fatal errno (%lu)", method, S.fatal);
	tap(!setup_failed && !bad_total && !S.bad_reads && !S.unexpected_sigbus,
	    "compaction (%s): every to-space page verified (%zu pages, %ld bad, %lu bad mutator reads)",
	    method, o->pages * o->rounds, bad_total, S.bad_reads);
	tap(!setup_failed && S.faults >= (unsigned long)(o->mutators * o->rounds),
	    "compaction (%s): mutators resolved their SIGBUS faults (%lu)", method, S.faults);
	if (o->force_copy)
		tap(!setup_failed && S.copied && !S.moved,
		    "compaction (%s): done with UFFDIO_COPY (%lu pages copied)", method, S.copied);
	else
		tap(!setup_failed && S.moved,
		    "compaction (%s): done with UFFDIO_MOVE (%lu pages moved)", method, S.moved);
	if (o->force_copy || !o->share_every || !shared_total)
		printf("ok %d compaction (%s): EBUSY falls back to UFFDIO_COPY # SKIP %s\n",
		       ++test_no, method, o->force_copy ? "COPY" : "no COW-shared pages");
	else
		tap(!setup_failed && S.ebusy && !S.ebusy_unshared,
		    "compaction (%s): EBUSY on COW-shared pages falls back to UFFDIO_COPY (%lu, %lu on pages not shared)",
		    method, S.ebusy, S.ebusy_unshared);
}

#define NTESTS 11

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-p pages] [-m mutators] [-r rounds] [-s seed] [-S n] [-c] [-R release]\n"
		"  -p  to-space pages per round (default 1024)\n"
		"  -m  mutator threads (default 2, at most 63)\n"
		"  -r  compaction rounds (default 3)\n"
		"  -s  seed of the object layout and the mutators (default 1)\n"
		"  -S  leave every n-th aligned from-space page COW-shared, to get\n"
		"      EBUSY (default 8, 0: none)\n"
		"  -c  compact with UFFDIO_COPY whatever the decision\n"
		"  -R  decide as if uname() gave this release (tests the decision)\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .pages = 1024, .mutators = 2, .rounds = 3,
			  .share_every = 8, .seed = 1 };
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	struct sigaction sa = { 0 };
	struct utsname u;
	struct kver v = { 0, 0, 0 };
	char why[128] = "";
	const char *release = NULL;
	enum decision d;
	__u64 features;
	int fd, umo, c;

	while ((c = getopt(argc, argv, "p:m:r:s:S:cR:h")) != -1) {
		switch (c) {
		case 'p': o.pages = strtoul(optarg, NULL, 0); break;
		case 'm': o.mutators = atoi(optarg); break;
		case 'r': o.rounds = atoi(optarg); break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'S': o.share_every = strtoul(optarg, NULL, 0); break;
		case 'c': o.force_copy = 1; break;
		case 'R': release = optarg; break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc || o.mutators < 1 || o.mutators > 63 || o.rounds < 1 ||
	    o.pages < (size_t)o.mutators + 1)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pg = sysconf(_SC_PAGESIZE);
	uname(&u);
	if (!release)
		release = u.release;
	sscanf(release, "%d.%d.%d", &v.major, &v.minor, &v.patch);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		printf("# /proc/self/pagemap: %s: pages are told apart by contents\n",
		       ename(errno));
	sa.sa_sigaction = sigbus_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);

	printf("TAP version 13\n1..%d\n", NTESTS);
	printf("# art-client: kernel %s (%d.%d.%d%s), %s, page size %zu\n", u.release,
	       v.major, v.minor, v.patch, release == u.release ? "" : ", as given by -R",
	       u.machine, pg);

	/* 1. KernelSupportsUffd() */
	fd = open_uffd(&umo);
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api)) {
		int e = errno;

		printf("# userfaultfd: %s\n", ename(e));
		printf("ART would use COPY (no userfaultfd: %s)\n", ename(e));
		for (int i = 0; i < NTESTS; i++)
			printf("ok %d # SKIP no userfaultfd\n", ++test_no);
		return 4;
	}
	features = api.features;
	close(fd);
	printf("# probe: userfaultfd(O_CLOEXEC%s), features offered %#llx:%s%s\n",
	       umo ? " | UFFD_USER_MODE_ONLY" : "", (unsigned long long)features,
	       features & UFFD_FEATURE_SIGBUS ? " SIGBUS" : "",
	       features & UFFD_FEATURE_MOVE ? " MOVE" : "");
	tap(!!(features & UFFD_FEATURE_SIGBUS), "KernelSupportsUffd: UFFD_FEATURE_SIGBUS offered");
	if (!(features & UFFD_FEATURE_SIGBUS)) {
		printf("ART would use COPY (no UFFD_FEATURE_SIGBUS)\n");
		return 1;
	}

	/* The GC's fd: SIGBUS only. */
	gc_fd = open_uffd(&umo);
	api = (struct uffdio_api){ .api = UFFD_API, .features = UFFD_FEATURE_SIGBUS };
	if (gc_fd < 0 || ioctl(gc_fd, UFFDIO_API, &api)) {
		tap(0, "GC userfaultfd with UFFD_FEATURE_SIGBUS only: %s", ename(errno));
		printf("ART would use COPY (GC userfaultfd: %s)\n", ename(errno));
		return 1;
	}
	tap(1, "GC userfaultfd with UFFD_FEATURE_SIGBUS only (not UFFD_FEATURE_MOVE)");

	/* 2. MoveIoctlKernelCheck() and the app-process check. */
	d = decide(features, v, why, sizeof(why));
	d = seccomp_check(d, why, sizeof(why));
	if (d == USE_MOVE)
		printf("ART would use MOVE\n");
	else if (d == USE_COPY)
		printf("ART would use COPY (%s)\n", why);
	else
		printf("ART would abort (%s)\n", why);

	/* 3. The mode bits the confirmation bit must not let through. */
	contract_check(61, v.major == 6 && v.minor == 1, features);
	contract_check(63, v.major == 6 && v.minor == 1, features);

	/* 4. The compaction, with what ART would use (COPY if it would abort). */
	if (d != USE_MOVE)
		o.force_copy = 1;
	compaction(&o, d);

	printf("# art-client: %d tests, %s\n", test_no, test_failed ? "FAILED" : "all passed");
	return test_failed ? 1 : 0;
}
