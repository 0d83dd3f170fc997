// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-fuzz: a bounded random fuzzer of the UFFDIO_MOVE ioctl.
 *
 * Random and adversarial dst, src, len and mode (unaligned, wrapping,
 * kernel and unmapped addresses, every kind of VMA that must be refused:
 * shmem, hugetlb, file-backed, read-only, PROT_NONE, mlocked against
 * unlocked, VM_IO through /dev/mem, unknown mode bits), bad argument
 * pointers, a closed and an uninitialised userfaultfd and userfaultfds of
 * another mm, while background threads churn the address space (mmap,
 * munmap, mprotect, registration, madvise, faults served by a handler).
 *
 * Every result must be in the documented errno set; where the arguments
 * decide the result (validation, VMA checks) it must be exactly the one
 * the contract gives.  The MOVE result field is checked by do_move().
 *
 *   uffd-fuzz [-t seconds] [-n max_iterations] [-s seed] [-v]
 *
 * TAP output; the last line is "# summary fuzz: iterations=N ... errnos:".
 */
#include "common.h"
#include <sys/utsname.h>
#include <stddef.h>
#include <sys/eventfd.h>

#define POOL_BASE 0x200000000000UL
#define SLOT (8UL << 20)
#define TS47 0x7ffffffff000ULL
#define TS56 0xfffffffffff000ULL
#define MMAP_MIN 65536ULL

#define B(e) (1ULL << (e))
#define DOC_SET (B(0) | B(EINVAL) | B(EEXIST) | B(ENOENT) | B(EBUSY) | \
		 B(EAGAIN) | B(EFAULT) | B(ENOMEM) | B(EBADF))
#define DYN_SET (B(0) | B(EEXIST) | B(ENOENT) | B(EBUSY) | B(EAGAIN) | B(ENOMEM))

enum kind {
	K_DST, K_DST2, K_SRC, K_SRC2, K_MLOCK, K_DEVZERO, K_RO, K_NONE,
	K_SHM, K_HUGETLB, K_MEMFD, K_IO, K_CHURN, K_HOLE, NKIND
};

struct region {
	const char *name;
	char *addr;
	size_t len;
	int present;	/* mapped */
	int registered;	/* with uffd */
	int anon_rw;	/* private anonymous, read-write */
	int locked;
};

static struct region R[NKIND] = {
	[K_DST] = { .name = "dst" },	[K_DST2] = { .name = "dst2" },
	[K_SRC] = { .name = "src" },	[K_SRC2] = { .name = "src2" },
	[K_MLOCK] = { .name = "mlock" },	[K_DEVZERO] = { .name = "devzero" },
	[K_RO] = { .name = "rdonly" },	[K_NONE] = { .name = "protnone" },
	[K_SHM] = { .name = "shmem" },	[K_HUGETLB] = { .name = "hugetlb" },
	[K_MEMFD] = { .name = "file" },	[K_IO] = { .name = "devmem" },
	[K_CHURN] = { .name = "churn" },	[K_HOLE] = { .name = "hole" },
};

static int uffd, stop_efd;
static volatile int stop_churn, stop_handler;
static unsigned long n_handled, n_unresolved, n_churn, n_madv, n_faults;
static struct errstat handler_es;	/* faults not resolved at once (retried) */
static int verbose;

static void *slot(int k)
{
	return (void *)(POOL_BASE + k * SLOT);
}

static int map_region(int k, size_t len, int prot, int flags, int fd)
{
	struct region *r = &R[k];
	void *p = mmap(slot(k), len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);

	if (p == MAP_FAILED || p != slot(k)) {
		printf("# %s: mmap: %s (kind left out)\n", r->name, strerror(errno));
		if (p != MAP_FAILED)
			munmap(p, len);
		return -1;
	}
	r->addr = p;
	r->len = len;
	r->present = 1;
	return 0;
}

static void reg(int k)
{
	if (R[k].present && !uffd_register(uffd, R[k].addr, R[k].len))
		R[k].registered = 1;
}

