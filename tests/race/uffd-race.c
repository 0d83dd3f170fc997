// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-race: UFFDIO_MOVE racing other mm operations, with per-page
 * bookkeeping and a full content check at the end.
 *
 * Two regions A and B of N pages.  Page "slot" k only ever lives at A+k or
 * B+k, and carries the unique pattern of id k+1.  where[k] says where the
 * MOVEs done so far put it (kept exactly: every MOVE and every fault
 * resolution runs under one mutex and applies the result the ioctl
 * reports, a prefix of the range).  gone_ok[k] is set before a racing
 * operation that may legitimately destroy the page (DONTNEED, MADV_FREE,
 * munmap).  At the end, for every k: the page is at where[k] with its exact
 * pattern (and counter), or gone_ok[k] and zero there; the other place is
 * always zero.  So a page that is lost, duplicated, moved twice, or corrupt
 * is caught.  The process anonymous memory (smaps_rollup, which walks the
 * page tables) must be back to its baseline after munmap.
 *
 * Each MOVE's result is also checked against the page tables right away
 * (/proc/self/pagemap, which reads them without faulting): the pages it
 * reports moved must have left src and be mapped (or swapped) at dst, the
 * others must still be at src with dst empty; pages that may legitimately
 * be destroyed (gone_ok) may be missing on either side.  A MOVE that moves
 * more or fewer pages than it reports is so caught at the call that did it.
 *
 * A fault-handler thread resolves missing faults of A/B (from accessor
 * threads, GUP, swap-in readers) by moving the page to the faulting side,
 * or by filling a zero page when the page is legitimately gone.
 *
 * Usage: uffd-race TEST [-t seconds] [-i max_mover_iterations] [-n pages]
 *                       [-s seed]
 * TEST: fork unmap mprotect dontneed pageout migrate thp pin splice odirect
 *       ksm faults multi torn
 * Prints TAP ("ok 1 TEST") and figures as "# ..." lines, the last one
 * "# summary TEST: seconds= MOVE_calls= pages_moved= pages_verified=
 * result="; exit 0 pass, 1 fail, 4 skip.
 */
#include "common.h"
#include <linux/io_uring.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/uio.h>

struct race {
	const char *name;
	int uffd, evfd;
	size_t n, blk;
	char *A, *B, *T, *scratch;
	uint8_t *where, *gone_ok;
	uint32_t *incs;
	int *net;
	pthread_mutex_t mu;
	volatile int stop;
	int holes, allow_enoent, allow_einval, unshare_busy, thp;
	/* torn: -EBUSY is wrong, as no page is ever shared, pinned or swapped */
	int no_busy;
	unsigned long busy;
	double t_end;
	unsigned long max_iters;
	uint64_t seed;
	/* stats */
	unsigned long iters, moves, pages_moved, handler_faults, dist_ops,
		dist_ok, busy_touch, ksm_max, verified, gone, accesses;
	struct errstat es;
	/* pin bookkeeping */
	volatile int pin_active, pin_reg;
	volatile size_t pin_lo, pin_hi;
	volatile int failed;
	int want;
	/* pagemap cross-check of every MOVE result (mover and handler) */
	int pm_fd;
	uint64_t *pm_src, *pm_dst;
	unsigned long pm_checked;
	/* the slowest MOVE call, and the limit for -EBUSY (0: none) */
	double max_call_s, call_limit_s;
	/* odirect: the O_DIRECT source, its first page, slots it overwrote */
	int dio_fd;
	char *dio_ref;
	uint8_t *dio_hit;
};

static volatile uint64_t zero_v;
static long trace_slot = -1;
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;

static void fail(struct race *r, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_mu);
	if (r->failed++ < 20) {
		va_list ap2;

		va_start(ap, fmt);
		va_copy(ap2, ap);
		printf("# FAIL %s: ", r->name);
		vprintf(fmt, ap);
		printf("\n");
		fflush(stdout);
		va_end(ap2);
		va_end(ap);
	}
	pthread_mutex_unlock(&fail_mu);
}

static inline char *reg(struct race *r, int R)
{
	return R ? r->B : r->A;
}

static inline char *slot(struct race *r, int R, size_t k)
{
	return reg(r, R) + k * PS;
}

static int should_stop(struct race *r)
{
	return r->stop || r->failed;
}

/* Page table entries of n slots from p (PM_PRESENT | PM_SWAP bits kept). */
static int pm_read(struct race *r, const char *p, size_t n, uint64_t *e)
{
	size_t sz = n * sizeof(*e);

	if (pread(r->pm_fd, e, sz, (uintptr_t)p / PS * sizeof(*e)) != (ssize_t)sz)
		return -1;
	for (size_t j = 0; j < n; j++)
		e[j] = (e[j] >> 62) & 3;
	return 0;
}

/*
 * The MOVE of slots [i, i+cnt) from side R reported `done` pages moved:
 * check that against the page tables; mu held, so nothing else moves or
 * fills these slots meanwhile.
 */
static void pm_check(struct race *r, size_t i, size_t cnt, int R, size_t done,
		     int err)
{
	if (r->pm_fd < 0 || cnt > HPS / PS)
		return;
	if (pm_read(r, slot(r, R, i), cnt, r->pm_src) ||
	    pm_read(r, slot(r, !R, i), cnt, r->pm_dst)) {
		fail(r, "pagemap read: %s", strerror(errno));
		return;
	}
	r->pm_checked++;
	for (size_t j = 0; j < cnt; j++) {
		int g = __atomic_load_n(&r->gone_ok[i + j], __ATOMIC_SEQ_CST);
		int at_src = r->pm_src[j] != 0, at_dst = r->pm_dst[j] != 0;

		if (j < done ? at_src || (!at_dst && !g) : at_dst || (!at_src && !g)) {
			fail(r, "MOVE %c[%zu+%zu] -> %c reported %zu moved (%s), but "
			     "slot %zu is %s at src and %s at dst", "AB"[R], i, cnt,
			     "AB"[!R], done, err ? strerrorname_np(err) : "ok", i + j,
			     at_src ? "mapped" : "not mapped",
			     at_dst ? "mapped" : "not mapped");
			return;
		}
	}
}

/*
 * Move slots [i, i+cnt) from side R to the other side; mu held.  Returns
 * the src address of a busy page to touch (unshare_touch()), or 0.
 */
