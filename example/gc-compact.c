// SPDX-License-Identifier: GPL-2.0
/*
 * gc-compact: a small concurrent heap compactor built on userfaultfd, the way
 * a moving garbage collector (e.g. Android ART's concurrent mark-compact)
 * uses it.
 *
 *  1. Allocation: a from-space heap of 128-byte objects, 32 per 4 KiB page.
 *     Objects die in clusters (runs of dead pages), as they do in real heaps.
 *  2. Mark: a side mark bitmap says which objects are live; the mark phase
 *     turns it into live pages (pages with at least one live object), a
 *     forwarding table (from-space page -> dense to-space page, in order)
 *     and runs of contiguous live pages.
 *  3. Compaction: to-space is a fresh anonymous mapping registered with
 *     userfaultfd (MISSING).  Mutator threads keep reading and writing their
 *     objects through to-space addresses from the first instant (they hold
 *     the forwarding table, as a read barrier would).  A collector thread
 *     walks the runs in address order and fills to-space with UFFDIO_MOVE
 *     (or UFFDIO_COPY for the baseline); a handler thread resolves every
 *     to-space fault at once by moving (copying) just that page.
 *  4. Release: from-space is unmapped.  With COPY its pages are still
 *     populated, so it is MADV_DONTNEED'd first and the live set existed
 *     twice until then; with MOVE it is already empty.
 *  5. Verification: every live object is checked in to-space against the
 *     version its owning mutator last wrote.
 *
 * Races between the collector and the fault handler (both may try to fill
 * the same to-space page):
 *  - The loser of a race on a page sees -EEXIST (the destination is already
 *    populated): the handler wakes the faulting range and carries on, the
 *    collector skips that page and carries on.
 *  - UFFDIO_MOVE checks the destination and then the source under separate
 *    page-table locks.  The other thread can complete the move of the same
 *    page between the two checks; the source is then a hole while the
 *    destination is populated.  Without UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES this
 *    is -ENOENT, indistinguishable from a bug (a live page never populated),
 *    and the collector's batch would stop there.  Both sides therefore pass
 *    ALLOW_SRC_HOLES: the hole is skipped, and the page is where it belongs.
 *    (COPY has no such race: its source stays populated.)
 *  - Fault messages can be stale: a fault resolved by the collector may
 *    still sit in the uffd queue.  Handling it gives -EEXIST (wake, no
 *    harm), but only while from-space is mapped, so the handler is stopped
 *    before from-space is released.
 *  - The collector moves with DONTWAKE and issues one UFFDIO_WAKE per batch,
 *    instead of one wake per partial ioctl when a batch is split by -EEXIST.
 *
 * With --mixed, the collector fills live runs shorter than the crossover
 * (--crossover, in pages) with UFFDIO_COPY and longer ones with UFFDIO_MOVE,
 * on the same uffd and the same to-space; the handler copies the one page
 * that faulted (a run of one page).  A run the collector moves may then
 * meet a page the handler copied: -EEXIST, skipped, and its source page is
 * freed with the rest of from-space (MADV_DONTNEED).  The default crossover is what
 * bench/uffd-crossover measured natively (make bench-host): below it a MOVE
 * call costs more per page than COPY plus a share of the final
 * MADV_DONTNEED, because it flushes the source range from the TLB per call
 * (page by page up to 33 pages on x86) and shoots it down on every CPU
 * running a thread of the process.
 *
 * An allocator thread (--allocator on) mmaps, touches and munmaps 64 KiB in
 * a loop while the collector runs, pinned to the last CPU: munmap takes
 * mmap_lock for write, so its latency shows how long the collector's
 * ioctls hold the lock for read.  It also runs alone first, as the
 * baseline.
 *
 * Mutator stall time is measured in the mutator around each access with
 * CLOCK_MONOTONIC.  An access counts as a fault when the handler resolved a
 * fault for that thread meanwhile (UFFD_FEATURE_THREAD_ID tells it which).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define PAGE		4096UL
#define HPAGE		(2UL << 20)
#define PAGES_PER_HPAGE	(HPAGE / PAGE)
#define OBJ_SIZE	128
#define OBJS_PER_PAGE	((unsigned)(PAGE / OBJ_SIZE))
#define NPAYLOAD	13
/* --mixed: runs of at least this many pages use MOVE, shorter ones COPY;
 * the default by the number of mutators (0, 1, 2 or more other threads
 * running).  Measured natively by bench/uffd-crossover (make bench-host,
 * mover's CPU time, medians of 3) on the build host, Linux 6.18 in a 2-CPU
 * VM, at load average 2.7: 2, 16 and 16 pages.  Under load 5-8 the same
 * host gave 64 for all three; see example/README.md. */
static const unsigned crossover_native[3] = { 2, 16, 16 };
#define CROSSOVER_DEFAULT 0	/* from crossover_native[] */
#define ALLOC_LEN	(64UL << 10)
#define ALLOC_BASELINE_OPS 2000
#define ALLOC_MAX_SAMPLES (1U << 20)
#define MAX_MUTATORS	64
#define MAX_RETRIES	100000
#define MAX_REPEAT	9

struct obj {
	uint64_t id;
	uint64_t version;
	uint64_t payload[NPAYLOAD];
	uint64_t check;
};
_Static_assert(sizeof(struct obj) == OBJ_SIZE, "object size");

enum method { M_MOVE, M_COPY, M_MIXED, M_NR };
static const char *const method_name[M_NR] = { "move", "copy", "mixed" };

static struct {
	size_t heap;
	double live;
	int mutators;
	int thp;
	unsigned methods;	/* bitmask of 1 << enum method */
	uint64_t seed;
	unsigned batch;
	unsigned crossover;
	double mean_run;
	int allocator;
	int pin;
	int repeat;
} opt = { 64UL << 20, 0.25, 2, 0, (1 << M_MOVE) | (1 << M_COPY), 1, 512, CROSSOVER_DEFAULT, 8.0, 1, 1, 1 };

/* ---- heap model, shared by every run ---------------------------------- */

static size_t npages, nobjs, nlive_pages, nlive_objs, nruns;
static uint8_t *obj_live;	/* mark bitmap (one byte per object) */
static uint8_t *page_nlive;	/* live objects per from-space page */
static uint32_t *fwd;		/* from page -> to page, UINT32_MAX if dead */
static uint32_t *to_src;	/* to page -> from page */
static uint32_t *to_run;	/* to page -> length of its live run, in pages */
static uint32_t *thp_live;	/* 2 MiB block of from-space -> its live pages */
static uint32_t *live_ids;	/* all live object ids */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / (double)(1ULL << 53);
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t s = a * 0x9e3779b97f4a7c15ULL ^ b;

	return rng_next(&s);
}

