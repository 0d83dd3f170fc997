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
 * ART hot path (case "art"): Android ART's concurrent compacting GC compacts
 * the live objects of one to-space page into a per-thread compaction buffer
 * page and moves that one page into the to-space with UFFDIO_MOVE; the
 * buffer address is then a hole, and the next page's compaction faults a
 * fresh page into it.  Per page of a 16 MiB to-space of 4 KiB pages,
 * registered MISSING, in order:
 *   art-move    write the whole buffer page (a page fault: the previous
 *               move took its page), then UFFDIO_MOVE len=4 KiB from the
 *               buffer into the next to-space page;
 *   art-copy    write the whole buffer page (populated once, no fault),
 *               then UFFDIO_COPY it into the next to-space page.
 * The loop over the whole to-space is timed; the two methods alternate
 * repetition by repetition, on a fresh to-space and buffer each time.
 * Rows: method art-move/art-copy, pages 4k, size 16 MiB, request 4 KiB.
 * --cases LIST picks what runs: matrix, art or matrix,art (the default).
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

enum method { MOVE, COPY, MREMAP_PMD, MREMAP_PTE, ART_MOVE, ART_COPY, NMETHODS };
static const char *const mname[NMETHODS] = {
	"move", "copy", "mremap-pmd", "mremap-pte", "art-move", "art-copy"
};

#define ART_SPACE	(16 * MiB)	/* to-space of the ART hot-path case */
#define CASE_MATRIX	1
#define CASE_ART	2

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

static uint64_t median_u64(uint64_t *ns, int n)
{
	uint64_t med;

	qsort(ns, (size_t)n, sizeof(ns[0]), cmp_u64);
	med = n % 2 ? ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2;
	return med ? med : 1;
}

static void print_row(const struct point *pt, uint64_t med)
{
	printf("%s,%s,%s,%zu,%zu,%d,%" PRIu64 ",%.1f,%.1f\n", kernel, mname[pt->method], pt->thp ? "thp" : "4k",
	       pt->size, pt->request, pt->threads, med, (double)med / ((double)pt->size / PAGE),
	       (double)pt->size / MiB / ((double)med / 1e9));
}

/* The content of word w of to-space page i: what the "compaction" wrote. */
static inline uint64_t art_word(size_t i, size_t w)
{
	return (uint64_t)i << 16 | w | 1ULL << 63;
}

/*
 * One repetition of the ART hot path over a fresh to-space: per page, fill
 * the compaction buffer page, then move (art-move) or copy (art-copy) it
 * into the next to-space page.  Returns the time of the whole loop.
 */
static uint64_t art_rep(enum method m)
{
	char *space = map_aligned(ART_SPACE, PROT_READ | PROT_WRITE);
	char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_register reg = { .range = { (uintptr_t)space, ART_SPACE },
				       .mode = UFFDIO_REGISTER_MODE_MISSING };
	uint64_t t0, t1;

	if (buf == MAP_FAILED)
		die("mmap buffer");
	if (madvise(space, ART_SPACE, MADV_NOHUGEPAGE) || madvise(buf, PAGE, MADV_NOHUGEPAGE))
		die("madvise");
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	if (m == ART_COPY)
		memset(buf, 0, PAGE);	/* populated before the clock starts */

	t0 = now_ns();
	for (size_t i = 0; i < ART_SPACE / PAGE; i++) {
		uint64_t *w = (uint64_t *)buf;
		uintptr_t dst = (uintptr_t)(space + i * PAGE);

		for (size_t j = 0; j < PAGE / sizeof(*w); j++)
			w[j] = art_word(i, j);
		if (m == ART_MOVE) {
			struct uffdio_move mv = { .dst = dst, .src = (uintptr_t)buf, .len = PAGE, .mode = 0 };

			if (ioctl(uffd, UFFDIO_MOVE, &mv) || mv.move != (int64_t)PAGE)
				die("UFFDIO_MOVE (art)");
		} else {
			struct uffdio_copy cp = { .dst = dst, .src = (uintptr_t)buf, .len = PAGE, .mode = 0 };

			if (ioctl(uffd, UFFDIO_COPY, &cp) || cp.copy != (int64_t)PAGE)
				die("UFFDIO_COPY (art)");
		}
	}
	t1 = now_ns();

	for (size_t i = 0; i < ART_SPACE / PAGE; i++) {
		const uint64_t *w = (const uint64_t *)(space + i * PAGE);

		for (size_t j = 0; j < PAGE / sizeof(*w); j++)
			if (w[j] != art_word(i, j)) {
				fprintf(stderr, "uffd-move-bench: %s: wrong data at to-space page %zu word %zu\n",
					mname[m], i, j);
				exit(1);
			}
	}
	munmap(space, ART_SPACE + HPAGE);
	munmap(buf, PAGE);
	return t1 - t0;
}