static uintptr_t move_run(struct race *r, size_t i, size_t cnt, int R,
			  uint64_t *rs)
{
	uint64_t mode = r->holes ? UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES : 0;
	uintptr_t touch = 0;
	long moved;
	size_t done;
	int err;

	double t0;

	if (rnd(rs) & 1)
		mode |= UFFDIO_MOVE_MODE_DONTWAKE;
	t0 = now_s();
	moved = do_move(r->uffd, (uintptr_t)slot(r, !R, i),
			(uintptr_t)slot(r, R, i), cnt * PS, mode, &err);
	t0 = now_s() - t0;
	if (t0 > r->max_call_s)
		r->max_call_s = t0;
	/* -EBUSY must come at once; a slow call that moves pages may not. */
	if (r->call_limit_s && t0 > (err == EBUSY ? r->call_limit_s : 10.0))
		fail(r, "MOVE of %zu pages took %.3f s (%s)", cnt, t0,
		     strerror(err));
	r->moves++;
	errstat_add(&r->es, err);
	done = moved / PS;
	if (trace_slot == -2 || (trace_slot >= 0 && (size_t)trace_slot >= i && (size_t)trace_slot < i + cnt))
		fprintf(stderr, "trace: MOVE %c[%zu+%zu] -> %c mode %llu: moved %zu err %d\n",
			"AB"[R], i, cnt, "AB"[!R], (unsigned long long)mode, done, err);
	if (done && r->pin_active && r->pin_reg == R &&
	    i < r->pin_hi && i + done > r->pin_lo)
		fail(r, "pages of a pinned range [%zu,%zu) moved (slots %zu+%zu)",
		     r->pin_lo, r->pin_hi, i, done);
	pm_check(r, i, cnt, R, done, err);
	for (size_t j = 0; j < done; j++)
		r->where[i + j] = !R;
	r->pages_moved += done;
	switch (err) {
	case 0:
	case EAGAIN:
		break;
	case EBUSY:
		if (r->unshare_busy)
			touch = (uintptr_t)slot(r, R, i + done);
		break;
	case ENOENT:
		if (!r->holes && !r->allow_enoent)
			fail(r, "ENOENT moving slots %zu+%zu from %c (page lost?)",
			     i + done, cnt - done, "AB"[R]);
		break;
	case EINVAL:
		if (!r->allow_einval)
			fail(r, "EINVAL moving slots %zu+%zu from %c", i, cnt,
			     "AB"[R]);
		break;
	default:
		fail(r, "MOVE slots %zu+%zu from %c: unexpected %s", i, cnt,
		     "AB"[R], strerror(err));
	}
	return touch;
}

/*
 * Write the same value to a page that MOVE refused (-EBUSY): breaks COW and
 * KSM sharing, and swaps in a swapped-out page as exclusive where 6.1 cannot
 * tell that a swap PTE is exclusive (32-bit x86, arm32), so that the next
 * MOVE can take it.
 */
static void unshare_touch(struct race *r, uintptr_t touch)
{
	uint64_t *w = (uint64_t *)touch;

	__atomic_fetch_add(&w[2], zero_v, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&r->busy_touch, 1, __ATOMIC_RELAXED);
}

/* One mover iteration: a random range, moved run by run to the other side. */
static void mover_step(struct race *r, uint64_t *rs)
{
	size_t nb = r->n / r->blk, b = rnd(rs) % nb, s, l;
	uintptr_t touch = 0;

	if (r->thp && rnd(rs) % 4 == 0) {
		/* a whole 2 MiB block: the PMD move path when it is a THP */
		size_t hp = HPS / PS;

		s = (rnd(rs) % (r->n / hp)) * hp;
		l = hp;
	} else if (rnd(rs) % 4 == 0) {
		s = b * r->blk;
		l = r->blk;
	} else {
		s = b * r->blk + rnd(rs) % r->blk;
		l = 1 + rnd(rs) % (b * r->blk + r->blk - s);
	}
	while (__atomic_load_n(&r->want, __ATOMIC_SEQ_CST))
		sched_yield();
	pthread_mutex_lock(&r->mu);
	for (size_t i = s; i < s + l && !r->failed;) {
		size_t j = i + 1;
		uintptr_t t;

		while (j < s + l && r->where[j] == r->where[i])
			j++;
		t = move_run(r, i, j - i, r->where[i], rs);
		if (t && !touch)
			touch = t;
		i = j;
	}
	pthread_mutex_unlock(&r->mu);
	if (touch)
		unshare_touch(r, touch);
}

