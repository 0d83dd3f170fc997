// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-process-bench: what UFFDIO_MOVE does to the rest of the process.
 *
 * A collector thread (CPU 0) moves a region of 4 KiB pages back and forth
 * with UFFDIO_MOVE, in fixed-size requests, while victim threads (CPU 1)
 * do what the rest of a managed runtime does:
 *
 *   mmap      mmap() 64 KiB, touch a page, munmap()   (mmap_lock for write)
 *   mprotect  flip a 64 KiB region RW <-> R           (mmap_lock for write)
 *   fault     MADV_DONTNEED a page, fault it again    (mmap_lock for read)
 *
 * Scenarios: the mover alone; each victim alone and beside the mover; all
 * victims together (sharing CPU 1) alone and beside the mover.  Each runs
 * for a fixed time; threads start together on a barrier and stop on a flag.
 * Per victim operation: count, p50, p99 and max latency; per scenario: the
 * mover's throughput.
 *
 * Output: TAP, one result per scenario, with CSV rows as "# " comments:
 *   kernel,scenario,thread,mover,ops,p50_us,p99_us,max_us,move_MiBps
 * where thread is "move" for the mover row (ops = MOVE calls).
 *
 * Usage: uffd-process-bench [-t seconds] [-m MiB] [-r request_KiB]
 *                           [-k kernel_label]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/userfaultfd.h>

#define VICTIM_LEN	(64UL << 10)
#define FAULT_PAGES	1024UL
#define MAX_SAMPLES	(4UL << 20)

enum { V_MMAP, V_MPROTECT, V_FAULT, NR_VICTIMS };
static const char *const victim_name[NR_VICTIMS] = { "mmap", "mprotect", "fault" };

static size_t ps, region_len, req_len;
static double secs = 3;
static const char *kernel = "unknown";
static int uffd;
static char *reg_a, *reg_b;

static pthread_barrier_t start_bar;
static volatile int stop;

struct victim {
	int kind;
	pthread_t thr;
	uint32_t *lat_ns;	/* samples */
	size_t n;
};

static struct victim victims[NR_VICTIMS];

struct mover {
	pthread_t thr;
	uint64_t bytes, calls;
	double elapsed;
};

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Where the mover is: the pages are moving from A to B (dir 0) or back,
 * and the first @pos bytes of this pass have moved.  Kept across
 * scenarios, so that each starts where the last one stopped.
 */
static int pass_dir;
static size_t pass_pos;

/* One request at the current position; returns the bytes moved. */
static uint64_t move_one(void)
{
	char *src = pass_dir ? reg_b : reg_a, *dst = pass_dir ? reg_a : reg_b;
	struct uffdio_move m = {
		.dst = (uintptr_t)dst + pass_pos,
		.src = (uintptr_t)src + pass_pos,
		.len = region_len - pass_pos < req_len ?
		       region_len - pass_pos : req_len,
	};
	uint64_t done = m.len;

	if (ioctl(uffd, UFFDIO_MOVE, &m)) {
		/* A short move (a writer changed the VMAs) or a pending event. */
		if (errno != EAGAIN)
			die("UFFDIO_MOVE");
		done = m.move > 0 ? m.move : 0;
	}
	pass_pos += done;
	if (pass_pos == region_len) {
		pass_pos = 0;
		pass_dir = !pass_dir;
	}
	return done;
}

static void *mover_fn(void *arg)
{
	struct mover *mv = arg;
	uint64_t t0;

	pin_cpu(0);
	pthread_barrier_wait(&start_bar);
	t0 = now_ns();
	while (!stop) {
		mv->bytes += move_one();
		mv->calls++;
	}
	mv->elapsed = (now_ns() - t0) / 1e9;
	return NULL;
}

/* Time the operation; samples beyond MAX_SAMPLES are not kept. */
static void sample(struct victim *v, uint64_t t0)
{
	uint64_t d = now_ns() - t0;

	if (v->n < MAX_SAMPLES)
		v->lat_ns[v->n++] = d > UINT32_MAX ? UINT32_MAX : d;
}