/* The ART hot path, MOVE and COPY repetitions alternating: two rows. */
static void run_art(int quick)
{
	struct point mv = { ART_MOVE, 0, ART_SPACE, PAGE, 1 }, cp = { ART_COPY, 0, ART_SPACE, PAGE, 1 };
	uint64_t ns_mv[MAX_REPS], ns_cp[MAX_REPS];
	int reps = reps_override ? reps_override : quick ? 3 : 5;

	if (!have_move)
		printf("# skip art-move 4k size %zu: kernel lacks UFFDIO_MOVE\n", mv.size);
	for (int i = 0; i < reps; i++) {
		if (have_move)
			ns_mv[i] = art_rep(ART_MOVE);
		ns_cp[i] = art_rep(ART_COPY);
	}
	if (have_move)
		print_row(&mv, median_u64(ns_mv, reps));
	print_row(&cp, median_u64(ns_cp, reps));
}

static void run_point(const struct point *pt, int quick)
{
	uint64_t ns[MAX_REPS];
	int reps = reps_override ? reps_override : quick ? 3 : pt->size <= 16 * MiB ? 5 : 3;

	if (pt->method == MOVE && !have_move) {
		printf("# skip move %s size %zu: kernel lacks UFFDIO_MOVE\n", pt->thp ? "thp" : "4k", pt->size);
		return;
	}
	for (int i = 0; i < reps; i++)
		ns[i] = one_rep(pt, i == 0);
	print_row(pt, median_u64(ns, reps));
}

/* --cases LIST: comma-separated "matrix" and "art"; 0 if LIST is invalid. */
static int parse_cases(const char *list)
{
	char tmp[64], *save = NULL;
	int cases = 0;

	if (strlen(list) >= sizeof(tmp))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", list);
	for (char *w = strtok_r(tmp, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "matrix"))
			cases |= CASE_MATRIX;
		else if (!strcmp(w, "art"))
			cases |= CASE_ART;
		else
			return 0;
	}
	return cases;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: uffd-move-bench [--quick] [--reps N] [--kernel NAME] [--cases LIST]\n"
		"Time UFFDIO_MOVE, UFFDIO_COPY+MADV_DONTNEED and mremap on populated anon\n"
		"regions of 4 KiB pages and THPs, and the ART GC's hot path (per page: write\n"
		"a compaction-buffer page, MOVE or COPY it into a uffd to-space); print CSV\n"
		"kernel,method,pages,size,request,threads,median_ns,per_page_ns,throughput_MiBps\n\n"
		"  -q, --quick        small matrix (sizes up to 16 MiB, 3 repetitions)\n"
		"  -r, --reps N       repetitions per point, 1..%d (default 5, 3 above 16 MiB)\n"
		"  -k, --kernel NAME  kernel column (default: uname -r)\n"
		"  -c, --cases LIST   what to run, comma-separated: matrix (the size and\n"
		"                     request sweeps), art (the ART hot path, 16 MiB\n"
		"                     to-space); default matrix,art\n"
		"  -h, --help         show this help\n", MAX_REPS);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "cases", required_argument, NULL, 'c' },
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
	int c, quick = 0, cases = CASE_MATRIX | CASE_ART;
	pthread_t helper;

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s", u.release);
	while ((c = getopt_long(argc, argv, "qr:k:c:h", lopts, NULL)) != -1) {
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
		case 'c':
			cases = parse_cases(optarg);
			if (!cases) {
				fprintf(stderr, "uffd-move-bench: invalid --cases '%s': matrix, art or matrix,art\n",
					optarg);
				return 2;
			}
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

	printf("# uffd-move-bench on %s, %s matrix, cases%s%s, UFFDIO_MOVE %s\n", kernel,
	       quick ? "quick" : "default", cases & CASE_MATRIX ? " matrix" : "", cases & CASE_ART ? " art" : "",
	       have_move ? "available" : "MISSING");
	printf("kernel,method,pages,size,request,threads,median_ns,per_page_ns,throughput_MiBps\n");

	/* size sweep: request min(size, 2 MiB), 1 thread, every method */
	for (int thp = 0; thp <= 1 && (cases & CASE_MATRIX); thp++) {
		const size_t *sz = thp ? (quick ? quick_thp : sizes_thp) : (quick ? quick_4k : sizes_4k);
		size_t nsz = thp ? (quick ? 2 : 4) : (quick ? 3 : 6);

		for (size_t i = 0; i < nsz; i++)
			for (int m = MOVE; m <= MREMAP_PTE; m++) {
				struct point pt = { (enum method)m, thp, sz[i], sz[i] < 2 * MiB ? sz[i] : 2 * MiB, 1 };

				if (m >= MREMAP_PMD)
					pt.request = sz[i];
				run_point(&pt, quick);
			}
	}
	/* request sweep: fixed region, move and copy, 1 and 2 threads */
	for (int thp = 0; thp <= 1 && (cases & CASE_MATRIX); thp++)
		for (int threads = 1; threads <= 2; threads++)
			for (size_t i = 0; i < (quick ? 3 : 6); i++)
				for (int m = MOVE; m <= COPY; m++) {
					struct point pt = { (enum method)m, thp, quick ? 16 * MiB : 64 * MiB,
							    quick ? quick_reqs[i] : reqs[i], threads };

					if (threads == 1 && pt.request == 2 * MiB)
						continue;	/* already in the size sweep */
					run_point(&pt, quick);
				}
	/* ART hot path: 1-page MOVE from a buffer against 1-page COPY */
	if (cases & CASE_ART)
		run_art(quick);
	helper_exit = 1;
	pthread_barrier_wait(&bar_start);
	pthread_join(helper, NULL);
	printf("# done\n");
	return 0;
}