/* Missing faults of A/B: bring the page, or a zero page if it is gone. */
static void *handler(void *arg)
{
	struct race *r = arg;
	struct pollfd p[2] = { { r->uffd, POLLIN, 0 }, { r->evfd, POLLIN, 0 } };
	uint64_t rs = rnd_seed(r->seed, 77);

	for (;;) {
		struct uffd_msg msg;
		uintptr_t a;
		int R, err;
		size_t k;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			break;
		if (read(r->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		a = msg.arg.pagefault.address & ~(PS - 1);
		if (a >= (uintptr_t)r->A && a < (uintptr_t)r->A + r->n * PS)
			R = 0;
		else if (a >= (uintptr_t)r->B && a < (uintptr_t)r->B + r->n * PS)
			R = 1;
		else {
			struct uffdio_range w = { a, PS };

			fail(r, "fault outside the regions at %#lx", (long)a);
			ioctl(r->uffd, UFFDIO_WAKE, &w);
			continue;
		}
		k = (a - (uintptr_t)reg(r, R)) / PS;
		__atomic_add_fetch(&r->want, 1, __ATOMIC_SEQ_CST);
		pthread_mutex_lock(&r->mu);
		__atomic_sub_fetch(&r->want, 1, __ATOMIC_SEQ_CST);
		r->handler_faults++;
		if (r->where[k] != R) {
			/* move_run may use DONTWAKE: always wake explicitly */
			struct uffdio_range w = { a, PS };
			uintptr_t touch = move_run(r, k, 1, !R, &rs);

			/*
			 * Touch the refused page before mu is dropped: after
			 * that the mover may take it away from !R, and a
			 * missing fault of this thread would wait for itself.
			 */
			if (touch)
				unshare_touch(r, touch);
			ioctl(r->uffd, UFFDIO_WAKE, &w);
		} else {
			static char zero[PS] __attribute__((aligned(4096)));
			struct uffdio_copy c = { .dst = a, .src = (uintptr_t)zero,
						 .len = PS };

			if (ioctl(r->uffd, UFFDIO_COPY, &c)) {
				struct uffdio_range w = { a, PS };

				err = errno;
				if (err != EEXIST && err != EAGAIN)
					fail(r, "UFFDIO_COPY zero at %c%zu: %s",
					     "AB"[R], k, strerror(err));
				ioctl(r->uffd, UFFDIO_WAKE, &w);
			}
		}
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

/* Reads (id check) and counter increments at random slots of A or B. */
static void *accessor(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, (uintptr_t)&rs);

	while (!should_stop(r)) {
		size_t k = rnd(&rs) % r->n;
		int R = rnd(&rs) & 1;
		uint64_t *w = (uint64_t *)slot(r, R, k);

		if (rnd(&rs) & 1) {
			uint64_t v = __atomic_load_n(&w[0], __ATOMIC_RELAXED);

			if (v != pat_word(k + 1, 0) && !(v == 0 && r->gone_ok[k]))
				fail(r, "accessor read %c%zu: word0 %#llx, expected id %zu",
				     "AB"[R], k, (unsigned long long)v, k + 1);
		} else {
			__atomic_add_fetch(&w[1], 1, __ATOMIC_SEQ_CST);
			__atomic_add_fetch(&r->incs[k], 1, __ATOMIC_SEQ_CST);
		}
		__atomic_add_fetch(&r->accesses, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Wait (bounded) until the mover has done `calls` more MOVEs. */
static void wait_moves(struct race *r, unsigned long calls)
{
	unsigned long start = __atomic_load_n(&r->moves, __ATOMIC_RELAXED);

	while (!should_stop(r) && now_s() < r->t_end &&
	       __atomic_load_n(&r->moves, __ATOMIC_RELAXED) < start + calls)
		sched_yield();
}

static void pick_block(struct race *r, uint64_t *rs, size_t *lo, size_t *cnt)
{
	size_t b = rnd(rs) % (r->n / r->blk);

	*lo = b * r->blk;
	*cnt = r->blk;
	if (rnd(rs) & 1) {
		*lo += rnd(rs) % r->blk;
		*cnt = 1 + rnd(rs) % (b * r->blk + r->blk - *lo);
	}
}

static void mark_gone(struct race *r, size_t lo, size_t cnt)
{
	for (size_t k = lo; k < lo + cnt; k++)
		__atomic_store_n(&r->gone_ok[k], 1, __ATOMIC_SEQ_CST);
}

/*
 * Put fresh copies of the legitimately lost pages of [lo, lo+cnt) back at
 * where[k] (UFFDIO_COPY; -EEXIST means the page survived), so that a long
 * run keeps most pages alive.  Called by the destroying thread itself,
 * after its operation, so no destruction of these slots is in flight.
 */
static unsigned long refilled;

static void refill(struct race *r, size_t lo, size_t cnt)
{
	static char buf[PS] __attribute__((aligned(4096)));

	pthread_mutex_lock(&r->mu);
	for (size_t k = lo; k < lo + cnt && k < r->n; k++) {
		struct uffdio_copy c = { .dst = (uintptr_t)slot(r, r->where[k], k),
					 .src = (uintptr_t)buf, .len = PS };

		if (!r->gone_ok[k])
			continue;
		pat_fill(buf, k + 1);
		if (ioctl(r->uffd, UFFDIO_COPY, &c) == 0) {
			__atomic_store_n(&r->gone_ok[k], 0, __ATOMIC_SEQ_CST);
			refilled++;
		}
	}
	pthread_mutex_unlock(&r->mu);
}

/* Gather a 2 MiB block on side R (so that it can collapse); mu held. */
static void gather(struct race *r, size_t h, int R, uint64_t *rs)
{
	size_t hp = HPS / PS;

	for (size_t i = h * hp; i < (h + 1) * hp;) {
		size_t j = i + 1;

		while (j < (h + 1) * hp && r->where[j] == r->where[i])
			j++;
		if (r->where[i] != R)
			move_run(r, i, j - i, !R, rs);
		i = j;
	}
}

/* ---- disturbers ---- */

static void *d_fork(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 1);

	while (!should_stop(r)) {
		int st;
		pid_t pid = fork();

		if (pid == 0) {
			/* Snapshot: every page in exactly one place, intact. */
			for (size_t k = 0; k < r->n; k++) {
				uint64_t id = 0, c;
				int a = pat_check(slot(r, 0, k), &id, &c);
				int aid = id;
				int b = pat_check(slot(r, 1, k), &id, &c);

				if (!((a == PG_OK && aid == (int)k + 1 && b == PG_ZERO) ||
				      (b == PG_OK && id == k + 1 && a == PG_ZERO))) {
					char m[128];
					int l = snprintf(m, sizeof(m),
						"# fork child: slot %zu A=%d B=%d\n", k, a, b);

					if (write(1, m, l) < 0)
						_exit(3);
					_exit(2);
				}
			}
			/* COW writes in the child */
			for (int i = 0; i < 16; i++) {
				size_t k = rnd(&rs) % r->n;
				uint64_t *w = (uint64_t *)slot(r, 0, k);

				if (w[0] == 0)
					w = (uint64_t *)slot(r, 1, k);
				w[3] = 0xdeadbeef;
			}
			_exit(0);
		}
		if (pid < 0) {
			fail(r, "fork: %s", strerror(errno));
			break;
		}
		waitpid(pid, &st, 0);
		r->dist_ops++;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fail(r, "fork child status %#x (inconsistent snapshot)", st);
		else
			r->dist_ok++;
		rnd(&rs);
	}
	return NULL;
}

static void *d_unmap(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 2);
	size_t bl = r->blk * PS;

	while (!should_stop(r)) {
		size_t b = rnd(&rs) % (r->n / r->blk), lo = b * r->blk;
		int R = rnd(&rs) & 1, op = rnd(&rs) % 3;
		char *p = slot(r, R, lo);

		r->dist_ops++;
		if (op == 0 || op == 1) {
			/* munmap (or replace by MAP_FIXED): pages legitimately gone */
			void *q;

			mark_gone(r, lo, r->blk);
			if (op == 0) {
				if (munmap(p, bl))
					fail(r, "munmap: %s", strerror(errno));
				q = mmap(p, bl, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
					 -1, 0);
			} else {
				q = mmap(p, bl, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			}
			if (q != p) {
				printf("# FATAL: cannot map the block back (%s)\n",
				       strerror(errno));
				fflush(stdout);
				_exit(1);
			}
			if (uffd_register(r->uffd, p, bl))
				fail(r, "re-register: %s", strerror(errno));
			r->dist_ok++;
		} else {
			/*
			 * mremap the block away (DONTUNMAP leaves it mapped and
			 * empty) and back; under mu so where[] stays exact.
			 */
			pthread_mutex_lock(&r->mu);
			if (mremap(p, bl, bl, MREMAP_MAYMOVE | MREMAP_FIXED |
				   MREMAP_DONTUNMAP, r->scratch) == MAP_FAILED) {
				pthread_mutex_unlock(&r->mu);
				fail(r, "mremap DONTUNMAP: %s", strerror(errno));
				break;
			}
			if (mremap(r->scratch, bl, bl, MREMAP_MAYMOVE | MREMAP_FIXED,
				   p) != p) {
				printf("# FATAL: mremap back: %s\n", strerror(errno));
				fflush(stdout);
				_exit(1);
			}
			if (uffd_register(r->uffd, p, bl))
				fail(r, "re-register after mremap: %s", strerror(errno));
			if (mmap(r->scratch, bl, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_FIXED_NOREPLACE, -1, 0) != r->scratch) {
				printf("# FATAL: scratch reservation lost\n");
				fflush(stdout);
				_exit(1);
			}
			pthread_mutex_unlock(&r->mu);
			r->dist_ok++;
		}
		wait_moves(r, 4);
		refill(r, lo, r->blk);
	}
	return NULL;
}

static void *d_mprotect(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 3);

	while (!should_stop(r)) {
		size_t lo, cnt;
		int R = rnd(&rs) & 1;
		int prot = rnd(&rs) % 4 ? PROT_READ : PROT_NONE;

		pick_block(r, &rs, &lo, &cnt);
		r->dist_ops++;
		if (mprotect(slot(r, R, lo), cnt * PS, prot))
			fail(r, "mprotect: %s", strerror(errno));
		wait_moves(r, 3);
		if (mprotect(slot(r, R, lo), cnt * PS, PROT_READ | PROT_WRITE))
			fail(r, "mprotect back: %s", strerror(errno));
		else
			r->dist_ok++;
		wait_moves(r, 1);
	}
	return NULL;
}

static void *d_dontneed(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 4);

	while (!should_stop(r)) {
		size_t lo, cnt;
		int R = rnd(&rs) & 1, op = rnd(&rs) % 3;
		char *p;

		pick_block(r, &rs, &lo, &cnt);
		p = slot(r, R, lo);
		mark_gone(r, lo, cnt);
		r->dist_ops++;
		if (madvise(p, cnt * PS, op == 0 ? MADV_DONTNEED : MADV_FREE))
			fail(r, "madvise: %s", strerror(errno));
		else
			r->dist_ok++;
		if (op == 2) {
			/* reclaim discards the lazily freed pages */
			wait_moves(r, 1);
			madvise(p, cnt * PS, MADV_PAGEOUT);
		}
		wait_moves(r, 2);
		refill(r, lo, cnt);
	}
	return NULL;
}

static void *d_pageout(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 5);

	while (!should_stop(r)) {
		size_t lo, cnt;
		int R = rnd(&rs) & 1;

		pick_block(r, &rs, &lo, &cnt);
		r->dist_ops++;
		if (madvise(slot(r, R, lo), cnt * PS,
			    rnd(&rs) % 4 ? MADV_PAGEOUT : MADV_COLD) == 0)
			r->dist_ok++;
		wait_moves(r, 1);
	}
	return NULL;
}

static void *d_compact(void *arg)
{
	struct race *r = arg;

	while (!should_stop(r)) {
		r->dist_ops++;
		if (write_file("/proc/sys/vm/compact_memory", "1") == 0)
			r->dist_ok++;
		/*
		 * A compaction run is long (seconds on a debug kernel) and
		 * stalls MOVEs on migration entries: let the mover make
		 * progress between runs.
		 */
		wait_moves(r, 16);
	}
	return NULL;
}

static unsigned long collapse_ok, collapse_tries;

static void *d_collapse(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 6);
	size_t hp = HPS / PS;

	while (!should_stop(r)) {
		size_t h = rnd(&rs) % (r->n / hp);
		int R = rnd(&rs) & 1;

		pthread_mutex_lock(&r->mu);
		gather(r, h, R, &rs);
		pthread_mutex_unlock(&r->mu);
		collapse_tries++;
		if (trace_slot != -1)
			fprintf(stderr, "trace: COLLAPSE %c[%zu+512]\n", "AB"[R], h * hp);
		if (madvise(slot(r, R, h * hp), HPS, MADV_COLLAPSE) == 0)
			collapse_ok++;
		else if (collapse_tries - collapse_ok == 1)
			printf("# first MADV_COLLAPSE failure: %s\n", strerror(errno));
		wait_moves(r, 2);
	}
	return NULL;
}

static void *d_thp(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 7);
	size_t hp = HPS / PS;

	while (!should_stop(r)) {
		size_t h = rnd(&rs) % (r->n / hp), k = h * hp + rnd(&rs) % hp;
		size_t cnt = 1 + rnd(&rs) % 16;
		int R = rnd(&rs) & 1, op = rnd(&rs) % 4;

		if (k + cnt > (h + 1) * hp)
			cnt = (h + 1) * hp - k;
		r->dist_ops++;
		switch (op) {
		case 0: /* zap part of a THP: splits the PMD */
			mark_gone(r, k, 1);
			if (madvise(slot(r, R, k), PS, MADV_DONTNEED) == 0)
				r->dist_ok++;
			wait_moves(r, 2);
			refill(r, k, 1);
			break;
		case 1:
		case 2: /* mprotect part of a THP */
			if (mprotect(slot(r, R, k), cnt * PS, PROT_READ) == 0)
				r->dist_ok++;
			wait_moves(r, 2);
			if (mprotect(slot(r, R, k), cnt * PS, PROT_READ | PROT_WRITE))
				fail(r, "mprotect back: %s", strerror(errno));
			break;
		case 3:
			pthread_mutex_lock(&r->mu);
			gather(r, h, R, &rs);
			pthread_mutex_unlock(&r->mu);
			collapse_tries++;
			if (madvise(slot(r, R, h * hp), HPS, MADV_COLLAPSE) == 0) {
				collapse_ok++;
				r->dist_ok++;
			}
			break;
		}
		wait_moves(r, 2);
	}
	return NULL;
}