static uint64_t obj_checksum(const struct obj *o)
{
	uint64_t c = mix(o->id, o->version);

	for (int i = 0; i < NPAYLOAD; i++)
		c = mix(c, o->payload[i]);
	return c;
}

static void obj_write(struct obj *o, uint64_t id, uint64_t version)
{
	o->id = id;
	o->version = version;
	for (int i = 0; i < NPAYLOAD; i++)
		o->payload[i] = mix(id * NPAYLOAD + (uint64_t)i, version);
	o->check = obj_checksum(o);
}

/* 0 if the object holds (id, version) intact; else a short reason. */
static const char *obj_bad(const struct obj *o, uint64_t id, uint64_t version)
{
	if (o->id != id)
		return "wrong id";
	if (o->version != version)
		return "wrong version (a mutator write was lost or torn)";
	for (int i = 0; i < NPAYLOAD; i++)
		if (o->payload[i] != mix(id * NPAYLOAD + (uint64_t)i, version))
			return "payload pattern mismatch";
	if (o->check != obj_checksum(o))
		return "checksum mismatch";
	return NULL;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("gc-compact: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Liveness: live and dead runs of pages with geometric lengths (mean live
 * run --mean-run pages, default 8), so that a fraction opt.live of the
 * pages is live; a live page has a random density of live objects (at
 * least one). */
static void allocate_and_die(void)
{
	uint64_t s = opt.seed;
	double mean_live = opt.mean_run, mean_dead = opt.live >= 1.0 ? 0 : mean_live * (1 - opt.live) / opt.live;
	int live = rng_unit(&s) < opt.live;

	npages = opt.heap / PAGE;
	nobjs = npages * OBJS_PER_PAGE;
	obj_live = calloc(nobjs, 1);
	page_nlive = calloc(npages, 1);
	fwd = malloc(npages * sizeof(*fwd));
	to_src = malloc(npages * sizeof(*to_src));
	to_run = malloc(npages * sizeof(*to_run));
	thp_live = calloc(npages / PAGES_PER_HPAGE + 1, sizeof(*thp_live));
	live_ids = malloc(nobjs * sizeof(*live_ids));
	if (!obj_live || !page_nlive || !fwd || !to_src || !to_run || !thp_live || !live_ids)
		die("out of memory");
	for (size_t p = 0; p < npages; p++) {
		double mean = live ? mean_live : mean_dead;

		if (live) {
			double density = rng_unit(&s);
			unsigned first = (unsigned)(rng_next(&s) % OBJS_PER_PAGE);

			for (unsigned i = 0; i < OBJS_PER_PAGE; i++)
				if (i == first || rng_unit(&s) < density)
					obj_live[p * OBJS_PER_PAGE + i] = 1;
		}
		if (mean <= 0 || rng_unit(&s) < 1.0 / mean)
			live = opt.live >= 1.0 ? 1 : !live;
	}
	if (!memchr(obj_live, 1, nobjs))	/* tiny heaps: keep one survivor */
		obj_live[(rng_next(&s) % npages) * OBJS_PER_PAGE] = 1;
}

/* The mark phase proper: live pages, forwarding table and runs. */
static void mark(void)
{
	nlive_pages = nlive_objs = nruns = 0;
	memset(thp_live, 0, (npages / PAGES_PER_HPAGE + 1) * sizeof(*thp_live));
	for (size_t p = 0; p < npages; p++) {
		unsigned n = 0;

		for (unsigned i = 0; i < OBJS_PER_PAGE; i++)
			if (obj_live[p * OBJS_PER_PAGE + i]) {
				live_ids[nlive_objs++] = (uint32_t)(p * OBJS_PER_PAGE + i);
				n++;
			}
		page_nlive[p] = (uint8_t)n;
		if (!n) {
			fwd[p] = UINT32_MAX;
			continue;
		}
		if (!p || fwd[p - 1] == UINT32_MAX)
			nruns++;
		fwd[p] = (uint32_t)nlive_pages;
		to_src[nlive_pages++] = (uint32_t)p;
		thp_live[p / PAGES_PER_HPAGE]++;
	}
	/* run length of every to-space page */
	for (size_t t = 0, start = 0; t < nlive_pages; t++) {
		if (t + 1 == nlive_pages || to_src[t + 1] != to_src[t] + 1) {
			for (size_t k = start; k <= t; k++)
				to_run[k] = (uint32_t)(t + 1 - start);
			start = t + 1;
		}
	}
}

/* ---- one compaction run --------------------------------------------- */

struct mutator {
	pthread_t th;
	int idx;
	_Atomic pid_t tid;
	uint64_t rng;
	uint32_t *ids;
	size_t nids;
	uint64_t *stall;
	size_t nstall, cap;
	uint64_t ops, writes;
	char err[256];
};

/* latencies of the allocator thread's mmap + touch + munmap */
struct lat {
	uint64_t *ns;
	size_t n, cap;
	uint64_t p50, p99, max;
};

struct run {
	enum method method;
	int uffd, evfd;
	char *from, *to;
	size_t from_len, to_len;
	uint64_t *expect;	/* version each live object must hold */
	pthread_barrier_t ready, start;
	atomic_int done;
	_Atomic unsigned fault_seq[MAX_MUTATORS][16];	/* one cache line each */
	struct mutator mut[MAX_MUTATORS];
	/* handler */
	pthread_t handler;
	uint64_t faults, h_moved, h_copied, h_eexist, h_retries;
	char herr[256];
	/* collector */
	pthread_t collector;
	uint64_t c_ioctls, c_wakes, c_eexist, c_retries, c_bytes_move, c_bytes_copy;
	uint64_t t_start, t_moved, cpu_ns;	/* cpu_ns: collector's CPU time */
	long rss_sample_max_kb;
	char cerr[256];
	/* allocator */
	pthread_t allocator;
	struct lat alloc;
	/* results */
	long rss_before_kb, vmrss_before_kb, hwm_kb, rss_after_kb;
	int hwm_ok;
	uint64_t t_release_ns;
	uint64_t stall_med, stall_p99, stall_max, nstalls, mut_ops, mut_writes;
	size_t bad_objs, missing_pages;
};

static long status_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int reset_hwm(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ok;

	if (fd < 0)
		return 0;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok;
}

/* The last CPU, where the allocator runs; -1 if there is only one. */
static int last_cpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 1 ? (int)n - 1 : -1;
}

