// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-faultinj: allocation failures injected into UFFDIO_MOVE.
 *
 * The destinations are fresh mappings in address ranges without page
 * tables, so the move has to allocate the dst PUD/PMD/PTE tables (and the
 * ptlocks, and the dst anon_vma on the first move into a VMA); the sources
 * hold pages with unique patterns (THPs too, and holes with
 * ALLOW_SRC_HOLES, whose src page tables must be allocated as well).
 *
 * Phase 1 is systematic (/proc/thread-self/fail-nth): the n-th fault
 * injection point of one MOVE fails, for n = 1, 2, ... until the call
 * runs out of injection points.  Phase 2 is random and task-filtered
 * (/proc/self/make-it-fail with fail_page_alloc and failslab at various
 * probabilities), with retries.  Every call must succeed, fail with
 * -ENOMEM having moved nothing, or be a short move (-EAGAIN, move = bytes
 * done); after each round every page must be exactly where the returned
 * counts put it (pagemap after each call, contents at the end), and after
 * all rounds the process anonymous memory, its page tables and the
 * system's page tables are back to their baseline, and free memory and
 * unreclaimable slab roughly so.
 *
 *   uffd-faultinj [-t seconds] [-s seed] [-N]     (-N: no injection)
 *
 * Skips (exit 4) when the fault injection knobs are absent.
 */
#include "common.h"
#include <sys/xattr.h>

#define DBG "/sys/kernel/debug/"
#define AREA 0x100000000000UL	/* fresh page-table territory */
#define GIB (1UL << 30)
#define PUDSZ (512 * GIB)

static int uffd, pm_fd, mif_fd = -1, nth_fd = -1, no_inject;
static int tap_n, failed;
static unsigned long next_id = 1, calls, n_ok, n_short, n_enomem, n_bad;
static unsigned long verified, nth_injected, rounds;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failed = 1;
}

/* ---- knobs ---- */

static const char *const attrs[] = { "fail_page_alloc", "failslab" };
static const char *const knobs[] = {
	"task-filter", "probability", "interval", "times", "space", "verbose",
	"ignore-gfp-wait", "ignore-gfp-highmem", "min-order",
};
#define NKNOB (sizeof(knobs) / sizeof(knobs[0]))
static char saved[2][NKNOB][32];

static int knob_path(char *p, size_t sz, int a, const char *k)
{
	return snprintf(p, sz, DBG "%s/%s", attrs[a], k);
}

static int knob_set(int a, const char *k, const char *v)
{
	char p[128];

	knob_path(p, sizeof(p), a, k);
	return write_file(p, v);
}

static long knob_get(int a, const char *k)
{
	char p[128];

	knob_path(p, sizeof(p), a, k);
	return read_long(p);
}

static void knobs_save(void)
{
	char p[128];

	for (int a = 0; a < 2; a++)
		for (size_t k = 0; k < NKNOB; k++) {
			knob_path(p, sizeof(p), a, knobs[k]);
			if (read_str(p, saved[a][k], sizeof(saved[a][k])))
				saved[a][k][0] = 0;
		}
}

static void knobs_restore(void)
{
	for (int a = 0; a < 2; a++)
		for (size_t k = 0; k < NKNOB; k++)
			if (saved[a][k][0])
				knob_set(a, knobs[k], saved[a][k]);
}

/* Task-filtered injection at probability pct (0: off); times = budget. */
static int inject_config(int pct, long times)
{
	char v[32];
	int rc = 0;

	for (int a = 0; a < 2; a++) {
		rc |= knob_set(a, "probability", "0");
		rc |= knob_set(a, "task-filter", "Y");
		rc |= knob_set(a, "interval", "1");
		rc |= knob_set(a, "space", "0");
		rc |= knob_set(a, "verbose", "0");
		rc |= knob_set(a, "ignore-gfp-wait", "N");
		snprintf(v, sizeof(v), "%ld", times);
		rc |= knob_set(a, "times", v);
		snprintf(v, sizeof(v), "%d", pct);
		rc |= knob_set(a, "probability", v);
	}
	rc |= knob_set(0, "ignore-gfp-highmem", "N");
	rc |= knob_set(0, "min-order", "0");
	return rc;
}

/* ---- memory accounting ---- */

static long meminfo_kb(const char *field)
{
	static char buf[8192];
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, field);
	return p ? strtol(p + strlen(field), NULL, 10) : -1;
}

struct acct {
	long anon, swap, vmpte, pagetables, memfree, sunreclaim;
};