static unsigned long pins, pin_fail, splices;

static void *d_pin(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 8);
	struct io_uring_params prm;
	int ring;

	memset(&prm, 0, sizeof(prm));
	ring = syscall(__NR_io_uring_setup, 4, &prm);
	if (ring < 0) {
		printf("# io_uring_setup: %s (no pins)\n", strerror(errno));
		return NULL;
	}
	while (!should_stop(r)) {
		size_t lo = (rnd(&rs) % (r->n / r->blk)) * r->blk, hi = lo + 1;
		struct iovec iov;
		int R;

		pthread_mutex_lock(&r->mu);
		R = r->where[lo];
		while (hi < lo + r->blk && r->where[hi] == R)
			hi++;
		iov.iov_base = slot(r, R, lo);
		iov.iov_len = (hi - lo) * PS;
		if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
			    &iov, 1) == 0) {
			r->pin_lo = lo;
			r->pin_hi = hi;
			r->pin_reg = R;
			r->pin_active = 1;
			pins++;
		} else {
			pin_fail++;
		}
		pthread_mutex_unlock(&r->mu);
		r->dist_ops++;
		if (!r->pin_active) {
			wait_moves(r, 1);
			continue;
		}
		wait_moves(r, 8);
		pthread_mutex_lock(&r->mu);
		if (syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS,
			    NULL, 0))
			fail(r, "unregister buffers: %s", strerror(errno));
		r->pin_active = 0;
		pthread_mutex_unlock(&r->mu);
		r->dist_ok++;
	}
	close(ring);
	return NULL;
}

