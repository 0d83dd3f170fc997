/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the UFFDIO_MOVE reliability tests: page patterns,
 * userfaultfd setup, the MOVE wrapper that checks the result contract,
 * smaps_rollup accounting, threads on private stacks, a seeded RNG.
 */
#ifndef RACE_COMMON_H
#define RACE_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PS 4096UL
#define HPS (2UL << 20)
#define WORDS (PS / 8)
#define PAT_KEY 0x9e3779b97f4a7c15ULL

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: one state per thread, seeded from the test seed. */
static inline uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

static inline uint64_t rnd_seed(uint64_t seed, uint64_t salt)
{
	uint64_t s = seed * 0x2545F4914F6CDD1DULL + salt * PAT_KEY + 1;

	return s ? s : 1;
}

/*
 * Page patterns.  Page id (>= 1) fills every word with its id mixed with
 * the word index (period 8, so zram compresses it), so any word identifies
 * the page it comes from.  Word 1 is a counter the "faults" test writes
 * (0 otherwise).  An all-zero page is a hole (or a legitimately lost page).
 */
static inline uint64_t pat_word(uint64_t id, unsigned int i)
{
	return ((id << 8) | (i & 7)) ^ PAT_KEY;
}

static inline void pat_fill(void *p, uint64_t id)
{
	uint64_t *w = p;

	for (unsigned int i = 0; i < WORDS; i++)
		w[i] = i == 1 ? 0 : pat_word(id, i);
}

enum { PG_ZERO = 0, PG_OK = 1, PG_BAD = -1 };

/* Classify a page: PG_ZERO, PG_OK (*id set, *ctr = word 1) or PG_BAD. */
static inline int pat_check(const void *p, uint64_t *id, uint64_t *ctr)
{
	const uint64_t *w = p;
	uint64_t x = w[0] ^ PAT_KEY;

	if ((x & 0xff) != 0 || x == 0) {
		for (unsigned int i = 0; i < WORDS; i++)
			if (w[i])
				return PG_BAD;
		return PG_ZERO;
	}
	*id = x >> 8;
	*ctr = w[1];
	for (unsigned int i = 2; i < WORDS; i++)
		if (w[i] != pat_word(*id, i))
			return PG_BAD;
	return PG_OK;
}

static inline int uffd_open(uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -1;
	}
	if (!(api.features & UFFD_FEATURE_MOVE)) {
		close(fd);
		errno = ENOSYS;
		return -1;
	}
	return fd;
}

static inline int uffd_register(int uffd, void *p, size_t len)
{
	struct uffdio_register r = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &r);
}

static inline int uffd_unregister(int uffd, void *p, size_t len)
{
	struct uffdio_range r = { .start = (uintptr_t)p, .len = len };

	return ioctl(uffd, UFFDIO_UNREGISTER, &r);
}

/* Contract violations of the MOVE ioctl, counted by do_move(). */
static volatile unsigned long contract_violations;

/*
 * One UFFDIO_MOVE.  Returns the bytes moved (a prefix of the range) and
 * sets *err to 0 or the errno.  Checks the result contract: success means
 * move == len; -EAGAIN has move = bytes done (page multiple, < len) or
 * -EAGAIN; any other error moved nothing and reports move = -errno (or
 * left it unwritten when the ioctl failed before the move started).
 */