static void fill(int k, uint64_t *s)
{
	for (size_t off = 0; off < R[k].len; off += PS)
		if (rnd(s) % 4)
			pat_fill(R[k].addr + off, (off / PS) + 1);
}

static int setup(void)
{
	const int rw = PROT_READ | PROT_WRITE, pa = MAP_PRIVATE | MAP_ANONYMOUS;
	int fd;

	if (map_region(K_DST, 2 * HPS, rw, pa, -1) ||
	    map_region(K_DST2, 64 * PS, rw, pa, -1) ||
	    map_region(K_SRC, 2 * HPS, rw, pa, -1) ||
	    map_region(K_SRC2, 64 * PS, rw, pa, -1) ||
	    map_region(K_CHURN, 64 * PS, rw, pa, -1))
		return -1;
	madvise(R[K_DST].addr, R[K_DST].len, MADV_HUGEPAGE);
	madvise(R[K_SRC].addr, R[K_SRC].len, MADV_HUGEPAGE);
	R[K_DST].anon_rw = R[K_DST2].anon_rw = R[K_SRC].anon_rw = 1;
	R[K_SRC2].anon_rw = 1;
	reg(K_DST);
	reg(K_DST2);
	if (!R[K_DST].registered || !R[K_DST2].registered)
		return -1;

	if (!map_region(K_MLOCK, 32 * PS, rw, pa, -1)) {
		if (mlock(R[K_MLOCK].addr, R[K_MLOCK].len)) {
			printf("# mlock: %s (mlock kind left out)\n", strerror(errno));
			munmap(R[K_MLOCK].addr, R[K_MLOCK].len);
			R[K_MLOCK].present = 0;
		} else {
			R[K_MLOCK].anon_rw = R[K_MLOCK].locked = 1;
			reg(K_MLOCK);
		}
	}
	/* A private /dev/zero mapping is anonymous memory: MOVE accepts it. */
	fd = open("/dev/zero", O_RDWR);
	if (fd >= 0 && !map_region(K_DEVZERO, 64 * PS, rw, MAP_PRIVATE, fd)) {
		R[K_DEVZERO].anon_rw = 1;
		reg(K_DEVZERO);
	}
	if (fd >= 0)
		close(fd);
	if (!map_region(K_RO, 64 * PS, PROT_READ, pa, -1))
		reg(K_RO);
	if (!map_region(K_NONE, 64 * PS, PROT_NONE, pa, -1))
		reg(K_NONE);
	if (!map_region(K_SHM, 64 * PS, rw, MAP_SHARED | MAP_ANONYMOUS, -1)) {
		memset(R[K_SHM].addr, 0x5a, 8 * PS);
		reg(K_SHM);
	}
	if (!map_region(K_HUGETLB, HPS, rw, pa | MAP_HUGETLB, -1))
		reg(K_HUGETLB);
	fd = memfd_create("uffd-fuzz", 0);
	if (fd >= 0 && !ftruncate(fd, 64 * PS) &&
	    !map_region(K_MEMFD, 64 * PS, rw, MAP_PRIVATE, fd)) {
		memset(R[K_MEMFD].addr, 0x6b, 8 * PS);
		reg(K_MEMFD);
	}
	if (fd >= 0)
		close(fd);
	/* A VM_IO | VM_PFNMAP mapping: the BIOS area of /dev/mem. */
	fd = open("/dev/mem", O_RDONLY);
	if (fd >= 0) {
		if (map_region(K_IO, PS, PROT_READ, MAP_SHARED, fd))
			printf("# /dev/mem not mappable: VM_IO kind left out\n");
		close(fd);
	} else {
		printf("# no /dev/mem (%s): VM_IO kind left out\n", strerror(errno));
	}
	R[K_HOLE].addr = slot(K_HOLE);
	R[K_HOLE].len = SLOT;
	return 0;
}

static void teardown(void)
{
	for (int k = 0; k < NKIND; k++)
		if (k == K_CHURN)
			munmap(slot(k), SLOT);
		else if (R[k].present)
			munmap(R[k].addr, R[k].len);
}