/* vmsplice (plain page references) of random pages, read back and checked. */
static void *d_splice(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, 9);
	static char buf[PS];
	int pfd[2];

	if (pipe(pfd))
		return NULL;
	while (!should_stop(r)) {
		size_t k = rnd(&rs) % r->n;
		int R = rnd(&rs) & 1;
		struct iovec iov = { slot(r, R, k), PS };
		uint64_t id, c;
		ssize_t got = 0;

		if (vmsplice(pfd[1], &iov, 1, 0) != (ssize_t)PS) {
			fail(r, "vmsplice: %s", strerror(errno));
			break;
		}
		/* let some MOVEs run while the pipe holds the page */
		wait_moves(r, 1 + rnd(&rs) % 8);
		while (got < (ssize_t)PS) {
			ssize_t x = read(pfd[0], buf + got, PS - got);

			if (x <= 0)
				break;
			got += x;
		}
		if (pat_check(buf, &id, &c) != PG_OK || id != k + 1)
			fail(r, "vmsplice of %c%zu read back wrong data", "AB"[R], k);
		splices++;
	}
	close(pfd[0]);
	close(pfd[1]);
	return NULL;
}

/*
 * O_DIRECT reads into random slots (of the THP-backed regions) while MOVE
 * runs: the I/O holds references on the pages while it is in flight
 * (plain ones on 6.1, pins upstream), so MOVE either moves a page with
 * the I/O still running into it (and the data must then land at the
 * page's new place) or refuses it promptly (-EBUSY), and a THP that the
 * move must split cannot be split meanwhile.  Every read puts the same
 * known page (the first page of the source) into the slot; at the end such
 * a slot must hold exactly that page wherever the MOVEs put it.
 */
static unsigned long dio_reads;

static void *d_odirect(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, (uintptr_t)&rs);

	while (!should_stop(r)) {
		size_t k = rnd(&rs) % r->n;
		int R = rnd(&rs) & 1;
		ssize_t got;

		/* before the read: the slot's content changes from here on */
		__atomic_store_n(&r->dio_hit[k], 1, __ATOMIC_SEQ_CST);
		got = pread(r->dio_fd, slot(r, R, k), PS, 0);
		if (got != (ssize_t)PS) {
			fail(r, "O_DIRECT read into %c%zu: %zd (%s)", "AB"[R], k,
			     got, got < 0 ? strerror(errno) : "short");
			break;
		}
		__atomic_add_fetch(&dio_reads, 1, __ATOMIC_RELAXED);
		r->dist_ops++;
		if (rnd(&rs) % 4 == 0)
			wait_moves(r, 1);
	}
	return NULL;
}

/*
 * A source for O_DIRECT reads with a known first page: a file of ours in
 * $TMPDIR, /var/tmp or /tmp when the file system does O_DIRECT (not tmpfs
 * on 6.1), else the first active swap device, read only (its first page is
 * the swap header, which does not change while it is in use).
 */
static int odirect_open(struct race *r, char *why, size_t wsz)
{
	const char *dirs[] = { getenv("TMPDIR"), "/var/tmp", "/tmp" };
	char path[256], line[256], dev[200];
	FILE *f;

	r->dio_ref = mmap(NULL, PS, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->dio_ref == MAP_FAILED) {
		snprintf(why, wsz, "mmap: %s", strerror(errno));
		return -1;
	}
	snprintf(why, wsz, "no O_DIRECT file system and no swap device");
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int fd, dfd;

		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/uffd-race-odirect.XXXXXX", dirs[i]);
		fd = mkstemp(path);
		if (fd < 0)
			continue;
		dfd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
		unlink(path);
		for (size_t j = 0; j < PS; j++)
			r->dio_ref[j] = (char)(0xa5 ^ (j * 7));
		memcpy(r->dio_ref, "uffd-race O_DIRECT source page", 30);
		if (dfd >= 0 && write(fd, r->dio_ref, PS) == (ssize_t)PS &&
		    fsync(fd) == 0) {
			close(fd);
			memset(r->dio_ref, 0, PS);
			if (pread(dfd, r->dio_ref, PS, 0) == (ssize_t)PS) {
				printf("# O_DIRECT source: a file in %s\n", dirs[i]);
				r->dio_fd = dfd;
				return 0;
			}
		} else {
			close(fd);
		}
		if (dfd >= 0)
			close(dfd);
	}
	f = fopen("/proc/swaps", "r");
	if (f) {
		int fd = -1;

		if (fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f) &&
		    sscanf(line, "%199s", dev) == 1)
			fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
		fclose(f);
		if (fd >= 0 && pread(fd, r->dio_ref, PS, 0) == (ssize_t)PS) {
			printf("# O_DIRECT source: swap device %s\n", dev);
			r->dio_fd = fd;
			return 0;
		}
		if (fd >= 0) {
			snprintf(why, wsz, "O_DIRECT read of %s: %s", dev,
				 strerror(errno));
			close(fd);
		}
	}
	return -1;
}