/* Run the calling thread on CPUs first..last; best effort. */
static void pin_cpus(int first, int last)
{
	cpu_set_t set;

	if (first < 0 || first > last)
		return;
	CPU_ZERO(&set);
	for (int cpu = first; cpu <= last; cpu++)
		CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void allocator_pin(void)
{
	pin_cpus(last_cpu(), last_cpu());
}

/*
 * --pin on: the collector has CPU 0 to itself, as a runtime gives its GC
 * thread a CPU; the mutators and the fault handler share the others, as in
 * ART, where a mutator resolves its own fault.  Unpinned, on the 2-CPU
 * build host, the scheduler decided how far the collector got before the
 * mutators faulted: MOVE's total time on one heap spread over 33-164 ms
 * (90-1003 faults) in 9 repetitions of one process.
 */
static void collector_pin(void)
{
	if (opt.pin && last_cpu() > 0)
		pin_cpus(0, 0);
}

/* the mutators and the handler */
static void mutator_pin(void)
{
	if (opt.pin && last_cpu() > 0)
		pin_cpus(1, last_cpu());
}

/*
 * How the collector fills to_page: in --mixed, by the length of its run.  On
 * a THP heap a page of a from-space THP that is less than half live is
 * copied whatever its run: moving any of it splits the THP, which costs more
 * than copying the few live pages, and the whole THP goes at release with
 * one PMD zap.
 */
static enum method page_method(struct run *r, uint32_t to_page)
{
	if (r->method != M_MIXED)
		return r->method;
	if (opt.thp && thp_live[to_src[to_page] / PAGES_PER_HPAGE] < PAGES_PER_HPAGE / 2)
		return M_COPY;
	return to_run[to_page] >= opt.crossover ? M_MOVE : M_COPY;
}

/*
 * Fill [dst, dst+len) from [src, src+len) with UFFDIO_MOVE or UFFDIO_COPY.
 * A page that is already populated (-EEXIST: the other thread won the race)
 * is skipped.  Returns 0 or -errno.
 */
static int fill(struct run *r, enum method m, char *dst, char *src, size_t len, uint64_t mode,
		uint64_t *ioctls, uint64_t *eexist, uint64_t *retries)
{
	size_t done = 0;
	unsigned tries = 0;

	while (done < len) {
		int64_t res;
		int ret;

		if (m == M_MOVE) {
			struct uffdio_move mv = {
				.dst = (uintptr_t)(dst + done), .src = (uintptr_t)(src + done),
				.len = len - done,
				.mode = mode | UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES,
			};
			ret = ioctl(r->uffd, UFFDIO_MOVE, &mv);
			res = mv.move;
		} else {
			struct uffdio_copy cp = {
				.dst = (uintptr_t)(dst + done), .src = (uintptr_t)(src + done),
				.len = len - done,
				.mode = (mode & UFFDIO_MOVE_MODE_DONTWAKE) ? UFFDIO_COPY_MODE_DONTWAKE : 0,
			};
			ret = ioctl(r->uffd, UFFDIO_COPY, &cp);
			res = cp.copy;
		}
		(*ioctls)++;
		if (!ret)
			return 0;
		if (res > 0) {		/* partial: retry the rest, learn why */
			done += (size_t)res;
			continue;
		}
		if (errno == EEXIST) {
			(*eexist)++;
			done += PAGE;
			continue;
		}
		if ((errno == EAGAIN || errno == EBUSY) && ++tries < MAX_RETRIES) {
			(*retries)++;
			continue;
		}
		return -errno;
	}
	return 0;
}

static int wake(struct run *r, char *start, size_t len)
{
	struct uffdio_range rg = { .start = (uintptr_t)start, .len = len };

	return ioctl(r->uffd, UFFDIO_WAKE, &rg);
}

static void sample_rss(struct run *r)
{
	long v = status_kb("RssAnon");

	if (v > r->rss_sample_max_kb)
		r->rss_sample_max_kb = v;
}

static void *collector_main(void *arg)
{
	struct run *r = arg;
	size_t p = 0, next_sample = 0, step = nlive_pages / 16 + 1;

	collector_pin();
	pthread_barrier_wait(&r->ready);
	pthread_barrier_wait(&r->start);
	r->t_start = now_ns();
	r->cpu_ns = thread_cpu_ns();
	while (p < nlive_pages) {
		/* a batch: contiguous in from-space, same method, <= opt.batch pages */
		enum method m = page_method(r, (uint32_t)p);
		size_t n = 1;
		char *dst = r->to + p * PAGE, *src = r->from + (size_t)to_src[p] * PAGE;
		int err;

		while (p + n < nlive_pages && n < opt.batch &&
		       to_src[p + n] == to_src[p] + n && page_method(r, (uint32_t)(p + n)) == m)
			n++;
		err = fill(r, m, dst, src, n * PAGE, UFFDIO_MOVE_MODE_DONTWAKE,
			   &r->c_ioctls, &r->c_eexist, &r->c_retries);
		if (err) {
			snprintf(r->cerr, sizeof(r->cerr), "collector: UFFDIO_%s of to-space pages %zu-%zu (from-space page %u): %s",
				 m == M_MOVE ? "MOVE" : "COPY", p, p + n - 1, to_src[p], strerror(-err));
			break;
		}
		if (m == M_MOVE)
			r->c_bytes_move += n * PAGE;
		else
			r->c_bytes_copy += n * PAGE;
		if (wake(r, dst, n * PAGE)) {
			snprintf(r->cerr, sizeof(r->cerr), "collector: UFFDIO_WAKE: %s", strerror(errno));
			break;
		}
		r->c_wakes++;
		p += n;
		if (p >= next_sample) {
			sample_rss(r);
			next_sample = p + step;
		}
	}
	r->cpu_ns = thread_cpu_ns() - r->cpu_ns;
	r->t_moved = now_ns();
	atomic_store(&r->done, 1);
	return NULL;
}

static void *handler_main(void *arg)
{
	struct run *r = arg;
	struct uffd_msg msgs[16];

	mutator_pin();
	for (;;) {
		struct pollfd pfd[2] = { { r->uffd, POLLIN, 0 }, { r->evfd, POLLIN, 0 } };
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(r->herr, sizeof(r->herr), "handler: poll: %s", strerror(errno));
			return NULL;
		}
		if (pfd[1].revents)
			return NULL;
		n = read(r->uffd, msgs, sizeof(msgs));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(r->herr, sizeof(r->herr), "handler: read uffd: %s", strerror(errno));
			return NULL;
		}
		for (ssize_t i = 0; i < n / (ssize_t)sizeof(msgs[0]); i++) {
			struct uffd_msg *msg = &msgs[i];
			uintptr_t addr = msg->arg.pagefault.address & ~(PAGE - 1);
			uint32_t tp;
			enum method m;
			uint64_t ioctls = 0, eexist = 0;
			int err;

			if (msg->event != UFFD_EVENT_PAGEFAULT) {
				snprintf(r->herr, sizeof(r->herr), "handler: unexpected event %u", msg->event);
				return NULL;
			}
			r->faults++;
			tp = (uint32_t)((addr - (uintptr_t)r->to) / PAGE);
			/*
			 * As the collector fills the page's run: copying one
			 * page of a long run in --mixed would leave its source
			 * behind until release, and the collector's MOVE of the
			 * run is cut in two at the -EEXIST either way.
			 */
			m = page_method(r, tp);
			/* one page, woken by the ioctl itself */
			err = fill(r, m, (char *)addr, r->from + (size_t)to_src[tp] * PAGE, PAGE, 0,
				   &ioctls, &eexist, &r->h_retries);
			if (err) {
				snprintf(r->herr, sizeof(r->herr), "handler: UFFDIO_%s of to-space page %u (from-space page %u): %s",
					 m == M_MOVE ? "MOVE" : "COPY", tp, to_src[tp], strerror(-err));
				return NULL;
			}
			if (eexist) {
				/* the collector got there first: just wake the faulter */
				r->h_eexist++;
				if (wake(r, (char *)addr, PAGE)) {
					snprintf(r->herr, sizeof(r->herr), "handler: UFFDIO_WAKE: %s", strerror(errno));
					return NULL;
				}
			} else if (m == M_MOVE) {
				r->h_moved++;
			} else {
				r->h_copied++;
			}
			for (int j = 0; j < opt.mutators; j++)
				if (atomic_load(&r->mut[j].tid) == (pid_t)msg->arg.pagefault.feat.ptid)
					atomic_fetch_add(&r->fault_seq[j][0], 1);
		}
	}
}