/* Fold the per-cpu vmstat deltas into the global counters meminfo shows. */
static void stat_refresh(void)
{
	write_file("/proc/sys/vm/stat_refresh", "1");
}

/*
 * KASAN keeps freed slab objects in a quarantine of up to 1/32 of RAM,
 * which fills as the test frees VMAs, anon_vmas and ptlocks: fill it
 * before the baseline, with 8 KiB kmalloc objects that setxattr() copies
 * the value into (and frees) before the filesystem refuses the xattr.
 */
static void quarantine_fill(void)
{
	static char v[8192];
	long total = meminfo_kb("MemTotal:");

	for (long i = 0; i < total / 32 / 8 * 3 / 2; i++)
		if (setxattr("/", "user.uffd-faultinj", v, sizeof(v), 0) == 0)
			break;
}

/* Page tables are freed after an RCU grace period: wait for them. */
static void rcu_settle(long target_kb)
{
	for (int i = 0; i < 20; i++) {
		stat_refresh();
		if (meminfo_kb("PageTables:") <= target_kb)
			break;
		syscall(SYS_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0);
	}
}

static void acct_read(struct acct *a)
{
	stat_refresh();
	smaps_anon(&a->anon, &a->swap);
	a->vmpte = status_kb("VmPTE:");
	a->pagetables = meminfo_kb("PageTables:");
	a->memfree = meminfo_kb("MemFree:");
	a->sunreclaim = meminfo_kb("SUnreclaim:");
}

/* ---- one MOVE with injection ---- */

enum { INJ_NONE, INJ_RANDOM, INJ_NTH };

/* Returns bytes moved, *err the errno; *hit whether fail-nth fired. */
static long move_inj(uintptr_t d, uintptr_t s, size_t len, uint64_t mode,
		     int how, int nth, int *err, int *hit)
{
	char b[32];
	long n;

	*hit = 0;
	if (how == INJ_RANDOM && pwrite(mif_fd, "1", 1, 0) != 1)
		return -1;
	if (how == INJ_NTH) {
		snprintf(b, sizeof(b), "%d", nth);
		if (pwrite(nth_fd, b, strlen(b), 0) != (ssize_t)strlen(b))
			return -1;
	}
	n = do_move(uffd, d, s, len, mode, err);
	if (how == INJ_RANDOM && pwrite(mif_fd, "0", 1, 0) != 1)
		return -1;
	if (how == INJ_NTH) {
		if (pread(nth_fd, b, sizeof(b) - 1, 0) <= 0)
			return -1;
		*hit = atoi(b) == 0;
		if (!*hit && pwrite(nth_fd, "0", 1, 0) != 1)
			return -1;
	}
	calls++;
	if (!*err)
		n_ok++;
	else if (*err == EAGAIN && n > 0)
		n_short++;
	else if (*err == ENOMEM)
		n_enomem++;
	else {
		n_bad++;
		printf("# FAIL: MOVE %#lx <- %#lx len %zu mode %llu%s: %s (moved %ld); "
		       "want success, ENOMEM or a short move\n", (unsigned long)d,
		       (unsigned long)s, len, (unsigned long long)mode,
		       how == INJ_NTH ? " (fail-nth)" : how == INJ_RANDOM ? " (random)" : "",
		       strerrorname_np(*err) ? strerrorname_np(*err) : "?", n);
		return -1;
	}
	return n;
}

/* ---- one round: src pages, a fresh dst, moves, verification ---- */

struct round {
	char *src, *dst;
	size_t np;
	uint64_t *id;	/* expected id of page i (0: hole) */
	size_t done;	/* pages [0, done) moved */
	uint64_t mode;
};

/* Static, touched before the baseline: the heap does not grow. */
#define MAXNP 2048
static uint64_t idbuf[MAXNP], pd[MAXNP], ps[MAXNP];

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)

static int pm_read(void *p, size_t np, uint64_t *e)
{
	size_t sz = np * 8;

	return pread(pm_fd, e, sz, ((uintptr_t)p / PS) * 8) == (ssize_t)sz ? 0 : -1;
}

/* Where pagemap says each page is must match the returned counts. */
static unsigned long zero_refilled;