/* ---- setup, verification ---- */

static int verify(struct race *r)
{
	int bad = 0;

	uffd_unregister(r->uffd, r->A, r->n * PS);
	uffd_unregister(r->uffd, r->B, r->n * PS);
	for (size_t k = 0; k < r->n; k++) {
		int E = r->where[k];
		uint64_t id = 0, c = 0, oid = 0, oc;
		int e = pat_check(slot(r, E, k), &id, &c);
		int o = pat_check(slot(r, !E, k), &oid, &oc);

		if (o != PG_ZERO) {
			if (bad++ < 10)
				printf("# slot %zu: data at %c (not where it should be, "
				       "%s id %llu), expected at %c\n", k, "AB"[!E],
				       o == PG_OK ? "valid" : "corrupt",
				       (unsigned long long)oid, "AB"[E]);
		}
		if (r->dio_hit && r->dio_hit[k]) {
			/* an O_DIRECT read put the source's first page here */
			if (!memcmp(slot(r, E, k), r->dio_ref, PS)) {
				r->verified++;
			} else if (bad++ < 10) {
				printf("# slot %zu at %c: not the page the O_DIRECT "
				       "reads put there (%s id %llu)\n", k, "AB"[E],
				       e == PG_ZERO ? "zero" : e == PG_OK ? "pattern" :
				       "other data", (unsigned long long)id);
			}
		} else if (e == PG_OK && id == k + 1 && c == r->incs[k]) {
			r->verified++;
		} else if (e == PG_ZERO && r->gone_ok[k]) {
			r->gone++;
		} else if (bad++ < 10) {
			printf("# slot %zu at %c: %s (id %llu ctr %llu, expected id %zu "
			       "ctr %u, gone_ok %d)\n", k, "AB"[E],
			       e == PG_ZERO ? "lost (zero)" :
			       e == PG_OK ? "wrong page/counter" : "corrupt",
			       (unsigned long long)id, (unsigned long long)c, k + 1,
			       r->incs[k], r->gone_ok[k]);
		}
	}
	if (bad)
		fail(r, "%d slots wrong after the race", bad);
	return bad;
}

static int setup(struct race *r, int thp)
{
	size_t len = r->n * PS;

	r->A = map_aligned(len, PROT_READ | PROT_WRITE);
	r->B = map_aligned(len, PROT_READ | PROT_WRITE);
	if (!r->A || !r->B || !r->where || !r->gone_ok)
		return -1;
	if (thp) {
		madvise(r->A, len, MADV_HUGEPAGE);
		madvise(r->B, len, MADV_HUGEPAGE);
	}
	for (size_t k = 0; k < r->n; k++)
		pat_fill(slot(r, 0, k), k + 1);
	if (uffd_register(r->uffd, r->A, len) || uffd_register(r->uffd, r->B, len))
		return -1;
	return 0;
}

static long anon_huge_kb(void)
{
	static char buf[4096];
	int fd = open("/proc/self/smaps_rollup", O_RDONLY);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "AnonHugePages:");
	return p ? strtol(p + 14, NULL, 10) : -1;
}

static const char *ksm_knobs[] = { "run", "pages_to_scan", "sleep_millisecs" };
static char ksm_saved[3][32];

static int ksm_start(void)
{
	char p[128];

	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "/sys/kernel/mm/ksm/%s", ksm_knobs[i]);
		if (read_str(p, ksm_saved[i], sizeof(ksm_saved[i])))
			return -1;
	}
	if (write_file("/sys/kernel/mm/ksm/pages_to_scan", "10000") ||
	    write_file("/sys/kernel/mm/ksm/sleep_millisecs", "0") ||
	    write_file("/sys/kernel/mm/ksm/run", "1"))
		return -1;
	return 0;
}

static void ksm_restore(void)
{
	char p[128];

	for (int i = 2; i >= 0; i--) {
		snprintf(p, sizeof(p), "/sys/kernel/mm/ksm/%s", ksm_knobs[i]);
		write_file(p, ksm_saved[i]);
	}
}

/*
 * ---- the multi-mover tests ----
 *
 * multi: three movers move random runs of slots between A and B, each in
 * a random direction, so that one reads as a source the PTEs another is
 * installing.  torn: the same, and -EBUSY is a failure: every page is
 * small, exclusive, unpinned and never swapped out.  It catches a src PTE
 * read without its lock that pairs the halves of two different PTEs
 * (32-bit x86 with PAE: two loads) into a swap entry that never existed.
 */

static void *multi_mover(void *arg)
{
	struct race *r = arg;
	uint64_t rs = rnd_seed(r->seed, (uintptr_t)&rs);

	while (!should_stop(r) && now_s() < r->t_end &&
	       __atomic_load_n(&r->iters, __ATOMIC_RELAXED) < r->max_iters) {
		int dir = rnd(&rs) & 1;
		size_t s = rnd(&rs) % r->n;
		size_t l = 1 + rnd(&rs) % (r->n - s < 64 ? r->n - s : 64);
		uint64_t mode = rnd(&rs) & 1 ? UFFDIO_MOVE_MODE_DONTWAKE : 0;
		long moved;
		int err;

		moved = do_move(r->uffd, (uintptr_t)slot(r, !dir, s),
				(uintptr_t)slot(r, dir, s), l * PS, mode, &err);
		__atomic_add_fetch(&r->iters, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&r->moves, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&r->pages_moved, moved / PS, __ATOMIC_RELAXED);
		errstat_add(&r->es, err);
		for (size_t i = 0; i < moved / PS; i++)
			__atomic_add_fetch(&r->net[s + i], dir ? -1 : 1,
					   __ATOMIC_SEQ_CST);
		if (err == EBUSY && r->no_busy)
			__atomic_add_fetch(&r->busy, 1, __ATOMIC_RELAXED);
		else if (err && err != EEXIST && err != ENOENT && err != EAGAIN &&
			 err != EBUSY)
			fail(r, "multi: MOVE %zu+%zu from %c: %s", s, l, "AB"[dir],
			     strerror(err));
	}
	return NULL;
}