/* ---------------------------------------------------------------- */
/* Background churn: fault handler, address space, madvise, faults.  */

static void *handler_fn(void *arg)
{
	struct pollfd pfd[2] = { { .fd = uffd, .events = POLLIN },
				 { .fd = stop_efd, .events = POLLIN } };
	struct uffd_msg msg;
	uint64_t *spare = arg;

	while (!stop_handler) {
		if (poll(pfd, 2, -1) <= 0 || (pfd[1].revents & POLLIN))
			continue;
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		uintptr_t a = msg.arg.pagefault.address & ~(PS - 1);
		struct uffdio_zeropage z = { .range = { .start = a, .len = PS } };

		if (ioctl(uffd, UFFDIO_ZEROPAGE, &z)) {
			struct uffdio_range w = { .start = a, .len = PS };

			int e;

			/* Not every kernel zero-fills private /dev/zero: move a page in. */
			if (errno != EEXIST) {
				spare[8] = a;
				do_move(uffd, a, (uintptr_t)spare, PS, 0, &e);
				if (e && e != EEXIST) {
					n_unresolved++;
					errstat_add(&handler_es, e);
				}
			}
			ioctl(uffd, UFFDIO_WAKE, &w);
		}
		n_handled++;
	}
	return NULL;
}

/* The churn slot: mappings appear, change protection, get registered... */
static void *churn_fn(void *arg)
{
	uint64_t s = rnd_seed(*(uint64_t *)arg, 11);
	char *base = slot(K_CHURN);
	const size_t n = 64;

	while (!stop_churn) {
		size_t a = rnd(&s) % n, l = 1 + rnd(&s) % (n - a);
		char *p = base + a * PS;
		size_t len = l * PS;

		switch (rnd(&s) % 6) {
		case 0:
			if (mmap(p, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED)
				for (size_t o = 0; o < len; o += PS)
					p[o] = 1;
			break;
		case 1:
			munmap(p, len);
			break;
		case 2:
			mprotect(p, len, (int[]){ PROT_READ, PROT_NONE,
				 PROT_READ | PROT_WRITE }[rnd(&s) % 3]);
			break;
		case 3:
			uffd_register(uffd, p, len);
			break;
		case 4:
			uffd_unregister(uffd, p, len);
			break;
		case 5:
			madvise(p, len, MADV_DONTNEED);
			break;
		}
		n_churn++;
	}
	return NULL;
}

static const int madv_kinds[] = { K_DST, K_DST2, K_SRC, K_SRC2, K_DEVZERO };

static void *madv_fn(void *arg)
{
	uint64_t s = rnd_seed(*(uint64_t *)arg, 12);
	static const int advice[] = { MADV_DONTNEED, MADV_PAGEOUT, MADV_COLD,
				      MADV_DONTNEED, MADV_COLLAPSE };

	while (!stop_churn) {
		struct region *r = &R[madv_kinds[rnd(&s) % 5]];
		size_t np = r->len / PS, a = rnd(&s) % np, l = 1 + rnd(&s) % (np - a);

		if (!r->present)
			continue;
		madvise(r->addr + a * PS, l * PS, advice[rnd(&s) % 5]);
		n_madv++;
	}
	return NULL;
}

static void *fault_fn(void *arg)
{
	uint64_t s = rnd_seed(*(uint64_t *)arg, 13);
	volatile char sink;

	while (!stop_churn) {
		struct region *r = &R[madv_kinds[rnd(&s) % 5]];
		char *p;

		if (!r->present)
			continue;
		p = r->addr + (rnd(&s) % (r->len / PS)) * PS + 8;
		if (rnd(&s) & 1)
			sink = *p;
		else
			__atomic_add_fetch(p, 1, __ATOMIC_RELAXED);
		n_faults++;
	}
	(void)sink;
	return NULL;
}

/* ---------------------------------------------------------------- */
/* The oracle.                                                        */

/* The region (kind) an address is in: -1 unmapped, -2 the churn slot. */
static int where(uint64_t a)
{
	if (a < POOL_BASE || a >= POOL_BASE + NKIND * SLOT)
		return -1;
	int k = (a - POOL_BASE) / SLOT;

	if (k == K_CHURN)
		return -2;
	if (R[k].present && a < (uintptr_t)R[k].addr + R[k].len)
		return k;
	return -1;
}

#ifndef UFFDIO_MOVE_MODE_CONFIRM_FIXED
#define UFFDIO_MOVE_MODE_CONFIRM_FIXED	((__u64)1 << 62)
#endif

/*
 * The mode bits the kernel knows: upstream's two, and on a 6.1 kernel with
 * the series (UFFDIO_MOVE before 6.8) Android's CONFIRM_FIXED as well.
 */
static uint64_t known_modes = UFFDIO_MOVE_MODE_DONTWAKE |
			      UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES;

static void init_known_modes(void)
{
	unsigned int major = 0, minor = 0;
	struct utsname u;

	if (!uname(&u) && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
	    (major < 6 || (major == 6 && minor < 8)))
		known_modes |= UFFDIO_MOVE_MODE_CONFIRM_FIXED;
}

/*
 * The errnos the contract allows for these arguments, for a task size.
 * *wr_fail is what the ioctl returns when it cannot write the result field:
 * errors found before the move starts are returned as they are (the field
 * is not written), anything later becomes -EFAULT.
 */
static uint64_t allowed_ts(uint64_t d, uint64_t s, uint64_t len, uint64_t mode,
			   uint64_t ts, uint64_t *wr_fail)
{
	int kd, ks;

	if ((d | s | len) & (PS - 1) || !len || d >= ts || s >= ts ||
	    len > ts - d || len > ts - s ||
	    mode & ~known_modes) {
		*wr_fail = B(EINVAL);
		return B(EINVAL);
	}
	/* Upstream refuses addresses below mmap_min_addr early. */
	uint64_t low = (d < MMAP_MIN || s < MMAP_MIN) ? B(EINVAL) : 0;

	*wr_fail = B(EFAULT) | low;
	kd = where(d);
	ks = where(s);
	if (kd == -1 || ks == -1)
		return B(ENOENT) | B(ENOMEM) | low;
	if (kd == -2 || ks == -2)
		return DYN_SET | B(EINVAL);
	if (d + len > (uintptr_t)R[kd].addr + R[kd].len ||
	    s + len > (uintptr_t)R[ks].addr + R[ks].len)
		return B(EINVAL) | B(ENOMEM);
	if (!R[kd].registered || !R[kd].anon_rw || !R[ks].anon_rw ||
	    R[kd].locked != R[ks].locked)
		return B(EINVAL) | B(ENOMEM);
	return DYN_SET;
}

/* Both a 4-level and a 5-level task size are accepted. */
static uint64_t allowed(uint64_t d, uint64_t s, uint64_t len, uint64_t mode,
			uint64_t *wr_fail)
{
	uint64_t w1, w2, a = allowed_ts(d, s, len, mode, TS47, &w1) |
			     allowed_ts(d, s, len, mode, TS56, &w2);

	*wr_fail = w1 | w2;
	return a;
}

/* ---------------------------------------------------------------- */
/* Argument generation.                                               */

static const uint64_t special[] = {
	0, PS, MMAP_MIN - PS, TS47 - PS, TS47, 0x800000000000ULL,
	TS56 - PS, 0xffff800000000000ULL, 0xffff888000000000ULL,
	0xffffffff81000000ULL, 0xfffffffffffff000ULL, ~0ULL,
	POOL_BASE - PS, POOL_BASE + NKIND * SLOT,
};

static uint64_t gen_addr(uint64_t *s, int bias_dst)
{
	uint64_t r = rnd(s) % 100;
	int k;

	if (r < 5)
		return special[rnd(s) % (sizeof(special) / sizeof(special[0]))];
	if (r < 7)
		return rnd(s);
	if (r < 60)
		k = bias_dst ? (rnd(s) & 1 ? K_DST : K_DST2) :
			       (int[]){ K_SRC, K_SRC2, K_DST, K_SRC }[rnd(s) % 4];
	else
		k = rnd(s) % NKIND;

	uint64_t base = (uintptr_t)slot(k), len = R[k].present ? R[k].len : SLOT;

	if (k == K_CHURN)
		len = 64 * PS;
	r = rnd(s) % 100;
	if (r < 40)
		return base;
	if (r < 55)
		return base + (rnd(s) % ((len + HPS - 1) / HPS)) * HPS;
	if (r < 92)
		return base + (rnd(s) % (len / PS + 2)) * PS;
	return base + rnd(s) % (len + PS);
}

static uint64_t gen_len(uint64_t *s, uint64_t d)
{
	uint64_t r = rnd(s) % 100;
	int k = where(d);
	uint64_t room = k >= 0 ? (uintptr_t)R[k].addr + R[k].len - d : 16 * PS;

	if (r < 30)
		return PS * (1 + rnd(s) % 16);
	if (r < 45)
		return HPS;
	if (r < 60)
		return room;
	if (r < 68)
		return room + PS;
	if (r < 78)
		return PS * (1 + rnd(s) % 1024);
	if (r < 86)
		return 1 + rnd(s) % (1 << 20);
	if (r < 90)
		return 0;
	return (uint64_t[]){ ~0ULL, 1ULL << 63, TS47, ~0ULL - PS + 1,
			     1ULL << 47, rnd(s) }[rnd(s) % 6];
}

static uint64_t gen_mode(uint64_t *s)
{
	uint64_t r = rnd(s) % 100;

	if (r < 40)
		return 0;
	if (r < 60)
		return UFFDIO_MOVE_MODE_DONTWAKE;
	if (r < 80)
		return UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES;
	if (r < 90)
		return UFFDIO_MOVE_MODE_DONTWAKE | UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES;
	return (1ULL << (rnd(s) % 64)) | (rnd(s) & 3);
}

/* ---------------------------------------------------------------- */

static struct errstat es;
static unsigned long iters, failures, moved_pages;
static int tap_n;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void fail(const char *what, uint64_t d, uint64_t s, uint64_t len,
		 uint64_t mode, int err, uint64_t want)
{
	failures++;
	if (failures > 20)
		return;
	printf("# FAIL %s: dst=%#llx src=%#llx len=%#llx mode=%#llx -> %s (allowed:",
	       what, (unsigned long long)d, (unsigned long long)s,
	       (unsigned long long)len, (unsigned long long)mode,
	       err ? strerrorname_np(err) ? strerrorname_np(err) : "?" : "ok");
	for (int e = 0; e < 64; e++)
		if (want & B(e))
			printf(" %s", e ? strerrorname_np(e) : "ok");
	printf(")\n");
}

/* One fuzzed MOVE through do_move(), checked against the oracle. */
static void fuzz_move(uint64_t *s)
{
	uint64_t d = gen_addr(s, rnd(s) % 4 != 0), src = gen_addr(s, 0);
	uint64_t len = gen_len(s, rnd(s) & 1 ? d : src), mode = gen_mode(s);
	uint64_t wr_fail, want = allowed(d, src, len, mode, &wr_fail);
	int err;
	long n = do_move(uffd, d, src, len, mode, &err);

	errstat_add(&es, err);
	moved_pages += n / PS;
	if (err >= 64 || !(B(err) & DOC_SET))
		fail("errno outside the documented set", d, src, len, mode, err, want);
	else if (!(B(err) & want))
		fail("errno not the one the contract gives", d, src, len, mode, err, want);
	if (verbose)
		printf("# MOVE %#llx <- %#llx len %#llx mode %#llx: %s moved %ld\n",
		       (unsigned long long)d, (unsigned long long)src,
		       (unsigned long long)len, (unsigned long long)mode,
		       err ? strerrorname_np(err) : "ok", n);
}

/*
 * The argument struct is unreadable, or readable but not writable (or its
 * result field is unmapped): -EFAULT, except for arguments refused before
 * the move starts, which never write the result.
 */
/* Page 0 read-write, 1 read-only, 2 read-write, 3 PROT_NONE. */
static char *argpages;

static void fuzz_badptr(uint64_t *s)
{
	uint64_t d = gen_addr(s, 1), src = gen_addr(s, 0);
	uint64_t len = gen_len(s, d), mode = gen_mode(s);
	struct uffdio_move m = { .dst = d, .src = src, .len = len, .mode = mode };
	int err, r = rnd(s) % 6;
	uint64_t want;
	void *arg;

	switch (r) {
	case 0: arg = NULL; break;
	case 1: arg = (void *)0xffffffff81000000UL; break;
	case 2: arg = argpages + 3 * PS; break;
	case 3: arg = (void *)(uintptr_t)(rnd(s) | (1ULL << 63)); break;
	case 4: /* read-only */
		arg = argpages + PS;
		mprotect(argpages + PS, PS, PROT_READ | PROT_WRITE);
		memcpy(arg, &m, sizeof(m));
		mprotect(argpages + PS, PS, PROT_READ);
		break;
	default: /* the result field is on the unmapped page */
		arg = argpages + 3 * PS - offsetof(struct uffdio_move, move);
		memcpy(arg, &m, offsetof(struct uffdio_move, move));
		break;
	}
	allowed(d, src, len, mode, &want);
	if (r < 4)
		want = B(EFAULT);
	err = ioctl(uffd, UFFDIO_MOVE, arg) ? errno : 0;
	errstat_add(&es, err);
	if (err >= 64 || !(B(err) & want))
		fail(r < 4 ? "bad argument pointer" : "argument not writable",
		     d, src, len, mode, err, want);
}

/* A closed fd (-EBADF) and a userfaultfd before UFFDIO_API (-EINVAL). */
static int check_fd_cases(void)
{
	struct uffdio_move m = { .dst = (uintptr_t)R[K_DST].addr,
				 .src = (uintptr_t)R[K_SRC].addr, .len = PS };
	int ok = 1, fd, e;

	fd = uffd_open(UFFD_FEATURE_MOVE);
	if (fd < 0)
		return 0;
	close(fd);
	/* fd is free now; nothing else in this program opens files meanwhile. */
	e = ioctl(fd, UFFDIO_MOVE, &m) ? errno : 0;
	errstat_add(&es, e);
	if (e != EBADF) {
		printf("# closed uffd: %s, want EBADF\n", e ? strerrorname_np(e) : "ok");
		ok = 0;
	}
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	e = ioctl(fd, UFFDIO_MOVE, &m) ? errno : 0;
	errstat_add(&es, e);
	if (e != EINVAL) {
		printf("# uffd before UFFDIO_API: %s, want EINVAL\n",
		       e ? strerrorname_np(e) : "ok");
		ok = 0;
	}
	close(fd);
	return ok;
}

/*
 * Cross-mm: the child calls MOVE on the parent's (inherited) userfaultfd,
 * and the parent calls MOVE on a userfaultfd the child created (taken with
 * pidfd_getfd(): the guest kernel has no AF_UNIX), also after the child
 * exited.  All -EINVAL.  While the child lives, a page it shares is -EBUSY
 * to move.  Returns 1 if all held.
 */
static int check_cross_mm(int threads)
{
	struct uffdio_move m = { .dst = (uintptr_t)R[K_DST].addr,
				 .src = (uintptr_t)R[K_SRC].addr, .len = PS };
	struct uffdio_move m2 = { .dst = (uintptr_t)R[K_DST2].addr,
				  .src = (uintptr_t)R[K_SRC2].addr, .len = PS };
	int up[2], down[2], st, ok = 1, e, cfd = -1, pidfd, child_fd;
	pid_t pid;

	if (pipe2(up, O_CLOEXEC) || pipe2(down, O_CLOEXEC)) {
		printf("# cross-mm: pipe: %s\n", strerror(errno));
		return 0;
	}
	/* A present page the child will share, and a free dst page. */
	pat_fill(R[K_SRC2].addr, 1);
	madvise(R[K_DST2].addr, PS, MADV_DONTNEED);
	pid = fork();
	if (pid < 0) {
		printf("# cross-mm: fork: %s\n", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		/* Child: the parent's uffd, then a uffd of our own for the parent. */
		int r = ioctl(uffd, UFFDIO_MOVE, &m) ? errno : 0;
		int fd = uffd_open(UFFD_FEATURE_MOVE);
		char c;

		if (fd < 0 || uffd_register(fd, R[K_DST2].addr, R[K_DST2].len) ||
		    write(up[1], &fd, sizeof(fd)) != sizeof(fd))
			_exit(100);
		/* Stay alive (mm alive) until the parent has tried. */
		if (read(down[0], &c, 1) != 1)
			_exit(101);
		_exit(r == EINVAL ? 0 : r == 0 ? 102 : r);
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (read(up[0], &child_fd, sizeof(child_fd)) == sizeof(child_fd) && pidfd >= 0)
		cfd = syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	if (cfd < 0) {
		printf("# cross-mm: no uffd from the child: %s\n", strerror(errno));
		ok = 0;
	} else {
		/* Same addresses, registered in the child's mm, not ours. */
		e = ioctl(cfd, UFFDIO_MOVE, &m2) ? errno : 0;
		errstat_add(&es, e);
		if (e != EINVAL) {
			printf("# cross-mm: the child's uffd in the parent: %s, want EINVAL\n",
			       e ? strerrorname_np(e) : "ok");
			ok = 0;
		}
	}
	/* While the child lives, the page is shared: -EBUSY. */
	e = ioctl(uffd, UFFDIO_MOVE, &m2) ? errno : 0;
	errstat_add(&es, e);
	if (threads ? e >= 64 || !(B(e) & DYN_SET) : e != EBUSY) {
		printf("# MOVE of a page shared with a child: %s, want EBUSY\n",
		       e ? strerrorname_np(e) : "ok");
		ok = 0;
	}
	if (write(down[1], "x", 1) != 1)
		ok = 0;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("# cross-mm: the parent's uffd in the child: status %#x "
		       "(exit code = errno, 102 = success; want EINVAL)\n", st);
		ok = 0;
	} else {
		errstat_add(&es, EINVAL);
	}
	/* And once the child is gone (its mm freed): still -EINVAL. */
	if (cfd >= 0) {
		e = ioctl(cfd, UFFDIO_MOVE, &m2) ? errno : 0;
		errstat_add(&es, e);
		if (e != EINVAL) {
			printf("# cross-mm: uffd of an exited process: %s, want EINVAL\n",
			       e ? strerrorname_np(e) : "ok");
			ok = 0;
		}
		close(cfd);
	}
	if (pidfd >= 0)
		close(pidfd);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	return ok;
}

static void refill(uint64_t *s)
{
	madvise(R[K_DST].addr, R[K_DST].len, MADV_DONTNEED);
	madvise(R[K_DST2].addr, R[K_DST2].len, MADV_DONTNEED);
	if (R[K_DEVZERO].present)
		madvise(R[K_DEVZERO].addr, R[K_DEVZERO].len, MADV_DONTNEED);
	fill(K_SRC, s);
	fill(K_SRC2, s);
}

int main(int argc, char **argv)
{
	double secs = 10, t0;
	unsigned long max_iter = 1000000, cross = 0, cross_fail = 0, fd_fail = 0;
	uint64_t seed = time(NULL), s;
	long anon0, swap0, anon1, swap1;
	struct thr th[4];
	void *spare;
	int c, ok;

	init_known_modes();
	while ((c = getopt(argc, argv, "t:n:s:v")) != -1) {
		switch (c) {
		case 't': secs = atof(optarg); break;
		case 'n': max_iter = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: uffd-fuzz [-t secs] [-n iters] [-s seed] [-v]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	s = rnd_seed(seed, 1);
	printf("TAP version 13\n");
	printf("# uffd-fuzz: seed %llu, %.0f s, max %lu iterations\n",
	       (unsigned long long)seed, secs, max_iter);
	uffd = uffd_open(UFFD_FEATURE_MOVE);
	if (uffd < 0) {
		printf("1..0 # SKIP no UFFDIO_MOVE (%s)\n", strerror(errno));
		return 4;
	}
	printf("1..6\n");
	stop_efd = eventfd(0, EFD_CLOEXEC);
	argpages = mmap(NULL, 4 * PS, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (argpages == MAP_FAILED || stop_efd < 0)
		return 1;
	mprotect(argpages + PS, PS, PROT_READ);
	mprotect(argpages + 3 * PS, PS, PROT_NONE);
	spare = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (spare == MAP_FAILED)
		return 1;
	smaps_anon(&anon0, &swap0);

	ok = !setup();
	tap(ok, "setup: regions at %#lx", POOL_BASE);
	if (!ok)
		return 1;
	printf("# kinds:");
	for (int k = 0; k < NKIND; k++)
		printf(" %s%s%s", R[k].name, R[k].present || k >= K_CHURN ? "" : "(absent)",
		       R[k].registered ? "(reg)" : "");
	printf("\n");

	tap(check_fd_cases(), "closed uffd EBADF, uffd before UFFDIO_API EINVAL");
	tap(check_cross_mm(0), "uffd of another mm EINVAL (inherited, passed, exited);"
	    " page shared with it EBUSY");

	refill(&s);
	if (thr_start(&th[0], handler_fn, spare) || thr_start(&th[1], churn_fn, &seed) ||
	    thr_start(&th[2], madv_fn, &seed) || thr_start(&th[3], fault_fn, &seed)) {
		printf("Bail out! threads\n");
		return 1;
	}
	t0 = now_s();
	while (iters < max_iter && (iters & 15 || now_s() - t0 < secs)) {
		uint64_t r = rnd(&s) % 1000;

		if (r < 30)
			fuzz_badptr(&s);
		else if (r < 35)
			fd_fail += !check_fd_cases();
		else if (r < 36 && cross < 8) {
			cross++;
			if (!check_cross_mm(1))
				cross_fail++;
		} else
			fuzz_move(&s);
		if (rnd(&s) % 200 == 0)
			refill(&s);
		iters++;
	}
	secs = now_s() - t0;
	stop_churn = 1;
	thr_join(&th[1]);
	thr_join(&th[2]);
	thr_join(&th[3]);
	stop_handler = 1;
	if (eventfd_write(stop_efd, 1))
		return 1;
	thr_join(&th[0]);

	tap(!failures && !cross_fail && !fd_fail, "%lu fuzzed calls: every errno "
	    "documented and as the contract gives (%lu mismatches)", iters,
	    failures + cross_fail + fd_fail);
	tap(!contract_violations, "MOVE result field (%lu violations)",
	    contract_violations);

	teardown();
	munmap(argpages, 4 * PS);
	munmap(spare, PS);
	smaps_anon(&anon1, &swap1);
	printf("# background: churn ops %lu, madvise %lu, faults %lu, uffd faults served %lu,"
	       " (unresolved %lu), cross-mm forks %lu, pages moved %lu\n",
	       n_churn, n_madv, n_faults, n_handled, n_unresolved, cross + 1, moved_pages);
	if (n_unresolved)
		errstat_print("faults not resolved at once (the faulting thread retried)",
			      &handler_es);
	printf("# smaps_rollup Anonymous: %ld kB -> %ld kB, Swap: %ld kB -> %ld kB\n",
	       anon0, anon1, swap0, swap1);
	tap(anon1 <= anon0 + 64 && swap1 <= swap0 + 64,
	    "anonymous memory and swap back to baseline after unmapping");
	char what[128];

	snprintf(what, sizeof(what), "summary fuzz: iterations=%lu seconds=%.1f errnos",
		 iters, secs);
	errstat_print(what, &es);
	return failures || cross_fail || fd_fail || contract_violations ? 1 : 0;
}