static void *victim_fn(void *arg)
{
	struct victim *v = arg;
	char *own = NULL;
	size_t i = 0;
	uint64_t t0;

	pin_cpu(1);
	if (v->kind != V_MMAP) {
		size_t len = v->kind == V_FAULT ? FAULT_PAGES * ps : VICTIM_LEN;

		own = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (own == MAP_FAILED)
			die("mmap victim region");
		madvise(own, len, MADV_NOHUGEPAGE);
		memset(own, 1, len);
	}
	pthread_barrier_wait(&start_bar);
	while (!stop) {
		switch (v->kind) {
		case V_MMAP: {
			char *p;

			t0 = now_ns();
			p = mmap(NULL, VICTIM_LEN, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				die("mmap");
			p[0] = 1;
			munmap(p, VICTIM_LEN);
			sample(v, t0);
			break;
		}
		case V_MPROTECT:
			t0 = now_ns();
			if (mprotect(own, VICTIM_LEN,
				     i++ & 1 ? PROT_READ | PROT_WRITE : PROT_READ))
				die("mprotect");
			sample(v, t0);
			break;
		case V_FAULT: {
			char *p = own + (i++ % FAULT_PAGES) * ps;

			madvise(p, ps, MADV_DONTNEED);
			t0 = now_ns();
			*(volatile char *)p = 1;
			sample(v, t0);
			break;
		}
		}
	}
	if (own)
		munmap(own, v->kind == V_FAULT ? FAULT_PAGES * ps : VICTIM_LEN);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(struct victim *v, double q)
{
	size_t k = (size_t)(q * (v->n - 1));

	return v->n ? v->lat_ns[k] / 1e3 : 0;
}

/* One scenario: the victims in @mask, and the mover if @with_mover. */
static void run(const char *scenario, unsigned int mask, bool with_mover)
{
	struct mover mv = { 0 };
	int k, nthr = with_mover;

	for (k = 0; k < NR_VICTIMS; k++)
		if (mask & (1u << k))
			nthr++;
	pthread_barrier_init(&start_bar, NULL, nthr + 1);
	stop = 0;
	if (with_mover && pthread_create(&mv.thr, NULL, mover_fn, &mv))
		die("pthread_create");
	for (k = 0; k < NR_VICTIMS; k++) {
		if (!(mask & (1u << k)))
			continue;
		victims[k].kind = k;
		victims[k].n = 0;
		if (pthread_create(&victims[k].thr, NULL, victim_fn, &victims[k]))
			die("pthread_create");
	}
	pthread_barrier_wait(&start_bar);
	usleep((useconds_t)(secs * 1e6));	/* the measured period */
	stop = 1;
	if (with_mover)
		pthread_join(mv.thr, NULL);
	for (k = 0; k < NR_VICTIMS; k++)
		if (mask & (1u << k))
			pthread_join(victims[k].thr, NULL);
	pthread_barrier_destroy(&start_bar);

	for (k = 0; k < NR_VICTIMS; k++) {
		struct victim *v = &victims[k];

		if (!(mask & (1u << k)))
			continue;
		qsort(v->lat_ns, v->n, sizeof(*v->lat_ns), cmp_u32);
		printf("# %s,%s,%s,%d,%zu,%.1f,%.1f,%.1f,\n", kernel, scenario,
		       victim_name[k], with_mover, v->n, pct_us(v, 0.5),
		       pct_us(v, 0.99), pct_us(v, 1.0));
	}
	if (with_mover)
		printf("# %s,%s,move,1,%llu,,,,%.1f\n", kernel, scenario,
		       (unsigned long long)mv.calls,
		       mv.elapsed > 0 ? mv.bytes / 1048576.0 / mv.elapsed : 0);
}

static void setup(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api))
		die("UFFDIO_API with UFFD_FEATURE_MOVE");
	reg_a = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg_b = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (reg_a == MAP_FAILED || reg_b == MAP_FAILED)
		die("mmap regions");
	madvise(reg_a, region_len, MADV_NOHUGEPAGE);
	madvise(reg_b, region_len, MADV_NOHUGEPAGE);
	memset(reg_a, 0x5a, region_len);
	reg.range.start = (uintptr_t)reg_a;
	reg.range.len = region_len;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	reg.range.start = (uintptr_t)reg_b;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned int mask;
	} scen[] = {
		{ "mmap", 1u << V_MMAP },
		{ "mprotect", 1u << V_MPROTECT },
		{ "fault", 1u << V_FAULT },
		{ "all", (1u << NR_VICTIMS) - 1 },
	};
	size_t mib = 64, req_kib = 2048;
	struct utsname u;
	unsigned int i;
	int opt, k;

	while ((opt = getopt(argc, argv, "t:m:r:k:")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'm': mib = strtoul(optarg, NULL, 0); break;
		case 'r': req_kib = strtoul(optarg, NULL, 0); break;
		case 'k': kernel = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-t s] [-m MiB] [-r KiB] [-k label]\n",
				argv[0]);
			return 2;
		}
	}
	if (!strcmp(kernel, "unknown") && !uname(&u))
		kernel = strdup(u.release);
	ps = sysconf(_SC_PAGESIZE);
	region_len = mib << 20;
	req_len = req_kib << 10;
	for (k = 0; k < NR_VICTIMS; k++) {
		victims[k].lat_ns = malloc(MAX_SAMPLES * sizeof(uint32_t));
		if (!victims[k].lat_ns)
			die("malloc");
		memset(victims[k].lat_ns, 0, MAX_SAMPLES * sizeof(uint32_t));
	}
	setup();
	printf("TAP version 13\n1..%zu\n", 1 + 2 * (sizeof(scen) / sizeof(scen[0])));
	printf("# %zu MiB of 4 KiB pages moved in %zu KiB requests, %.1f s per scenario, %ld cpus\n",
	       mib, req_kib, secs, sysconf(_SC_NPROCESSORS_ONLN));
	printf("# kernel,scenario,thread,mover,ops,p50_us,p99_us,max_us,move_MiBps\n");
	i = 0;
	run("alone", 0, true);
	printf("ok %u mover alone\n", ++i);
	for (k = 0; k < (int)(sizeof(scen) / sizeof(scen[0])); k++) {
		run(scen[k].name, scen[k].mask, false);
		printf("ok %u %s alone\n", ++i, scen[k].name);
		run(scen[k].name, scen[k].mask, true);
		printf("ok %u %s beside the mover\n", ++i, scen[k].name);
	}
	return 0;
}