static int run_multi(struct race *r)
{
	struct thr t[3];

	for (int i = 0; i < 3; i++)
		thr_start(&t[i], multi_mover, r);
	for (int i = 0; i < 3; i++)
		thr_join(&t[i]);
	for (size_t k = 0; k < r->n; k++) {
		if (r->net[k] != 0 && r->net[k] != 1) {
			fail(r, "slot %zu: net moves %d (a page moved twice or lost)",
			     k, r->net[k]);
			r->where[k] = 0;
		} else {
			r->where[k] = r->net[k];
		}
	}
	return 0;
}

/* ---- main ---- */

static void on_alarm(int sig)
{
	static const char m[] = "# WATCHDOG: the test did not finish in time (hang?)\n";

	(void)sig;
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void usage(void)
{
	fprintf(stderr, "usage: uffd-race fork|unmap|mprotect|dontneed|pageout|"
		"migrate|thp|pin|splice|odirect|ksm|faults|multi|torn [-t sec] [-i iters] "
		"[-n pages] [-s seed]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct race rr;
	struct race *r = &rr;
	double secs = 3, t0;
	long base_anon, base_swap, anon, swap;
	struct thr th[4], hthr;
	int nth = 0, opt, skip = 0;
	const char *t;

	if (argc < 2)
		usage();
	t = argv[1];
	r->name = t;
	r->n = 2048;
	r->blk = 64;
	r->max_iters = 1000000;
	r->seed = time(NULL) ^ getpid();
	optind = 2;
	while ((opt = getopt(argc, argv, "t:i:n:s:")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'i': r->max_iters = strtoul(optarg, NULL, 0); break;
		case 'n': r->n = strtoul(optarg, NULL, 0); break;
		case 's': r->seed = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	/* torn: one page table per region, so that movers meet often */
	if (!strcmp(t, "torn") && r->n == 2048)
		r->n = 512;
	r->n = (r->n + 511) / 512 * 512;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("RACE_TRACE"))
		trace_slot = atol(getenv("RACE_TRACE"));
	printf("# uffd-race %s: seed %llu, %zu pages per region, %.1f s, max %lu "
	       "iterations\n", t, (unsigned long long)r->seed, r->n, secs,
	       r->max_iters);
	signal(SIGALRM, on_alarm);
	alarm((unsigned int)(secs * 20 + 120));
	pthread_mutex_init(&r->mu, NULL);

	r->uffd = uffd_open(UFFD_FEATURE_MOVE);
	if (r->uffd < 0) {
		printf("ok 1 %s # SKIP no UFFDIO_MOVE (%s)\n", t, strerror(errno));
		return 4;
	}
	r->evfd = eventfd(0, EFD_CLOEXEC);
	/* bookkeeping first: the baseline includes it */
	r->where = calloc(r->n, 1);
	r->gone_ok = calloc(r->n, 1);
	r->incs = calloc(r->n, sizeof(*r->incs));
	r->net = calloc(r->n, sizeof(int));
	r->pm_src = calloc(HPS / PS, sizeof(uint64_t));
	r->pm_dst = calloc(HPS / PS, sizeof(uint64_t));
	r->pm_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (r->pm_fd < 0)
		printf("# no /proc/self/pagemap (%s): MOVE results not cross-checked\n",
		       strerror(errno));
	memset(r->incs, 0, r->n * sizeof(*r->incs));
	memset(r->net, 0, r->n * sizeof(int));
	memset(r->pm_src, 0, HPS / PS * sizeof(uint64_t));
	memset(r->pm_dst, 0, HPS / PS * sizeof(uint64_t));
	r->dio_fd = -1;
	if (!strcmp(t, "odirect")) {
		char why[300];

		r->dio_hit = calloc(r->n, 1);
		if (!r->dio_hit || odirect_open(r, why, sizeof(why))) {
			printf("ok 1 %s # SKIP no O_DIRECT source: %s\n", t, why);
			return 4;
		}
		memset(r->dio_hit, 0, r->n);
	}
	printf("# (baseline taken after the bookkeeping allocations)\n");
	if (smaps_anon(&base_anon, &base_swap)) {
		printf("not ok 1 %s: no smaps_rollup\n", t);
		return 1;
	}
	r->thp = !strcmp(t, "thp") || !strcmp(t, "migrate") ||
		 !strcmp(t, "splice") || !strcmp(t, "odirect");
	if (setup(r, r->thp)) {
		printf("not ok 1 %s: setup: %s\n", t, strerror(errno));
		return 1;
	}
	if (r->thp)
		printf("# AnonHugePages after fill: %ld kB\n", anon_huge_kb());

	if (!strcmp(t, "fork")) {
		r->unshare_busy = 1;
		thr_start(&th[nth++], d_fork, r);
	} else if (!strcmp(t, "unmap")) {
		r->holes = r->allow_enoent = r->allow_einval = 1;
		r->scratch = mmap(NULL, r->blk * PS, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		thr_start(&th[nth++], d_unmap, r);
	} else if (!strcmp(t, "mprotect")) {
		r->allow_einval = 1;
		thr_start(&th[nth++], d_mprotect, r);
	} else if (!strcmp(t, "dontneed")) {
		r->holes = 1;
		thr_start(&th[nth++], d_dontneed, r);
	} else if (!strcmp(t, "pageout")) {
		/*
		 * Without exclusive swap PTEs (32-bit x86) a swapped-out page
		 * is -EBUSY until it is written to: a fault the handler cannot
		 * resolve by MOVE would come back for ever.
		 */
		r->unshare_busy = 1;
		thr_start(&th[nth++], d_pageout, r);
		thr_start(&th[nth++], accessor, r);
	} else if (!strcmp(t, "migrate")) {
		/* RACE_NO_COMPACT / RACE_NO_COLLAPSE narrow a reproducer down */
		if (!getenv("RACE_NO_COMPACT"))
			thr_start(&th[nth++], d_compact, r);
		if (!getenv("RACE_NO_COLLAPSE"))
			thr_start(&th[nth++], d_collapse, r);
	} else if (!strcmp(t, "thp")) {
		r->holes = r->allow_einval = 1;
		thr_start(&th[nth++], d_thp, r);
	} else if (!strcmp(t, "pin")) {
		thr_start(&th[nth++], d_pin, r);
		thr_start(&th[nth++], d_splice, r);
	} else if (!strcmp(t, "splice")) {
		/*
		 * Plain references on THPs: a THP that must be split while
		 * the pipe holds one is -EBUSY, promptly, never a spin.
		 */
		r->call_limit_s = 1.0;
		thr_start(&th[nth++], d_splice, r);
		thr_start(&th[nth++], d_collapse, r);
	} else if (!strcmp(t, "odirect")) {
		/* the same with O_DIRECT reads; two readers overlap more */
		r->call_limit_s = 1.0;
		thr_start(&th[nth++], d_odirect, r);
		thr_start(&th[nth++], d_odirect, r);
		thr_start(&th[nth++], d_collapse, r);
	} else if (!strcmp(t, "ksm")) {
		size_t len = r->n * PS;

		r->unshare_busy = 1;
		if (ksm_start()) {
			skip = 1;
		} else {
			/* twins of the even slots, for KSM to merge with */
			r->T = map_aligned(len, PROT_READ | PROT_WRITE);
			for (size_t k = 0; k < r->n; k += 2)
				pat_fill(r->T + k * PS, k + 1);
			madvise(r->T, len, MADV_MERGEABLE);
			madvise(r->A, len, MADV_MERGEABLE);
			madvise(r->B, len, MADV_MERGEABLE);
		}
	} else if (!strcmp(t, "faults")) {
		thr_start(&th[nth++], accessor, r);
		thr_start(&th[nth++], accessor, r);
	} else if (!strcmp(t, "torn")) {
		r->no_busy = 1;
	} else if (strcmp(t, "multi")) {
		usage();
	}
	if (skip) {
		printf("ok 1 %s # SKIP no KSM\n", t);
		return 4;
	}
	thr_start(&hthr, handler, r);

	t0 = now_s();
	r->t_end = t0 + secs;
	if (!strcmp(t, "multi") || !strcmp(t, "torn")) {
		run_multi(r);
	} else {
		uint64_t rs = rnd_seed(r->seed, 0);

		while (!should_stop(r) && now_s() < r->t_end &&
		       r->iters < r->max_iters) {
			mover_step(r, &rs);
			r->iters++;
			if (r->T && r->iters % 64 == 0) {
				long s = read_long("/sys/kernel/mm/ksm/pages_sharing");

				if (s > (long)r->ksm_max)
					r->ksm_max = s;
			}
		}
	}
	r->stop = 1;
	for (int i = 0; i < nth; i++)
		thr_join(&th[i]);
	{
		uint64_t one = 1;

		if (write(r->evfd, &one, sizeof(one)) != sizeof(one))
			fail(r, "eventfd write");
	}
	thr_join(&hthr);
	if (r->T)
		ksm_restore();

	verify(r);
	if (r->T) {
		for (size_t k = 0; k < r->n; k += 2) {
			uint64_t id, c;

			if (pat_check(r->T + k * PS, &id, &c) != PG_OK || id != k + 1)
				fail(r, "KSM twin page %zu corrupt", k);
		}
		munmap(r->T, r->n * PS);
	}
	munmap(r->A, r->n * PS);
	munmap(r->B, r->n * PS);
	if (r->scratch)
		munmap(r->scratch, r->blk * PS);
	close(r->uffd);
	close(r->evfd);
	if (r->dio_fd >= 0)
		close(r->dio_fd);
	smaps_anon(&anon, &swap);
	printf("# %s: seconds=%.2f mover_iterations=%lu MOVE_calls=%lu "
	       "pages_moved=%lu pages_verified=%lu pages_gone=%lu "
	       "fault_resolutions=%lu accesses=%lu disturber_ops=%lu/%lu "
	       "busy_unshare=%lu\n", t, now_s() - t0, r->iters, r->moves,
	       r->pages_moved, r->verified, r->gone, r->handler_faults,
	       r->accesses, r->dist_ok, r->dist_ops, r->busy_touch);
	if (r->pm_checked)
		printf("# MOVE results checked against pagemap: %lu\n", r->pm_checked);
	if (refilled)
		printf("# lost pages refilled with UFFDIO_COPY: %lu\n", refilled);
	if (collapse_tries)
		printf("# MADV_COLLAPSE: %lu/%lu succeeded\n", collapse_ok,
		       collapse_tries);
	if (!strcmp(t, "pin") || !strcmp(t, "splice"))
		printf("# io_uring pins: %lu (failed %lu), vmsplices: %lu\n", pins,
		       pin_fail, splices);
	if (r->dio_hit) {
		size_t hit = 0;

		for (size_t k = 0; k < r->n; k++)
			hit += r->dio_hit[k];
		printf("# O_DIRECT reads: %lu into %zu slots\n", dio_reads, hit);
		if (!dio_reads)
			fail(r, "no O_DIRECT read completed");
	}
	printf("# slowest mover MOVE call: %.1f ms\n", r->max_call_s * 1e3);
	if (r->T)
		printf("# KSM pages_sharing max seen: %lu\n", r->ksm_max);
	if (r->no_busy) {
		printf("# -EBUSY on pages never shared, pinned or swapped: %lu\n",
		       r->busy);
		if (r->busy)
			fail(r, "%lu moves failed with -EBUSY", r->busy);
	}
	errstat_print("MOVE results", &r->es);
	printf("# smaps_rollup Anonymous: %ld kB -> %ld kB, Swap: %ld kB -> %ld kB\n",
	       base_anon, anon, base_swap, swap);
	if (anon > base_anon + 32 || swap > base_swap + 32)
		fail(r, "anonymous memory not back to baseline after munmap");
	if (contract_violations)
		fail(r, "%lu MOVE result contract violations", contract_violations);
	printf("%sok 1 %s\n", r->failed ? "not " : "", t);
	/* last line: the figures the suites add up */
	printf("# summary %s: seconds=%.1f MOVE_calls=%lu pages_moved=%lu "
	       "pages_verified=%lu result=%s\n", t, now_s() - t0, r->moves,
	       r->pages_moved, r->verified, r->failed ? "FAIL" : "ok");
	return r->failed ? 1 : 0;
}