static struct obj *obj_at(struct run *r, uint32_t id)
{
	return (struct obj *)(r->to + (size_t)fwd[id / OBJS_PER_PAGE] * PAGE) + id % OBJS_PER_PAGE;
}

static void *mutator_main(void *arg)
{
	struct mutator *mu = arg;
	struct run *r = (struct run *)((char *)(mu - mu->idx) - offsetof(struct run, mut));

	atomic_store(&mu->tid, (pid_t)syscall(SYS_gettid));
	mutator_pin();
	pthread_barrier_wait(&r->ready);
	pthread_barrier_wait(&r->start);
	while (mu->nids && !atomic_load_explicit(&r->done, memory_order_relaxed)) {
		uint64_t rnd = rng_next(&mu->rng);
		uint32_t id = mu->ids[rnd % mu->nids];
		unsigned seq = atomic_load(&r->fault_seq[mu->idx][0]);
		uint64_t t0 = now_ns(), t1;
		struct obj *o = obj_at(r, id);
		const char *bad = obj_bad(o, id, r->expect[id]);

		if (bad) {
			snprintf(mu->err, sizeof(mu->err), "mutator %d: object %u (from-space page %u, to-space page %u): %s",
				 mu->idx, id, id / OBJS_PER_PAGE, fwd[id / OBJS_PER_PAGE], bad);
			break;
		}
		if (rnd >> 63) {
			obj_write(o, id, r->expect[id] + 1);
			r->expect[id]++;
			mu->writes++;
		}
		t1 = now_ns();
		mu->ops++;
		if (atomic_load(&r->fault_seq[mu->idx][0]) != seq && mu->nstall < mu->cap)
			mu->stall[mu->nstall++] = t1 - t0;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b);

static void lat_init(struct lat *l, size_t cap)
{
	l->cap = cap;
	l->n = 0;
	l->ns = malloc(cap * sizeof(*l->ns));
	if (!l->ns)
		die("out of memory");
}

/* One allocation as a program's malloc of a large block does it: mmap
 * (mmap_lock for write), first touch (a page fault, the lock for read),
 * munmap (for write). */
static void allocator_op(struct lat *l)
{
	uint64_t t0 = now_ns();
	char *p = mmap(NULL, ALLOC_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("allocator: mmap: %s", strerror(errno));
	*(volatile char *)p = 1;
	if (munmap(p, ALLOC_LEN))
		die("allocator: munmap: %s", strerror(errno));
	if (l->n < l->cap)
		l->ns[l->n++] = now_ns() - t0;
}

static void lat_stats(struct lat *l)
{
	if (!l->n)
		return;
	qsort(l->ns, l->n, sizeof(*l->ns), cmp_u64);
	l->p50 = l->ns[l->n / 2];
	l->p99 = l->ns[l->n * 99 / 100];
	l->max = l->ns[l->n - 1];
	free(l->ns);
	l->ns = NULL;
}

/* Baseline: the allocator alone, no compaction running. */
static void *allocator_alone(void *arg)
{
	struct lat *l = arg;

	allocator_pin();
	for (int i = 0; i < ALLOC_BASELINE_OPS; i++)
		allocator_op(l);
	return NULL;
}

static void *allocator_main(void *arg)
{
	struct run *r = arg;

	allocator_pin();
	pthread_barrier_wait(&r->ready);
	pthread_barrier_wait(&r->start);
	while (!atomic_load_explicit(&r->done, memory_order_relaxed))
		allocator_op(&r->alloc);
	return NULL;
}

static void *map_aligned(size_t len)
{
	size_t full = len + HPAGE;
	char *p = mmap(NULL, full, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap %zu bytes: %s", full, strerror(errno));
	a = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + full > a + len)
		munmap(a + len, (size_t)(p + full - (a + len)));
	if (madvise(a, len, opt.thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise(%s): %s", opt.thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE", strerror(errno));
	return a;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int open_uffd(uint64_t *features)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_THREAD_ID };

	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	/* probe what the kernel offers, then ask for what we use */
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -1;
	}
	*features = api.features;
	close(fd);
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	api.api = UFFD_API;
	api.features = UFFD_FEATURE_THREAD_ID | (*features & UFFD_FEATURE_MOVE);
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
		die("UFFDIO_API: %s", strerror(errno));
	return fd;
}

static void run_one(struct run *r, enum method method)
{
	uint64_t features = 0, t_rel0;
	struct uffdio_register reg;

	memset(r, 0, sizeof(*r));
	r->method = method;
	r->rss_sample_max_kb = -1;

	/* allocate from-space and every object in it (dead ones too) */
	r->from_len = npages * PAGE;
	r->from = map_aligned(r->from_len);
	for (size_t id = 0; id < nobjs; id++)
		obj_write((struct obj *)r->from + id, id, 0);
	r->expect = calloc(nobjs, sizeof(*r->expect));
	if (!r->expect)
		die("out of memory");

	r->to_len = nlive_pages * PAGE;
	r->to = map_aligned(r->to_len);
	r->uffd = open_uffd(&features);
	if (r->uffd < 0)
		die("userfaultfd: %s", strerror(errno));
	reg = (struct uffdio_register){ .range = { (uintptr_t)r->to, r->to_len }, .mode = UFFDIO_REGISTER_MODE_MISSING };
	if (ioctl(r->uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER: %s", strerror(errno));
	r->evfd = eventfd(0, EFD_CLOEXEC);
	if (r->evfd < 0)
		die("eventfd: %s", strerror(errno));

	/* mutators: live objects dealt round-robin, each owned by one thread */
	for (int i = 0; i < opt.mutators; i++) {
		struct mutator *mu = &r->mut[i];

		mu->idx = i;
		mu->rng = opt.seed * 1000003 + (uint64_t)i;
		mu->ids = malloc((nlive_objs / (size_t)opt.mutators + 1) * sizeof(*mu->ids));
		mu->cap = nlive_pages + 1024;
		mu->stall = malloc(mu->cap * sizeof(*mu->stall));
		if (!mu->ids || !mu->stall)
			die("out of memory");
		memset(mu->stall, 0, mu->cap * sizeof(*mu->stall));
		for (size_t k = (size_t)i; k < nlive_objs; k += (size_t)opt.mutators)
			mu->ids[mu->nids++] = live_ids[k];
	}
	if (pthread_barrier_init(&r->ready, NULL, (unsigned)(opt.mutators + 2 + opt.allocator)) ||
	    pthread_barrier_init(&r->start, NULL, (unsigned)(opt.mutators + 2 + opt.allocator)))
		die("pthread_barrier_init");
	if (opt.allocator) {
		lat_init(&r->alloc, ALLOC_MAX_SAMPLES);
		if (pthread_create(&r->allocator, NULL, allocator_main, r))
			die("pthread_create");
	}

	/* every thread is up (stacks touched) and waiting before the RSS
	 * baseline is taken, so that only the compaction shows in the peak */
	if (pthread_create(&r->handler, NULL, handler_main, r) ||
	    pthread_create(&r->collector, NULL, collector_main, r))
		die("pthread_create");
	for (int i = 0; i < opt.mutators; i++)
		if (pthread_create(&r->mut[i].th, NULL, mutator_main, &r->mut[i]))
			die("pthread_create");
	pthread_barrier_wait(&r->ready);
	r->hwm_ok = reset_hwm();
	r->vmrss_before_kb = status_kb("VmRSS");
	r->rss_before_kb = status_kb("RssAnon");
	pthread_barrier_wait(&r->start);
	pthread_join(r->collector, NULL);
	/* if the collector gave up, pages stay unfilled: unregistering wakes
	 * the mutators blocked on them (they then read zeroes and report it) */
	if (r->cerr[0] && ioctl(r->uffd, UFFDIO_UNREGISTER, &reg.range))
		die("UFFDIO_UNREGISTER: %s", strerror(errno));
	for (int i = 0; i < opt.mutators; i++)
		pthread_join(r->mut[i].th, NULL);
	if (opt.allocator) {
		pthread_join(r->allocator, NULL);
		lat_stats(&r->alloc);
	}

	/* Every to-space page is filled and every faulter woken: fault
	 * messages still queued are stale.  Stop the handler before from-space
	 * goes away, or it would try to fill them from unmapped memory. */
	if (eventfd_write(r->evfd, 1))
		die("eventfd_write: %s", strerror(errno));
	pthread_join(r->handler, NULL);

	/* release from-space */
	sample_rss(r);
	t_rel0 = now_ns();
	if (method != M_MOVE && madvise(r->from, r->from_len, MADV_DONTNEED))
		die("MADV_DONTNEED: %s", strerror(errno));
	if (munmap(r->from, r->from_len))
		die("munmap from-space: %s", strerror(errno));
	r->t_release_ns = now_ns() - t_rel0;
	r->hwm_kb = status_kb("VmHWM");
	r->rss_after_kb = status_kb("RssAnon");

	pthread_barrier_destroy(&r->ready);
	pthread_barrier_destroy(&r->start);

	/* every to-space page must be present before the uffd goes away */
	{
		size_t nvec = nlive_pages;
		unsigned char *vec = malloc(nvec + 1);

		if (!vec || mincore(r->to, r->to_len, vec))
			die("mincore: %s", strerror(errno));
		for (size_t p = 0; p < nvec; p++)
			if (!(vec[p] & 1)) {
				if (r->missing_pages++ < 10)
					fprintf(stderr, "FAIL %s: to-space page %zu (from-space page %u) was never filled\n",
						method_name[method], p, to_src[p]);
			}
		free(vec);
	}
	if (!r->cerr[0] && ioctl(r->uffd, UFFDIO_UNREGISTER, &reg.range))
		die("UFFDIO_UNREGISTER: %s", strerror(errno));
	close(r->uffd);
	close(r->evfd);

	/* verify every live object (missing pages now read as zeroes) */
	for (size_t k = 0; k < nlive_objs; k++) {
		uint32_t id = live_ids[k];
		const char *bad = obj_bad(obj_at(r, id), id, r->expect[id]);

		if (bad && r->bad_objs++ < 10)
			fprintf(stderr, "FAIL %s: object %u (from-space page %u slot %u -> to-space page %u): %s "
				"(id %" PRIu64 " version %" PRIu64 ", expected version %" PRIu64 ")\n",
				method_name[method], id, id / OBJS_PER_PAGE, id % OBJS_PER_PAGE, fwd[id / OBJS_PER_PAGE],
				bad, obj_at(r, id)->id, obj_at(r, id)->version, r->expect[id]);
	}

	/* stall statistics */
	{
		size_t n = 0;
		uint64_t *all;

		for (int i = 0; i < opt.mutators; i++)
			n += r->mut[i].nstall;
		all = malloc((n + 1) * sizeof(*all));
		if (!all)
			die("out of memory");
		n = 0;
		for (int i = 0; i < opt.mutators; i++) {
			memcpy(all + n, r->mut[i].stall, r->mut[i].nstall * sizeof(*all));
			n += r->mut[i].nstall;
			r->mut_ops += r->mut[i].ops;
			r->mut_writes += r->mut[i].writes;
			if (r->mut[i].err[0]) {
				fprintf(stderr, "FAIL %s: %s\n", method_name[method], r->mut[i].err);
				r->bad_objs++;
			}
			free(r->mut[i].ids);
			free(r->mut[i].stall);
		}
		qsort(all, n, sizeof(*all), cmp_u64);
		r->nstalls = n;
		if (n) {
			r->stall_med = all[n / 2];
			r->stall_p99 = all[n * 99 / 100];
			r->stall_max = all[n - 1];
		}
		free(all);
	}
	if (r->cerr[0])
		fprintf(stderr, "FAIL %s: %s\n", method_name[method], r->cerr);
	if (r->herr[0])
		fprintf(stderr, "FAIL %s: %s\n", method_name[method], r->herr);
	munmap(r->to, r->to_len);
	free(r->expect);
}

static int run_failed(const struct run *r)
{
	return r->bad_objs || r->missing_pages || r->cerr[0] || r->herr[0];
}

/* ---- options -------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gc-compact [OPTIONS]\n"
		"Concurrent heap compaction with userfaultfd: UFFDIO_MOVE vs UFFDIO_COPY.\n\n"
		"  -s, --heap SIZE        from-space heap size, with optional K/M/G suffix,\n"
		"                         a multiple of 4K, 64K..16G (default 64M)\n"
		"  -l, --live RATIO       fraction of heap pages holding live objects,\n"
		"                         0 < RATIO <= 1 (default 0.25)\n"
		"  -t, --mutators N       mutator threads accessing objects during\n"
		"                         compaction, 0..%d (default 2)\n"
		"  -H, --thp on|off       on: MADV_HUGEPAGE on heap and to-space;\n"
		"                         off: MADV_NOHUGEPAGE (default off)\n"
		"  -m, --method M         move: UFFDIO_MOVE; copy: UFFDIO_COPY then\n"
		"                         MADV_DONTNEED of from-space; both (default)\n"
		"  -x, --mixed            also run a mixed compaction on one uffd: MOVE for live\n"
		"                         runs of at least --crossover pages, COPY for shorter\n"
		"  -c, --crossover PAGES  the run length from which MOVE beats COPY, 1..65536\n"
		"                         (default by --mutators 0/1/2+: %u/%u/%u, measured\n"
		"                         natively by make bench-host)\n"
		"  -r, --mean-run PAGES   mean length of a live run of pages, 1..65536 (default 8)\n"
		"  -a, --allocator on|off an allocator thread mmaps, touches and munmaps 64 KiB\n"
		"                         in a loop during compaction, and alone first as the\n"
		"                         baseline; its latency is reported (default on)\n"
		"  -p, --pin on|off       on: the collector runs alone on CPU 0, the mutators\n"
		"                         and the fault handler on the others (default on)\n"
		"  -b, --batch PAGES      most pages per collector ioctl and wake (default 512)\n"
		"  -R, --repeat N         run every method N times, interleaved, and report\n"
		"                         the median of each number, 1..9 (default 1)\n"
		"  -S, --seed N           seed for the heap layout and mutators (default 1)\n"
		"  -h, --help             show this help\n\n"
		"Exit status: 0 verified, 1 verification or runtime failure, 2 usage error,\n"
		"4 skipped (no userfaultfd or no UFFDIO_MOVE in this kernel).\n",
		MAX_MUTATORS, crossover_native[0], crossover_native[1], crossover_native[2]);
}

static void bad_opt(const char *name, const char *val, const char *why)
{
	fprintf(stderr, "gc-compact: invalid %s '%s': %s\nTry 'gc-compact --help'.\n", name, val, why);
	exit(2);
}

static int parse_on_off(const char *name, const char *val)
{
	if (!strcmp(val, "on"))
		return 1;
	if (strcmp(val, "off"))
		bad_opt(name, val, "must be 'on' or 'off'");
	return 0;
}

static uint64_t parse_u64(const char *name, const char *s, int suffix)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-')
		bad_opt(name, s, "not a non-negative number");
	v = strtoull(s, &end, 0);
	if (errno)
		bad_opt(name, s, "out of range");
	if (suffix && *end) {
		unsigned shift = 0;

		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: bad_opt(name, s, "unknown suffix (use K, M or G)");
		}
		end++;
		if (v > (~0ULL >> shift))
			bad_opt(name, s, "out of range");
		v <<= shift;
	}
	if (*end)
		bad_opt(name, s, "trailing characters");
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "heap", required_argument, NULL, 's' },
		{ "live", required_argument, NULL, 'l' },
		{ "mutators", required_argument, NULL, 't' },
		{ "thp", required_argument, NULL, 'H' },
		{ "method", required_argument, NULL, 'm' },
		{ "mixed", no_argument, NULL, 'x' },
		{ "batch", required_argument, NULL, 'b' },
		{ "crossover", required_argument, NULL, 'c' },
		{ "mean-run", required_argument, NULL, 'r' },
		{ "allocator", required_argument, NULL, 'a' },
		{ "pin", required_argument, NULL, 'p' },
		{ "repeat", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, mixed = 0;
	char *end;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:l:t:H:m:xb:c:r:a:p:R:S:h", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.heap = parse_u64("--heap", optarg, 1);
			if (opt.heap % PAGE || opt.heap < (64UL << 10) || opt.heap > (16UL << 30))
				bad_opt("--heap", optarg, "must be a multiple of 4K between 64K and 16G");
			break;
		case 'l':
			errno = 0;
			opt.live = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(opt.live > 0 && opt.live <= 1))
				bad_opt("--live", optarg, "must be a number in (0, 1]");
			break;
		case 't':
			opt.mutators = (int)parse_u64("--mutators", optarg, 0);
			if (opt.mutators > MAX_MUTATORS)
				bad_opt("--mutators", optarg, "at most 64");
			break;
		case 'H':
			opt.thp = parse_on_off("--thp", optarg);
			break;
		case 'm':
			if (!strcmp(optarg, "move"))
				opt.methods = 1 << M_MOVE;
			else if (!strcmp(optarg, "copy"))
				opt.methods = 1 << M_COPY;
			else if (!strcmp(optarg, "both"))
				opt.methods = (1 << M_MOVE) | (1 << M_COPY);
			else
				bad_opt("--method", optarg, "must be move, copy or both");
			break;
		case 'x':
			mixed = 1;
			break;
		case 'b':
			opt.batch = (unsigned)parse_u64("--batch", optarg, 0);
			if (opt.batch < 1 || opt.batch > 65536)
				bad_opt("--batch", optarg, "must be 1..65536");
			break;
		case 'c':
			opt.crossover = (unsigned)parse_u64("--crossover", optarg, 0);
			if (opt.crossover < 1 || opt.crossover > 65536)
				bad_opt("--crossover", optarg, "must be 1..65536");
			break;
		case 'r':
			errno = 0;
			opt.mean_run = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(opt.mean_run >= 1 && opt.mean_run <= 65536))
				bad_opt("--mean-run", optarg, "must be a number in [1, 65536]");
			break;
		case 'a':
			opt.allocator = parse_on_off("--allocator", optarg);
			break;
		case 'p':
			opt.pin = parse_on_off("--pin", optarg);
			break;
		case 'R':
			opt.repeat = (int)parse_u64("--repeat", optarg, 0);
			if (opt.repeat < 1 || opt.repeat > MAX_REPEAT)
				bad_opt("--repeat", optarg, "must be 1..9");
			break;
		case 'S':
			opt.seed = parse_u64("--seed", optarg, 0);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			fprintf(stderr, "gc-compact: option '%s' needs a value\nTry 'gc-compact --help'.\n", argv[optind - 1]);
			exit(2);
		default:
			fprintf(stderr, "gc-compact: unknown option '%s'\nTry 'gc-compact --help'.\n", argv[optind - 1]);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gc-compact: unexpected argument '%s'\nTry 'gc-compact --help'.\n", argv[optind]);
		exit(2);
	}
	if (mixed)
		opt.methods |= 1 << M_MIXED;
	if (opt.crossover == CROSSOVER_DEFAULT)
		opt.crossover = crossover_native[opt.mutators < 2 ? opt.mutators : 2];
}

/* ---- main ----------------------------------------------------------- */

static double mib_kb(long kb)
{
	return kb < 0 ? -1 : (double)kb / 1024.0;
}

/* RSS counters are approximate (per-CPU batches): clamp a small negative
 * growth to 0. */
static double growth_mib(const struct run *r)
{
	return r->hwm_kb > r->vmrss_before_kb ? mib_kb(r->hwm_kb - r->vmrss_before_kb) : 0.0;
}

/* One method's numbers: the median of each over the repetitions. */
struct result {
	double total_ms, fill_ms, release_ms, cpu_ms, faults, races;
	double total_q1, total_q3;	/* quartiles of total_ms */
	double stall_med_us, stall_p99_us, stall_max_us, nstalls;
	double rss0, peak, extra, after, rss_sampled;
	double c_ioctls, c_wakes, move_mib, copy_mib, retries, h_moved, h_copied;
	double a_ops, a_p50_us, a_p99_us, a_max_us;
};

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void summarise(struct run *rr, int n, struct result *res)
{
	double v[MAX_REPEAT];

#define MED(field, expr) do {					\
		for (int i = 0; i < n; i++) {			\
			const struct run *r = &rr[i];		\
			v[i] = (double)(expr);			\
		}						\
		res->field = median(v, n);			\
	} while (0)
	MED(fill_ms, (r->t_moved - r->t_start) / 1e6);
	MED(release_ms, r->t_release_ns / 1e6);
	MED(total_ms, (r->t_moved - r->t_start + r->t_release_ns) / 1e6);
	res->total_q1 = v[n / 4];	/* median() left v sorted */
	res->total_q3 = v[3 * n / 4];
	MED(cpu_ms, r->cpu_ns / 1e6);
	MED(faults, r->faults);
	MED(races, r->h_eexist + r->c_eexist);
	MED(stall_med_us, r->stall_med / 1e3);
	MED(stall_p99_us, r->stall_p99 / 1e3);
	MED(stall_max_us, r->stall_max / 1e3);
	MED(nstalls, r->nstalls);
	MED(rss0, mib_kb(r->vmrss_before_kb));
	MED(peak, mib_kb(r->hwm_kb));
	MED(extra, growth_mib(r));
	MED(after, mib_kb(r->rss_after_kb));
	MED(rss_sampled, mib_kb(r->rss_sample_max_kb));
	MED(c_ioctls, r->c_ioctls);
	MED(c_wakes, r->c_wakes);
	MED(move_mib, r->c_bytes_move / 1048576.0);
	MED(copy_mib, r->c_bytes_copy / 1048576.0);
	MED(retries, r->c_retries + r->h_retries);
	MED(h_moved, r->h_moved);
	MED(h_copied, r->h_copied);
	MED(a_ops, r->alloc.n);
	MED(a_p50_us, r->alloc.p50 / 1e3);
	MED(a_p99_us, r->alloc.p99 / 1e3);
	MED(a_max_us, r->alloc.max / 1e3);
#undef MED
}

/* "yes" if no other method that ran is both faster and lighter than m, by
 * more than the noise.  Faster: a median total time 10% lower, and its
 * third quartile below m's first, so that the repetitions agree (on a
 * shared host one heap's median moved by 50% between runs).  Lighter: 1 MiB
 * less peak RSS growth (RSS counters are batched per CPU). */
static const char *front(const struct result *res, enum method m)
{
	static char buf[96];

	buf[0] = 0;
	for (int o = 0; o < M_NR; o++) {
		if (o == (int)m || !(opt.methods & (1 << o)))
			continue;
		if (res[o].total_ms < res[m].total_ms * 0.9 && res[o].total_q3 < res[m].total_q1 &&
		    res[o].extra < res[m].extra - 1.0)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%sno: %s faster and lighter",
				 buf[0] ? "; " : "", method_name[o]);
	}
	return buf[0] ? buf : "yes";
}

int main(int argc, char **argv)
{
	static struct run runs[M_NR][MAX_REPEAT];
	struct result res[M_NR];
	uint64_t features = 0, t0;
	int fd, ntests = 0, test = 0, fails = 0, need_move;
	double live_mib;
	size_t long_runs = 0, long_pages = 0;
	struct lat alone = { 0 };
	struct utsname u;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	need_move = !!(opt.methods & ((1 << M_MOVE) | (1 << M_MIXED)));

	printf("TAP version 13\n");
	fd = open_uffd(&features);
	if (fd < 0) {
		printf("1..0 # SKIP userfaultfd unavailable: %s\n", strerror(errno));
		return 4;
	}
	close(fd);
	if (need_move && !(features & UFFD_FEATURE_MOVE)) {
		printf("1..0 # SKIP kernel lacks UFFD_FEATURE_MOVE (UFFDIO_MOVE)\n");
		return 4;
	}

	allocate_and_die();
	t0 = now_ns();
	mark();
	t0 = now_ns() - t0;
	live_mib = (double)(nlive_pages * PAGE) / (1 << 20);
	for (int m = 0; m < M_NR; m++)
		if (opt.methods & (1 << m))
			ntests += m == M_MOVE ? 2 : 1;
	printf("1..%d\n", ntests);
	printf("# heap %zu %s: %zu pages, %zu objects of %d B; %zu live objects on %zu live pages "
	       "(%.1f%%, %.1f MiB) in %zu runs; mark %.2f ms\n",
	       opt.heap % (1 << 20) ? opt.heap >> 10 : opt.heap >> 20, opt.heap % (1 << 20) ? "KiB" : "MiB",
	       npages, nobjs, OBJ_SIZE, nlive_objs, nlive_pages,
	       100.0 * (double)nlive_pages / (double)npages, live_mib, nruns, (double)t0 / 1e6);
	for (size_t t = 0; t < nlive_pages; t += to_run[t])
		if (to_run[t] >= opt.crossover) {
			long_runs++;
			long_pages += to_run[t];
		}
	printf("# mutators %d, thp %s, batch %u pages, seed %" PRIu64 ", mean live run %.0f pages, %d repetition%s\n",
	       opt.mutators, opt.thp ? "on" : "off", opt.batch, opt.seed, opt.mean_run, opt.repeat,
	       opt.repeat > 1 ? "s (medians)" : "");
	printf("# crossover %u pages: %zu runs with %zu pages (%.1f%% of the live pages) are at least that long%s\n",
	       opt.crossover, long_runs, long_pages, 100.0 * (double)long_pages / (double)nlive_pages,
	       !(opt.methods & (1 << M_MIXED)) ? "" : opt.thp ?
	       "; mixed moves those of THPs at least half live and copies the rest" :
	       "; mixed moves them and copies the rest");
	if (opt.allocator) {
		pthread_t th;

		lat_init(&alone, ALLOC_BASELINE_OPS);
		if (pthread_create(&th, NULL, allocator_alone, &alone))
			die("pthread_create");
		pthread_join(th, NULL);
		lat_stats(&alone);
	}
	if (last_cpu() < 0)
		printf("# one CPU: no thread pinned\n");
	else if (opt.pin)
		printf("# pinned: collector on CPU 0, mutators and handler on CPUs 1..%d, allocator on CPU %d\n",
		       last_cpu(), last_cpu());
	else
		printf("# not pinned (--pin off): allocator on CPU %d, the other threads where the scheduler puts them\n",
		       last_cpu());

	for (int i = 0; i < opt.repeat; i++)
		for (int m = 0; m < M_NR; m++)
			if (opt.methods & (1 << m))
				run_one(&runs[m][i], (enum method)m);
	for (int m = 0; m < M_NR; m++) {
		int failed = 0;
		double extra = 0;
		uint64_t ops = 0, writes = 0;

		if (!(opt.methods & (1 << m)))
			continue;
		summarise(runs[m], opt.repeat, &res[m]);
		for (int i = 0; i < opt.repeat; i++) {
			failed |= run_failed(&runs[m][i]);
			ops += runs[m][i].mut_ops;
			writes += runs[m][i].mut_writes;
			if (growth_mib(&runs[m][i]) > extra)
				extra = growth_mib(&runs[m][i]);
		}
		printf("%s %d %s: %zu live objects verified after compaction%s "
		       "(%" PRIu64 " mutator ops, %" PRIu64 " writes)\n",
		       failed ? "not ok" : "ok", ++test, method_name[m], nlive_objs,
		       opt.repeat > 1 ? " every time" : "", ops, writes);
		fails += failed;
		if (m == M_MOVE) {
			/* COPY grows by the whole live set; allow MOVE a quarter of
			 * it (RSS counters are per-CPU batched) plus 256 KiB */
			int ok = !failed && extra < live_mib / 4 + 0.25;

			for (int i = 0; i < opt.repeat; i++)
				ok &= runs[m][i].hwm_ok;
			printf("%s %d move: no second copy of the live set (peak RSS +%.1f MiB, live set %.1f MiB)%s\n",
			       ok ? "ok" : "not ok", ++test, extra, live_mib,
			       runs[m][0].hwm_ok ? "" : " # /proc/self/clear_refs unavailable");
			fails += !ok;
		}
	}

	uname(&u);
	printf("\nSummary (Linux %s; %.1f MiB heap, %.1f MiB live in %zu runs, %d mutators, thp %s",
	       u.release, (double)opt.heap / (1 << 20), live_mib, nruns, opt.mutators, opt.thp ? "on" : "off");
	if (opt.repeat > 1)
		printf(", medians of %d", opt.repeat);
	printf("):\n");
	printf("%-6s %9s %9s %9s %9s %7s %7s %10s %10s %8s %8s %9s %8s  %s\n",
	       "method", "total_ms", "fill_ms", "coll_cpu", "release", "faults", "races",
	       "stall_med", "stall_p99", "rss0_MiB", "peak_MiB", "extra_MiB", "after", "front");
	for (int m = 0; m < M_NR; m++) {
		const struct result *x = &res[m];

		if (!(opt.methods & (1 << m)))
			continue;
		printf("%-6s %9.2f %9.2f %9.2f %9.2f %7.0f %7.0f %8.1fus %8.1fus %8.1f %8.1f %9.1f %8.1f  %s\n",
		       method_name[m], x->total_ms, x->fill_ms, x->cpu_ms, x->release_ms, x->faults, x->races,
		       x->stall_med_us, x->stall_p99_us, x->rss0, x->peak, x->extra, x->after, front(res, (enum method)m));
	}
	printf("  total: fill (collector start to last page) plus release of from-space, wall time; coll_cpu: the\n"
	       "  collector thread's CPU time during the fill (less sensitive to a busy host)\n");
	printf("  faults: to-space faults the handler resolved (moved/copied one page each); races: EEXIST, page filled by the other side\n");
	printf("  stall: mutator access time when it faulted (CLOCK_MONOTONIC, median/p99); peak: VmHWM after reset\n");
	printf("  extra: peak RSS above the RSS before compaction (COPY holds the live set twice; MOVE should not)\n");
	printf("  front: \"yes\" if no other method here was both faster (total: median by > 10%%, and its\n"
	       "  3rd quartile below this one's 1st) and lighter (extra, by > 1 MiB), i.e. it is on the\n"
	       "  time/memory trade-off front; else which method beat it\n");
	for (int m = 0; m < M_NR; m++) {
		const struct result *x = &res[m];

		if (!(opt.methods & (1 << m)))
			continue;
		printf("  %s: total %.1f-%.1f ms (quartiles); collector %.0f ioctls, %.0f wakes, %.1f MiB moved, "
		       "%.1f MiB copied, %.0f retries; handler %.0f moved, %.0f copied; stall max %.1fus over %.0f faults; "
		       "max sampled RssAnon %.1f MiB\n",
		       method_name[m], x->total_q1, x->total_q3, x->c_ioctls, x->c_wakes, x->move_mib, x->copy_mib, x->retries,
		       x->h_moved, x->h_copied, x->stall_max_us, x->nstalls, x->rss_sampled);
	}
	if (opt.allocator) {
		printf("\nAllocator thread: mmap + touch + munmap of 64 KiB, latency (us) and ops\n");
		printf("%-22s %8s %10s %10s %10s\n", "during", "ops", "p50", "p99", "max");
		printf("%-22s %8zu %10.1f %10.1f %10.1f\n", "nothing (baseline)", alone.n,
		       (double)alone.p50 / 1e3, (double)alone.p99 / 1e3, (double)alone.max / 1e3);
		for (int m = 0; m < M_NR; m++) {
			const struct result *x = &res[m];
			char what[32];

			if (!(opt.methods & (1 << m)))
				continue;
			snprintf(what, sizeof(what), "%s compaction", method_name[m]);
			printf("%-22s %8.0f %10.1f %10.1f %10.1f\n", what, x->a_ops, x->a_p50_us, x->a_p99_us, x->a_max_us);
		}
		printf("  munmap takes mmap_lock for write: it waits for every UFFDIO_MOVE/COPY that holds it for read\n");
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n", test - fails, fails);
	printf("verification: %s\n", fails ? "FAIL" : "OK");
	return fails ? 1 : 0;
}
