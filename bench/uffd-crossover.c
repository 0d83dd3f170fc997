// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-crossover: at which run length does UFFDIO_MOVE beat
 * UFFDIO_COPY + MADV_DONTNEED, with 0, 1 or 2 other threads of the process
 * running on other CPUs?
 *
 * A compacting GC moves a live run of N contiguous pages with one ioctl.
 * MOVE pays per call and a TLB flush of the source range per call (on x86
 * one INVLPG per page up to 33 pages, a full flush above), plus, on
 * hardware, a shootdown IPI to every CPU that runs a thread of the process.
 * COPY pays a new page and a 4 KiB memcpy per page, and the source must
 * still be freed with MADV_DONTNEED.  For each run length (1, 2, 4, ... 512
 * pages of 4 KiB, MADV_NOHUGEPAGE) a populated region of --pages pages is
 * filled run by run into a uffd-registered (MISSING) destination; only that
 * is timed, with the source's MADV_DONTNEED:
 *   move       UFFDIO_MOVE per run;
 *   copy       UFFDIO_COPY per run, one MADV_DONTNEED of the whole source at
 *              the end (what a GC does: from-space is freed at once);
 *   copy-each  UFFDIO_COPY plus MADV_DONTNEED of that run, per run.
 *
 * Other threads: "others" threads spin writing their own 64 KiB buffer for
 * the whole point, so their CPUs are in the process's mm_cpumask: those are
 * the TLBs MOVE must shoot down.  The timing thread is pinned to CPU 0 and
 * other thread i to CPU 1 + i % (ncpus - 1).  With 2 CPUs, 2 other threads
 * therefore share CPU 1 (the IPI goes to one CPU, as with 1 thread; what
 * changes is that they take turns); the output says so.  With one CPU they
 * all share it.
 *
 * Every point is repeated (--reps, default 3), move and copy interleaved,
 * and the median printed.  The data is checked at the destination.
 *
 * Output: CSV lines prefixed "xover,":
 *   xover,kernel,method,run_pages,others,cpus_others,median_ns,per_page_ns,
 *         cpu_median_ns,cpu_per_page_ns
 * cpus_others: how many distinct CPUs the other threads ran on.  median_ns
 * is wall time (CLOCK_MONOTONIC); cpu_median_ns the timing thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), which leaves out the time it waited for a CPU
 * on a shared host but keeps the time it spun waiting for IPIs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

#define PAGE		4096UL
#define MAX_OTHERS	2
#define MAX_REPS	101
#define SPIN_BUF	(64UL << 10)

enum method { MOVE, COPY, COPY_EACH, NMETHODS };
static const char *const mname[NMETHODS] = { "move", "copy", "copy-each" };

static int uffd, ncpus;
static char kernel[128];
static atomic_int stop_others, others_up;

