// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-move-bench: cost of moving a populated, exclusive anonymous region.
 *
 * Methods, each on a freshly populated source region of the same shape:
 *   move        UFFDIO_MOVE, one ioctl per request, into a uffd-registered
 *               (MISSING) destination;
 *   copy        UFFDIO_COPY per request plus MADV_DONTNEED of that source
 *               chunk: what a COPY-based compacting GC pays;
 *   mremap-pmd  mremap(MREMAP_FIXED) of the whole region to a PMD-aligned
 *               destination (whole page tables / huge PMDs are moved);
 *   mremap-pte  the same with the destination one page off PMD alignment,
 *               so every PTE is moved (move_ptes) and THPs are split: the
 *               floor for any per-PTE move.
 * Pages: 4k (MADV_NOHUGEPAGE) or thp (MADV_HUGEPAGE, 2 MiB aligned).
 * Threads: 1, or 2 splitting the region in halves (move/copy only).
 * Only the moves are timed (CLOCK_MONOTONIC), never the population; each
 * point is repeated and the median reported.
 *
 * Default matrix (bounded for TCG guests; see bench/README.md):
 *   size sweep     request min(size, 2 MiB), 1 thread, all four methods;
 *                  4k: 4K 64K 2M 16M 64M 256M; thp: 2M 16M 64M 256M
 *   request sweep  64 MiB region, requests 4K 16K 64K 256K 1M 2M,
 *                  1 and 2 threads, move and copy, 4k and thp
 * --quick: sizes 4K 2M 16M (thp 2M 16M), request sweep at 16 MiB with
 *   4K 64K 2M, 3 repetitions.
 *
 * Output: CSV, one line per point:
 *   kernel,method,pages,size,request,threads,median_ns,per_page_ns,throughput_MiBps
 * (per_page_ns is per 4 KiB page, also for thp).  Comments start with '#'.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096UL
#define HPAGE	(2UL << 20)
#define KiB	1024UL
#define MiB	(1024UL * 1024)
#define MAX_REPS 101

enum method { MOVE, COPY, MREMAP_PMD, MREMAP_PTE, NMETHODS };
static const char *const mname[NMETHODS] = { "move", "copy", "mremap-pmd", "mremap-pte" };

struct point {
	enum method method;
	int thp;
	size_t size, request;
	int threads;
};

static int uffd = -1, have_move;
static int reps_override;
static char kernel[128];

static void die(const char *what)
{
	fprintf(stderr, "uffd-move-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* 2 MiB-aligned anonymous mapping of len bytes (+ slack after it). */
static char *map_aligned(size_t len, int prot)
{
	size_t full = len + 2 * HPAGE;
	char *p = mmap(NULL, full, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap");
	a = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + full > a + len + HPAGE)
		munmap(a + len + HPAGE, (size_t)(p + full - (a + len + HPAGE)));
	return a;	/* caller owns [a, a + len + HPAGE) */
}

static long anon_huge_kb(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "AnonHugePages:", 14))
			v = strtol(line + 14, NULL, 10);
	fclose(f);
	return v;
}

/* Say so when less than 90% of the region is in huge pages. */
static void warn_few_thps(const struct point *pt, const char *when)
{
	long kb = anon_huge_kb();

	if (kb >= 0 && (size_t)kb * KiB < pt->size * 9 / 10)
		printf("# warning: thp %s size %zu: only %ld KiB of %zu KiB %s\n",
		       mname[pt->method], pt->size, kb, pt->size / KiB, when);
}

struct job {
	const struct point *pt;
	char *src, *dst;
	size_t off, len;
	uint64_t t0, t1;
	int err;
};

static int do_range(struct job *j)
{
	const struct point *pt = j->pt;

	for (size_t off = j->off; off < j->off + j->len; off += pt->request) {
		size_t n = pt->request < j->off + j->len - off ? pt->request : j->off + j->len - off;

		if (pt->method == MOVE) {
			struct uffdio_move mv = { .dst = (uintptr_t)(j->dst + off), .src = (uintptr_t)(j->src + off),
						  .len = n, .mode = 0 };
			if (ioctl(uffd, UFFDIO_MOVE, &mv) || mv.move != (int64_t)n)
				return errno ? errno : EIO;
		} else {
			struct uffdio_copy cp = { .dst = (uintptr_t)(j->dst + off), .src = (uintptr_t)(j->src + off),
						  .len = n, .mode = 0 };
			if (ioctl(uffd, UFFDIO_COPY, &cp) || cp.copy != (int64_t)n)
				return errno ? errno : EIO;
			if (madvise(j->src + off, n, MADV_DONTNEED))
				return errno;
		}
	}
	return 0;
}