#define MOVE_UNWRITTEN ((__s64)0x5a5a5a5a5a5aLL)
static inline long do_move(int uffd, uintptr_t dst, uintptr_t src, size_t len,
			   uint64_t mode, int *err)
{
	struct uffdio_move m = { .dst = dst, .src = src, .len = len,
				 .mode = mode, .move = MOVE_UNWRITTEN };

	if (ioctl(uffd, UFFDIO_MOVE, &m) == 0) {
		*err = 0;
		if (m.move != (__s64)len) {
			fprintf(stderr, "# CONTRACT: success with move=%lld len=%zu\n",
				(long long)m.move, len);
			__atomic_add_fetch(&contract_violations, 1, __ATOMIC_RELAXED);
		}
		return len;
	}
	*err = errno;
	if (errno == EAGAIN && m.move > 0) {
		if (m.move >= (__s64)len || m.move % PS) {
			fprintf(stderr, "# CONTRACT: EAGAIN with move=%lld len=%zu\n",
				(long long)m.move, len);
			__atomic_add_fetch(&contract_violations, 1, __ATOMIC_RELAXED);
			return 0;
		}
		return m.move;
	}
	if (m.move != MOVE_UNWRITTEN && m.move != -(__s64)errno) {
		fprintf(stderr, "# CONTRACT: errno %d with move=%lld\n",
			errno, (long long)m.move);
		__atomic_add_fetch(&contract_violations, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

/* "Anonymous:" and "Swap:" of /proc/self/smaps_rollup, in kB. */
static inline int smaps_anon(long *anon_kb, long *swap_kb)
{
	static char buf[4096];
	int fd = open("/proc/self/smaps_rollup", O_RDONLY);
	ssize_t n;
	char *p;

	*anon_kb = *swap_kb = -1;
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "\nAnonymous:");
	if (p)
		*anon_kb = strtol(p + 11, NULL, 10);
	p = strstr(buf, "\nSwap:");
	if (p)
		*swap_kb = strtol(p + 6, NULL, 10);
	return *anon_kb < 0 ? -1 : 0;
}

/* A field of /proc/self/status in kB (e.g. "VmPTE:"). */
static inline long status_kb(const char *field)
{
	static char buf[8192];
	int fd = open("/proc/self/status", O_RDONLY);
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

/*
 * Threads run on stacks we map and unmap ourselves, so that the process
 * anonymous memory goes back to its baseline after the test.
 */
#define THREAD_STACK (256UL << 10)
struct thr {
	pthread_t t;
	void *stack;
};

static inline int thr_start(struct thr *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	int rc;

	t->stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->stack == MAP_FAILED)
		return -1;
	pthread_attr_init(&a);
	pthread_attr_setstack(&a, t->stack, THREAD_STACK);
	rc = pthread_create(&t->t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return rc ? -1 : 0;
}

static inline void thr_join(struct thr *t)
{
	pthread_join(t->t, NULL);
	munmap(t->stack, THREAD_STACK);
}

/* A 2 MiB aligned anonymous mapping (the slack is unmapped). */
static inline void *map_aligned(size_t len, int prot)
{
	char *p = mmap(NULL, len + HPS, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + HPS - 1) & ~(HPS - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	munmap((char *)a + len, (uintptr_t)p + len + HPS - a - len);
	return (void *)a;
}

static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static inline long read_long(const char *path)
{
	char b[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	b[n] = 0;
	return strtol(b, NULL, 10);
}

static inline int read_str(const char *path, char *b, size_t sz)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, b, sz - 1);
	close(fd);
	if (n < 0)
		return -1;
	b[n] = 0;
	while (n > 0 && b[n - 1] == '\n')
		b[--n] = 0;
	return 0;
}

/* Errno bookkeeping for reports. */
#define NERR 160
struct errstat {
	unsigned long n[NERR];
};

static inline void errstat_add(struct errstat *e, int err)
{
	__atomic_add_fetch(&e->n[err >= 0 && err < NERR ? err : 0], 1,
			   __ATOMIC_RELAXED);
}

static inline void errstat_print(const char *what, struct errstat *e)
{
	char line[1024];
	int off = snprintf(line, sizeof(line), "# %s:", what);

	for (int i = 0; i < NERR; i++)
		if (e->n[i])
			off += snprintf(line + off, sizeof(line) - off, " %s=%lu",
					i ? strerrorname_np(i) ? strerrorname_np(i) : "?" : "ok",
					e->n[i]);
	printf("%s\n", line);
}

#endif