static int check_pagemap(struct round *r, const char *when)
{
	if (pm_read(r->dst, r->np, pd) || pm_read(r->src, r->np, ps)) {
		printf("# FAIL: pagemap read: %s\n", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < r->np; i++) {
		int in_dst = !!(pd[i] & (PM_PRESENT | PM_SWAP));
		int in_src = !!(ps[i] & (PM_PRESENT | PM_SWAP));
		int want_dst = i < r->done && r->id[i];
		int want_src = i >= r->done && r->id[i];
		uint64_t id, ctr;

		/*
		 * khugepaged may collapse a THP-enabled src range that still
		 * has pages, filling the holes that moves left with zeroes
		 * (max_ptes_none): a zero page there is not a page left
		 * behind.  src is not registered, so reading it is safe.
		 */
		if (in_src && !want_src &&
		    pat_check(r->src + i * PS, &id, &ctr) == PG_ZERO) {
			zero_refilled++;
			in_src = 0;
		}
		if (in_dst != want_dst || in_src != want_src) {
			printf("# FAIL %s: page %zu/%zu (moved %zu, id %llu): at dst %d src %d\n",
			       when, i, r->np, r->done, (unsigned long long)r->id[i],
			       in_dst, in_src);
			return -1;
		}
	}
	return 0;
}

static int check_contents(struct round *r)
{
	uint64_t id = 0, ctr;
	int bad = 0;

	/* Unregistered, a dst hole reads as zeroes instead of blocking. */
	if (uffd_unregister(uffd, r->dst, r->np * PS))
		return -1;
	for (size_t i = 0; i < r->np && bad < 5; i++) {
		char *at = i < r->done ? r->dst : r->src, *other = i < r->done ? r->src : r->dst;
		uint64_t oid;
		int o = pat_check(other + i * PS, &oid, &ctr);
		int c = pat_check(at + i * PS, &id, &ctr);

		if (c != (r->id[i] ? PG_OK : PG_ZERO) || (r->id[i] && id != r->id[i]) ||
		    o != PG_ZERO) {
			printf("# FAIL contents: page %zu (moved %zu): expected id %llu at %s, "
			       "found class %d id %llu; other side class %d\n", i, r->done,
			       (unsigned long long)r->id[i], i < r->done ? "dst" : "src",
			       c, (unsigned long long)id, o);
			bad++;
		}
		verified++;
	}
	return bad ? -1 : 0;
}

static int round_setup(struct round *r, uint64_t *s, size_t np, int thp, int holes,
		       uintptr_t dst_at)
{
	r->np = np;
	r->done = 0;
	r->mode = holes ? UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES : 0;
	r->id = idbuf;
	memset(idbuf, 0, sizeof(idbuf));
	if (holes == 2)	/* an untouched src without page tables */
		r->src = mmap((void *)(dst_at + 100 * GIB), np * PS, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	else if (thp)
		r->src = map_aligned(np * PS, PROT_READ | PROT_WRITE);
	else
		r->src = mmap(NULL, np * PS, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (np > MAXNP || !r->src || r->src == MAP_FAILED)
		return -1;
	if (thp)
		madvise(r->src, np * PS, MADV_HUGEPAGE);
	else
		madvise(r->src, np * PS, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < np; i++) {
		if (holes == 2 || (holes && rnd(s) % 3 == 0))
			continue;
		r->id[i] = next_id++;
		pat_fill(r->src + i * PS, r->id[i]);
	}
	r->dst = mmap((void *)dst_at, np * PS, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (r->dst == MAP_FAILED || r->dst != (void *)dst_at) {
		printf("# dst mmap at %#lx: %s\n", (unsigned long)dst_at, strerror(errno));
		return -1;
	}
	if (thp)
		madvise(r->dst, np * PS, MADV_HUGEPAGE);
	else
		madvise(r->dst, np * PS, MADV_NOHUGEPAGE);
	return uffd_register(uffd, r->dst, np * PS);
}

static void round_free(struct round *r)
{
	munmap(r->src, r->np * PS);
	munmap(r->dst, r->np * PS);
}

/* Move [done, done + pages) with the given injection; advance done. */
static int step(struct round *r, size_t pages, int how, int nth, int *hit)
{
	int err;
	long n;

	if (r->done + pages > r->np)
		pages = r->np - r->done;
	n = move_inj((uintptr_t)r->dst + r->done * PS, (uintptr_t)r->src + r->done * PS,
		     pages * PS, r->mode, how, nth, &err, hit);
	if (n < 0)
		return -1;
	r->done += n / PS;
	if (err && check_pagemap(r, "after a failed or short MOVE"))
		return -1;
	return 0;
}

/* Finish a round without injection and verify it. */
static int round_finish(struct round *r, int complete)
{
	int hit;

	while (complete && r->done < r->np)
		if (step(r, r->np - r->done, INJ_NONE, 0, &hit))
			return -1;
	if (check_pagemap(r, "at the end of the round") || check_contents(r))
		return -1;
	rounds++;
	return 0;
}

/* A dst address range with no page tables: a fresh GiB, every other time a fresh 512 GiB. */
static uintptr_t fresh_dst(unsigned long k)
{
	return AREA + (k / 2 % 64) * PUDSZ + (k & 1) * (7 * GIB) + (k % 3) * HPS;
}

struct shape {
	const char *name;
	size_t np;
	int thp, holes;
};

static const struct shape shapes[] = {
	{ "4 pages", 4, 0, 0 },
	{ "2 MiB THP", 512, 1, 0 },
	{ "600 pages with src holes", 600, 0, 1 },
	{ "1030 pages THP", 1030, 1, 0 },
	{ "64 pages, src all holes without page tables", 64, 0, 2 },
};

#define NSHAPE (sizeof(shapes) / sizeof(shapes[0]))

int main(int argc, char **argv)
{
	double secs = 30, t0;
	uint64_t seed = time(NULL), s;
	unsigned long k = 0, max_nth = 0;
	struct acct a0, a1;
	long pa = 0, sl = 0;
	int c;

	while ((c = getopt(argc, argv, "t:s:N")) != -1) {
		switch (c) {
		case 't': secs = atof(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'N': no_inject = 1; break;
		default:
			fprintf(stderr, "usage: uffd-faultinj [-t secs] [-s seed] [-N]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	s = rnd_seed(seed, 2);
	printf("TAP version 13\n");
	printf("# uffd-faultinj: seed %llu, %.0f s%s\n", (unsigned long long)seed, secs,
	       no_inject ? ", no injection (-N)" : "");
	uffd = uffd_open(UFFD_FEATURE_MOVE);
	if (uffd < 0) {
		printf("1..0 # SKIP no UFFDIO_MOVE (%s)\n", strerror(errno));
		return 4;
	}
	if (!no_inject) {
		mif_fd = open("/proc/self/make-it-fail", O_RDWR);
		nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
		if (mif_fd < 0 || nth_fd < 0 || access(DBG "fail_page_alloc/probability", W_OK) ||
		    access(DBG "failslab/probability", W_OK) ||
		    access(DBG "fail_page_alloc/ignore-gfp-wait", W_OK)) {
			printf("1..0 # SKIP no fault injection knobs (CONFIG_FAULT_INJECTION_DEBUG_FS,"
			       " FAILSLAB, FAIL_PAGE_ALLOC, debugfs on /sys/kernel/debug)\n");
			return 4;
		}
	}
	pm_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pm_fd < 0) {
		printf("1..0 # SKIP no /proc/self/pagemap\n");
		return 4;
	}
	printf("1..5\n");
	if (!no_inject) {
		knobs_save();
		/* Injection points armed (times > 0) but nothing fails yet. */
		if (inject_config(0, 0)) {
			printf("Bail out! cannot configure the fault injection knobs\n");
			knobs_restore();
			return 1;
		}
	}

	memset(pd, 0, sizeof(pd));
	memset(ps, 0, sizeof(ps));
	/* A warm-up round without injection: caches and the quarantine settle. */
	{
		struct round r;

		if (round_setup(&r, &s, 1030, 1, 0, fresh_dst(k++)) || round_finish(&r, 1)) {
			printf("Bail out! warm-up round\n");
			knobs_restore();
			return 1;
		}
		round_free(&r);
	}
	quarantine_fill();
	rcu_settle(0);
	acct_read(&a0);	/* twice: the first touches the read buffers */
	acct_read(&a0);
	t0 = now_s();

	/* Phase 1: the n-th injection point of one MOVE fails, every n. */
	{
		unsigned long bad0 = n_bad;
		int ok = 1;

		for (size_t sh = 0; sh < NSHAPE && ok; sh++) {
			int nth, hit = 1;

			for (nth = 1; hit && nth <= 200 && ok; nth++) {
				struct round r;

				if (round_setup(&r, &s, shapes[sh].np, shapes[sh].thp,
						shapes[sh].holes, fresh_dst(k++))) {
					ok = 0;
					break;
				}
				if (step(&r, r.np, no_inject ? INJ_NONE : INJ_NTH, nth, &hit) ||
				    round_finish(&r, nth & 1))
					ok = 0;
				nth_injected += hit;
				round_free(&r);
				if (no_inject)
					hit = 0;
			}
			printf("# fail-nth %s: %d injection points\n", shapes[sh].name, nth - 2);
			if (nth - 2 > (int)max_nth)
				max_nth = nth - 2;
		}
		tap(ok && n_bad == bad0, "fail-nth: every injection point of MOVE into fresh page "
		    "tables (%lu injected, up to %lu points per call)", nth_injected, max_nth);
	}

	/* Phase 2: random task-filtered injection with retries. */
	{
		static const int pcts[] = { 5, 20, 50, 100 };
		int ok = 1;

		while (ok && now_s() - t0 < secs) {
			const struct shape *sh = &shapes[rnd(&s) % NSHAPE];
			size_t np = rnd(&s) % 2 ? sh->np : 1 + rnd(&s) % sh->np;
			int pct = pcts[rnd(&s) % 4], hit, tries = 0;
			struct round r;

			if (!no_inject && inject_config(pct, 1000000)) {
				ok = 0;
				break;
			}
			if (round_setup(&r, &s, np, sh->thp, sh->holes, fresh_dst(k++))) {
				ok = 0;
				break;
			}
			while (r.done < r.np && tries++ < 20 && ok) {
				size_t req = (size_t[]){ 1, 16, 512, r.np }[rnd(&s) % 4];

				if (step(&r, req, no_inject ? INJ_NONE : INJ_RANDOM, 0, &hit))
					ok = 0;
			}
			/* times counts down once per injected failure */
			if (!no_inject) {
				pa += 1000000 - knob_get(0, "times");
				sl += 1000000 - knob_get(1, "times");
				if (inject_config(0, 0))
					ok = 0;
			}
			/* Half the rounds stop where the injection left them. */
			if (ok && round_finish(&r, rnd(&s) & 1))
				ok = 0;
			round_free(&r);
		}
		tap(ok && !n_bad, "random injection: %lu rounds, every MOVE succeeded, failed "
		    "with ENOMEM or was short, and every page is where the counts say", rounds);
	}
	secs = now_s() - t0;
	if (!no_inject)
		knobs_restore();

	rcu_settle(a0.pagetables);
	acct_read(&a1);
	printf("# anon %ld -> %ld kB, swap %ld -> %ld kB, VmPTE %ld -> %ld kB, PageTables %ld -> "
	       "%ld kB, MemFree %ld -> %ld kB, SUnreclaim %ld -> %ld kB\n", a0.anon, a1.anon,
	       a0.swap, a1.swap, a0.vmpte, a1.vmpte, a0.pagetables, a1.pagetables, a0.memfree,
	       a1.memfree, a0.sunreclaim, a1.sunreclaim);
	tap(a1.anon <= a0.anon && a1.swap <= a0.swap && a1.vmpte <= a0.vmpte,
	    "process anonymous memory, swap and page tables back to baseline");
	tap(a1.pagetables <= a0.pagetables + 8, "system page tables back to baseline "
	    "(%+ld kB)", a1.pagetables - a0.pagetables);
	/*
	 * Slab caches, the KASAN quarantine, per-cpu page lists and the huge
	 * zero page still move: allow some slack.  MemFree was seen to end
	 * between 1.5 and 19.7 MB lower on the debug kernel, with no relation
	 * to the number of rounds (620 rounds: -19.7 MB, 1047: -1.5 MB), both
	 * before and after the series' v2 changes.  A leak of 16 pages a round
	 * or more still shows over the 600 or more rounds of a run.
	 */
	tap(a1.memfree >= a0.memfree - 32768 && a1.sunreclaim <= a0.sunreclaim + 8192,
	    "free memory and unreclaimable slab roughly back (%+ld kB, %+ld kB)",
	    a1.memfree - a0.memfree, a1.sunreclaim - a0.sunreclaim);

	if (zero_refilled)
		printf("# moved-from src pages that khugepaged refilled with zeroes: %lu\n",
		       zero_refilled);
	printf("# summary faultinj: seconds=%.1f rounds=%lu MOVE_calls=%lu ok=%lu short=%lu "
	       "ENOMEM=%lu bad=%lu injected: fail_nth=%lu fail_page_alloc=%ld failslab=%ld "
	       "pages_verified=%lu\n", secs, rounds, calls, n_ok, n_short, n_enomem, n_bad,
	       nth_injected, pa, sl, verified);
	return failed;
}