static pthread_barrier_t bar_start, bar_end;
static struct job helper_job;
static int helper_exit;

static void *helper_main(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_barrier_wait(&bar_start);
		if (helper_exit)
			return NULL;
		helper_job.t0 = now_ns();
		helper_job.err = do_range(&helper_job);
		helper_job.t1 = now_ns();
		pthread_barrier_wait(&bar_end);
	}
}

/* One repetition: populate, time the move, check, tear down. */
static uint64_t one_rep(const struct point *pt, int check_thp)
{
	size_t size = pt->size;
	char *src = map_aligned(size, PROT_READ | PROT_WRITE), *dbase, *dst;
	uint64_t t0, t1;
	int err = 0;

	if (madvise(src, size, pt->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise src");
	for (size_t off = 0; off < size; off += PAGE)
		*(uint64_t *)(src + off) = off / PAGE + 1;
	if (check_thp && pt->thp)
		warn_few_thps(pt, "in huge pages");

	if (pt->method == MOVE || pt->method == COPY) {
		struct uffdio_register reg;

		dbase = dst = map_aligned(size, PROT_READ | PROT_WRITE);
		if (madvise(dst, size, pt->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
			die("madvise dst");
		reg = (struct uffdio_register){ .range = { (uintptr_t)dst, size }, .mode = UFFDIO_REGISTER_MODE_MISSING };
		if (ioctl(uffd, UFFDIO_REGISTER, &reg))
			die("UFFDIO_REGISTER");
		if (pt->threads == 2) {
			size_t half = (size / 2 + pt->request - 1) / pt->request * pt->request;

			if (half > size)
				half = size;
			helper_job = (struct job){ pt, src, dst, half, size - half, 0, 0, 0 };
			{
				struct job mine = { pt, src, dst, 0, half, 0, 0, 0 };

				pthread_barrier_wait(&bar_start);
				mine.t0 = now_ns();
				err = do_range(&mine);
				mine.t1 = now_ns();
				pthread_barrier_wait(&bar_end);
				t0 = mine.t0 < helper_job.t0 ? mine.t0 : helper_job.t0;
				t1 = mine.t1 > helper_job.t1 ? mine.t1 : helper_job.t1;
				if (!err)
					err = helper_job.err;
			}
		} else {
			struct job mine = { pt, src, dst, 0, size, 0, 0, 0 };

			t0 = now_ns();
			err = do_range(&mine);
			t1 = now_ns();
		}
		if (err) {
			errno = err;
			die(pt->method == MOVE ? "UFFDIO_MOVE" : "UFFDIO_COPY");
		}
	} else {
		dbase = map_aligned(size, PROT_NONE);
		dst = dbase + (pt->method == MREMAP_PTE ? PAGE : 0);
		t0 = now_ns();
		if (mremap(src, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, dst) != dst)
			die("mremap");
		t1 = now_ns();
	}

	/* A THP move must leave huge pages at dst: a split one is not measured right. */
	if (check_thp && pt->thp && pt->request % HPAGE == 0 &&
	    (pt->method == MOVE || pt->method == MREMAP_PMD))
		warn_few_thps(pt, "huge after the move");
	for (size_t off = 0; off < size; off += PAGE)
		if (*(uint64_t *)(dst + off) != off / PAGE + 1) {
			fprintf(stderr, "uffd-move-bench: %s: wrong data at destination page %zu\n", mname[pt->method], off / PAGE);
			exit(1);
		}
	munmap(dbase, size + HPAGE);
	if (pt->method == MOVE || pt->method == COPY)
		munmap(src, size + HPAGE);
	else
		munmap(src, size + HPAGE);	/* the moved range is already gone: unmaps the slack */
	return t1 - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run_point(const struct point *pt, int quick)
{
	uint64_t ns[MAX_REPS], med;
	int reps = reps_override ? reps_override : quick ? 3 : pt->size <= 16 * MiB ? 5 : 3;
	double pages = (double)pt->size / PAGE;

	if (pt->method == MOVE && !have_move) {
		printf("# skip move %s size %zu: kernel lacks UFFDIO_MOVE\n", pt->thp ? "thp" : "4k", pt->size);
		return;
	}
	for (int i = 0; i < reps; i++)
		ns[i] = one_rep(pt, i == 0);
	qsort(ns, (size_t)reps, sizeof(ns[0]), cmp_u64);
	med = reps % 2 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
	if (!med)
		med = 1;
	printf("%s,%s,%s,%zu,%zu,%d,%" PRIu64 ",%.1f,%.1f\n", kernel, mname[pt->method], pt->thp ? "thp" : "4k",
	       pt->size, pt->request, pt->threads, med, (double)med / pages,
	       (double)pt->size / MiB / ((double)med / 1e9));
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: uffd-move-bench [--quick] [--reps N] [--kernel NAME]\n"
		"Time UFFDIO_MOVE, UFFDIO_COPY+MADV_DONTNEED and mremap on populated anon\n"
		"regions of 4 KiB pages and THPs; print CSV lines\n"
		"kernel,method,pages,size,request,threads,median_ns,per_page_ns,throughput_MiBps\n\n"
		"  -q, --quick        small matrix (sizes up to 16 MiB, 3 repetitions)\n"
		"  -r, --reps N       repetitions per point, 1..%d (default 5, 3 above 16 MiB)\n"
		"  -k, --kernel NAME  kernel column (default: uname -r)\n"
		"  -h, --help         show this help\n", MAX_REPS);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const size_t sizes_4k[] = { 4 * KiB, 64 * KiB, 2 * MiB, 16 * MiB, 64 * MiB, 256 * MiB };
	static const size_t sizes_thp[] = { 2 * MiB, 16 * MiB, 64 * MiB, 256 * MiB };
	static const size_t quick_4k[] = { 4 * KiB, 2 * MiB, 16 * MiB };
	static const size_t quick_thp[] = { 2 * MiB, 16 * MiB };
	static const size_t reqs[] = { 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 2 * MiB };
	static const size_t quick_reqs[] = { 4 * KiB, 64 * KiB, 2 * MiB };
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	struct utsname u;
	int c, quick = 0;
	pthread_t helper;

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s", u.release);
	while ((c = getopt_long(argc, argv, "qr:k:h", lopts, NULL)) != -1) {
		char *end;
		long v;

		switch (c) {
		case 'q':
			quick = 1;
			break;
		case 'r':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > MAX_REPS) {
				fprintf(stderr, "uffd-move-bench: invalid --reps '%s': must be 1..%d\n", optarg, MAX_REPS);
				return 2;
			}
			reps_override = (int)v;
			break;
		case 'k':
			if (!*optarg || strchr(optarg, ',') || strlen(optarg) >= sizeof(kernel)) {
				fprintf(stderr, "uffd-move-bench: invalid --kernel '%s'\n", optarg);
				return 2;
			}
			snprintf(kernel, sizeof(kernel), "%s", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "uffd-move-bench: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (uffd < 0)
		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api)) {
		/* older kernels refuse unknown features: retry without MOVE */
		close(uffd);
		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
		api = (struct uffdio_api){ .api = UFFD_API };
		if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
			die("UFFDIO_API");
	}
	have_move = !!(api.features & UFFD_FEATURE_MOVE);
	if (pthread_barrier_init(&bar_start, NULL, 2) || pthread_barrier_init(&bar_end, NULL, 2) ||
	    pthread_create(&helper, NULL, helper_main, NULL))
		die("pthread");

	printf("# uffd-move-bench on %s, %s matrix, UFFDIO_MOVE %s\n", kernel, quick ? "quick" : "default",
	       have_move ? "available" : "MISSING");
	printf("kernel,method,pages,size,request,threads,median_ns,per_page_ns,throughput_MiBps\n");

	/* size sweep: request min(size, 2 MiB), 1 thread, every method */
	for (int thp = 0; thp <= 1; thp++) {
		const size_t *sz = thp ? (quick ? quick_thp : sizes_thp) : (quick ? quick_4k : sizes_4k);
		size_t nsz = thp ? (quick ? 2 : 4) : (quick ? 3 : 6);

		for (size_t i = 0; i < nsz; i++)
			for (int m = 0; m < NMETHODS; m++) {
				struct point pt = { (enum method)m, thp, sz[i], sz[i] < 2 * MiB ? sz[i] : 2 * MiB, 1 };

				if (m >= MREMAP_PMD)
					pt.request = sz[i];
				run_point(&pt, quick);
			}
	}
	/* request sweep: fixed region, move and copy, 1 and 2 threads */
	for (int thp = 0; thp <= 1; thp++)
		for (int threads = 1; threads <= 2; threads++)
			for (size_t i = 0; i < (quick ? 3 : 6); i++)
				for (int m = MOVE; m <= COPY; m++) {
					struct point pt = { (enum method)m, thp, quick ? 16 * MiB : 64 * MiB,
							    quick ? quick_reqs[i] : reqs[i], threads };

					if (threads == 1 && pt.request == 2 * MiB)
						continue;	/* already in the size sweep */
					run_point(&pt, quick);
				}
	helper_exit = 1;
	pthread_barrier_wait(&bar_start);
	pthread_join(helper, NULL);
	printf("# done\n");
	return 0;
}