static void die(const char *what)
{
	fprintf(stderr, "uffd-crossover: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CPU time of this thread: excludes time it waited for a CPU (the host
 * is shared), includes time spent waiting for TLB-flush IPIs to complete. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % ncpus, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

static int other_cpu(int i)
{
	return ncpus > 1 ? 1 + i % (ncpus - 1) : 0;
}

static void *other_main(void *arg)
{
	int i = (int)(intptr_t)arg;
	volatile uint64_t *buf = malloc(SPIN_BUF);
	uint64_t v = 0;

	if (!buf)
		die("malloc");
	pin(other_cpu(i));
	atomic_fetch_add(&others_up, 1);
	while (!atomic_load_explicit(&stop_others, memory_order_relaxed))
		for (size_t k = 0; k < SPIN_BUF / sizeof(*buf); k += 8)
			buf[k] = v++;
	free((void *)buf);
	return NULL;
}

/* One repetition: populate, time the run-by-run fill, check, tear down. */
static uint64_t one_rep(enum method m, size_t npages, size_t run, uint64_t *cpu)
{
	size_t len = npages * PAGE;
	char *src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_register reg = { .range = { (uintptr_t)dst, len }, .mode = UFFDIO_REGISTER_MODE_MISSING };
	uint64_t t0, t1, c0, c1;

	if (src == MAP_FAILED || dst == MAP_FAILED)
		die("mmap");
	if (madvise(src, len, MADV_NOHUGEPAGE) || madvise(dst, len, MADV_NOHUGEPAGE))
		die("madvise");
	for (size_t p = 0; p < npages; p++)
		memset(src + p * PAGE, (int)(p % 251) + 1, PAGE);
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");

	t0 = now_ns();
	c0 = cpu_ns();
	for (size_t off = 0; off < len; off += run * PAGE) {
		size_t n = run * PAGE < len - off ? run * PAGE : len - off;

		if (m == MOVE) {
			struct uffdio_move mv = { .dst = (uintptr_t)(dst + off), .src = (uintptr_t)(src + off), .len = n };

			if (ioctl(uffd, UFFDIO_MOVE, &mv) || mv.move != (int64_t)n)
				die("UFFDIO_MOVE");
		} else {
			struct uffdio_copy cp = { .dst = (uintptr_t)(dst + off), .src = (uintptr_t)(src + off), .len = n };

			if (ioctl(uffd, UFFDIO_COPY, &cp) || cp.copy != (int64_t)n)
				die("UFFDIO_COPY");
			if (m == COPY_EACH && madvise(src + off, n, MADV_DONTNEED))
				die("MADV_DONTNEED");
		}
	}
	if (m == COPY && madvise(src, len, MADV_DONTNEED))
		die("MADV_DONTNEED");
	c1 = cpu_ns();
	t1 = now_ns();
	*cpu = c1 - c0;

	for (size_t p = 0; p < npages; p++)
		if (dst[p * PAGE] != (char)(p % 251 + 1) || dst[p * PAGE + PAGE - 1] != (char)(p % 251 + 1)) {
			fprintf(stderr, "uffd-crossover: %s run %zu: wrong data at destination page %zu\n", mname[m], run, p);
			exit(1);
		}
	munmap(src, len);
	munmap(dst, len);
	return t1 - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: uffd-crossover [--pages N] [--reps N] [--max-run N] [--kernel NAME]\n"
		"UFFDIO_MOVE vs UFFDIO_COPY+MADV_DONTNEED by run length (pages per ioctl),\n"
		"with 0, 1 and 2 other threads running on other CPUs.\n\n"
		"  -p, --pages N      region moved per repetition, in 4 KiB pages (default 1024)\n"
		"  -r, --reps N       repetitions per point, 1..%d (default 3, median)\n"
		"  -M, --max-run N    longest run, a power of 2 <= pages (default 512)\n"
		"  -k, --kernel NAME  kernel column (default: uname -r)\n"
		"  -h, --help         show this help\n", MAX_REPS);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "reps", required_argument, NULL, 'r' },
		{ "max-run", required_argument, NULL, 'M' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	size_t npages = 1024, max_run = 512;
	int reps = 3, c;
	struct utsname u;

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s", u.release);
	while ((c = getopt_long(argc, argv, "p:r:M:k:h", lopts, NULL)) != -1) {
		char *end;
		long v = 0;

		if (c == 'p' || c == 'r' || c == 'M') {
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > (1L << 20) || (c == 'r' && v > MAX_REPS) ||
			    (c == 'M' && (v & (v - 1)))) {
				fprintf(stderr, "uffd-crossover: invalid value '%s'\n", optarg);
				usage(stderr);
				return 2;
			}
		}
		switch (c) {
		case 'p': npages = (size_t)v; break;
		case 'r': reps = (int)v; break;
		case 'M': max_run = (size_t)v; break;
		case 'k':
			if (!*optarg || strchr(optarg, ',') || strlen(optarg) >= sizeof(kernel)) {
				fprintf(stderr, "uffd-crossover: invalid --kernel '%s'\n", optarg);
				return 2;
			}
			snprintf(kernel, sizeof(kernel), "%s", optarg);
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || max_run > npages) {
		usage(stderr);
		return 2;
	}

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (uffd < 0)
		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api) || !(api.features & UFFD_FEATURE_MOVE)) {
		printf("# uffd-crossover: kernel %s lacks UFFDIO_MOVE\n", kernel);
		return 4;
	}
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 1)
		ncpus = 1;
	pin(0);
	printf("# uffd-crossover on %s: %d CPUs, %zu pages per repetition, %d reps (median)\n",
	       kernel, ncpus, npages, reps);
	if (ncpus < 1 + MAX_OTHERS)
		printf("# only %d CPUs: mover on CPU 0, the other threads share CPU%s %s\n",
		       ncpus, ncpus > 2 ? "s" : "", ncpus > 1 ? "1.." : "0");
	printf("xover,kernel,method,run_pages,others,cpus_others,median_ns,per_page_ns,cpu_median_ns,cpu_per_page_ns\n");

	for (int others = 0; others <= MAX_OTHERS; others++) {
		pthread_t th[MAX_OTHERS];
		int cpus_others = others < ncpus - 1 ? others : (ncpus > 1 ? ncpus - 1 : 1);

		atomic_store(&stop_others, 0);
		atomic_store(&others_up, 0);
		for (int i = 0; i < others; i++)
			if (pthread_create(&th[i], NULL, other_main, (void *)(intptr_t)i))
				die("pthread_create");
		while (atomic_load(&others_up) < others)	/* each is pinned and running */
			sched_yield();
		for (size_t run = 1; run <= max_run; run *= 2) {
			uint64_t ns[NMETHODS][MAX_REPS], cpu[NMETHODS][MAX_REPS];

			for (int i = 0; i < reps; i++)
				for (int m = 0; m < NMETHODS; m++)
					ns[m][i] = one_rep((enum method)m, npages, run, &cpu[m][i]);
			for (int m = 0; m < NMETHODS; m++) {
				uint64_t med = median(ns[m], reps), cmed = median(cpu[m], reps);

				printf("xover,%s,%s,%zu,%d,%d,%" PRIu64 ",%.1f,%" PRIu64 ",%.1f\n", kernel, mname[m], run,
				       others, others ? cpus_others : 0, med, (double)med / (double)npages,
				       cmed, (double)cmed / (double)npages);
			}
		}
		atomic_store(&stop_others, 1);
		for (int i = 0; i < others; i++)
			pthread_join(th[i], NULL);
	}
	printf("# done\n");
	return 0;
}
