// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-pressure: UFFDIO_MOVE of a region larger than RAM.
 *
 * The source region (default 5/4 of MemTotal; half of it THP-enabled) is
 * filled with unique per-page patterns, so that writing it pushes earlier
 * pages out to swap (zram in the guest), and some 2 MiB blocks are paged
 * out explicitly.  It is then moved to a registered destination block by
 * block in shuffled order, as whole 2 MiB requests or as runs of smaller
 * ones, so that swap entries, swap cache pages, present pages and THPs
 * are all moved while the system keeps swapping.  A reader thread checks
 * moved pages (and not yet moved ones) meanwhile.  Afterwards every
 * destination page must hold exactly its pattern, every source PTE must be
 * empty, and after unmapping anonymous memory and swap use are back.
 *
 *   uffd-pressure [-m MiB] [-s seed]
 *
 * Skips (exit 4) without swap unless -m is given.
 */
#include "common.h"

static int uffd, pm_fd;
static char *src, *dst;
static size_t npages;
static unsigned char *moved;	/* page i is at dst (published after the MOVE) */
static volatile int stop;
/* Pages [moving_lo, moving_hi) may be in flight (moved but not yet published). */
static size_t moving_lo, moving_hi;
static unsigned long reader_checked, reader_bad;
static int tap_n, failed;

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

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)

#define PM_PFN ((1ULL << 55) - 1)

/* The PFN of the zero page, or of the huge zero page (-1 if unknown). */
static uint64_t zero_page_pfn(int huge)
{
	volatile char *p = map_aligned(HPS, PROT_READ);
	uint64_t e = 0;

	if (!p)
		return ~0ULL;
	madvise((void *)p, HPS, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	(void)*p;
	if (pread(pm_fd, &e, 8, ((uintptr_t)p / PS) * 8) != 8 || !(e & PM_PRESENT))
		e = ~0ULL;
	munmap((void *)p, HPS);
	return e == ~0ULL ? e : e & PM_PFN;
}

/* Reads moved pages at dst (exact id) and others at src (id or moved away). */
static void *reader_fn(void *arg)
{
	uint64_t s = rnd_seed(*(uint64_t *)arg, 21), id = 0, ctr;

	while (!stop) {
		size_t i = rnd(&s) % npages;
		int at_dst = __atomic_load_n(&moved[i], __ATOMIC_ACQUIRE), c;

		c = pat_check((at_dst ? dst : src) + i * PS, &id, &ctr);
		/* A src page read as zero must be moving or have moved. */
		int gone = __atomic_load_n(&moved[i], __ATOMIC_SEQ_CST) ||
			   (i >= __atomic_load_n(&moving_lo, __ATOMIC_SEQ_CST) &&
			    i < __atomic_load_n(&moving_hi, __ATOMIC_SEQ_CST));

		if (at_dst ? c != PG_OK || id != i + 1 :
			     c == PG_BAD || (c == PG_OK && id != i + 1) || (c == PG_ZERO && !gone)) {
			if (reader_bad++ < 5)
				printf("# FAIL reader: page %zu at %s: class %d id %llu\n", i,
				       at_dst ? "dst" : "src", c, (unsigned long long)id);
		}
		reader_checked++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t seed = time(NULL), s, *pm;
	long mib = 0, anon0, swap0, anon1, swap1, memtotal, swaptotal, sys_swap0, sys_swap1;
	unsigned long requests = 0, retries = 0, m_swapped = 0, m_present = 0, m_none = 0;
	unsigned long verified = 0, bad = 0, src_left = 0;
	static struct errstat es;
	uint64_t zero_pfn, hzero_pfn;
	size_t nblocks, *order, half;
	double t0, t_fill, t_move;
	struct thr reader;
	int c;

	while ((c = getopt(argc, argv, "m:s:")) != -1) {
		switch (c) {
		case 'm': mib = atol(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: uffd-pressure [-m MiB] [-s seed]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	s = rnd_seed(seed, 3);
	printf("TAP version 13\n");
	memtotal = meminfo_kb("MemTotal:");
	swaptotal = meminfo_kb("SwapTotal:");
	if (!mib) {
		if (swaptotal <= 0) {
			printf("1..0 # SKIP no swap (and no -m)\n");
			return 4;
		}
		mib = memtotal * 5 / 4 / 1024;
		/* The patterns compress well, but stay within RAM + swap. */
		if (mib > (memtotal + swaptotal) / 1024 * 3 / 4)
			mib = (memtotal + swaptotal) / 1024 * 3 / 4;
	}
	mib &= ~1L;
	npages = (size_t)mib << 8;
	nblocks = npages / 512;
	printf("# uffd-pressure: seed %llu, MemTotal %ld MiB, SwapTotal %ld MiB, region %ld MiB"
	       " (%zu pages)\n", (unsigned long long)seed, memtotal / 1024, swaptotal / 1024,
	       mib, npages);
	uffd = uffd_open(UFFD_FEATURE_MOVE);
	if (uffd < 0) {
		printf("1..0 # SKIP no UFFDIO_MOVE (%s)\n", strerror(errno));
		return 4;
	}
	pm_fd = open("/proc/self/pagemap", O_RDONLY);
	moved = calloc(npages, 1);
	order = calloc(nblocks, sizeof(*order));
	pm = calloc(512, 8);
	if (pm_fd < 0 || !moved || !order || !pm)
		return 1;
	printf("1..4\n");
	/* Touch what the baseline must include. */
	memset(moved, 0, npages);
	memset(order, 0, nblocks * sizeof(*order));
	memset(pm, 0, 512 * 8);
	smaps_anon(&anon0, &swap0);
	smaps_anon(&anon0, &swap0);
	sys_swap0 = meminfo_kb("SwapTotal:") - meminfo_kb("SwapFree:");

	t0 = now_s();
	src = map_aligned(npages * PS, PROT_READ | PROT_WRITE);
	dst = map_aligned(npages * PS, PROT_READ | PROT_WRITE);
	if (!src || !dst) {
		printf("Bail out! mmap %ld MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	/*
	 * Half THP, half small pages, on both sides, split at a block
	 * boundary (the halves are separate VMAs; a MOVE stays in one).
	 */
	half = nblocks / 2 * HPS;
	madvise(src, half, MADV_HUGEPAGE);
	madvise(src + half, npages * PS - half, MADV_NOHUGEPAGE);
	madvise(dst, half, MADV_HUGEPAGE);
	madvise(dst + half, npages * PS - half, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < npages; i++)
		pat_fill(src + i * PS, i + 1);
	/* Every third block out to swap explicitly. */
	for (size_t b = 0; b < nblocks; b += 3)
		madvise(src + b * HPS, HPS, MADV_PAGEOUT);
	if (uffd_register(uffd, dst, npages * PS)) {
		printf("Bail out! register: %s\n", strerror(errno));
		return 1;
	}
	t_fill = now_s() - t0;
	{
		long a, sw;

		smaps_anon(&a, &sw);
		printf("# filled in %.1f s: Anonymous %ld MiB, Swap %ld MiB, MemFree %ld MiB\n",
		       t_fill, a / 1024, sw / 1024, meminfo_kb("MemFree:") / 1024);
	}

	for (size_t b = 0; b < nblocks; b++)
		order[b] = b;
	for (size_t b = nblocks - 1; b > 0; b--) {
		size_t j = rnd(&s) % (b + 1), t = order[b];

		order[b] = order[j];
		order[j] = t;
	}
	if (thr_start(&reader, reader_fn, &seed)) {
		printf("Bail out! thread\n");
		return 1;
	}
	t0 = now_s();
	for (size_t bi = 0; bi < nblocks && !bad; bi++) {
		size_t b = order[bi], p = b * 512, end = p + 512;
		int whole = rnd(&s) % 2;

		if (pread(pm_fd, pm, 512 * 8, ((uintptr_t)src / PS + p) * 8) == 512 * 8)
			for (int i = 0; i < 512; i++) {
				if (pm[i] & PM_PRESENT)
					m_present++;
				else if (pm[i] & PM_SWAP)
					m_swapped++;
				else
					m_none++;
			}
		while (p < end) {
			size_t req = whole ? end - p : 1 + rnd(&s) % 64;
			int err, tries = 0;
			long n;

			if (req > end - p)
				req = end - p;
			requests++;
			__atomic_store_n(&moving_hi, p + req, __ATOMIC_SEQ_CST);
			__atomic_store_n(&moving_lo, p, __ATOMIC_SEQ_CST);
			for (;;) {
				n = do_move(uffd, (uintptr_t)dst + p * PS, (uintptr_t)src + p * PS,
					    req * PS, 0, &err);
				for (long i = 0; i < n / (long)PS; i++)
					__atomic_store_n(&moved[p + i], 1, __ATOMIC_SEQ_CST);
				p += n / PS;
				req -= n / PS;
				errstat_add(&es, err);
				if (!err)
					break;
				/* Short moves continue; transient errors are retried. */
				if ((err != EAGAIN && err != ENOMEM && err != EBUSY) || ++tries > 100) {
					printf("# FAIL: MOVE of pages %zu+%zu: %s (moved %ld, try %d)\n",
					       p, req, strerrorname_np(err), n, tries);
					bad++;
					break;
				}
				retries++;
			}
			if (bad)
				break;
		}
		/*
		 * Every fourth block is read back at once: the swap-ins push
		 * other pages, moved or not, out while the moves go on.
		 */
		for (size_t i = b * 512; !bad && rnd(&s) % 4 == 0 && i < b * 512 + 512; i++) {
			uint64_t id = 0, ctr;

			if (pat_check(dst + i * PS, &id, &ctr) != PG_OK || id != i + 1) {
				printf("# FAIL: dst page %zu right after its move: id %llu\n", i,
				       (unsigned long long)id);
				bad++;
			}
		}
	}
	t_move = now_s() - t0;
	stop = 1;
	thr_join(&reader);
	{
		long a, sw;

		smaps_anon(&a, &sw);
		printf("# moved in %.1f s: %lu requests, %lu retried calls; Anonymous %ld MiB, "
		       "Swap %ld MiB\n", t_move, requests, retries, a / 1024, sw / 1024);
	}
	errstat_print("MOVE results", &es);
	printf("# src pages before their move: %lu swapped out, %lu present, %lu none\n",
	       m_swapped, m_present, m_none);
	tap(!bad && contract_violations == 0,
	    "%zu pages (%ld MiB) moved under memory pressure in 2 MiB and smaller requests",
	    npages, mib);
	tap(m_swapped > 0 && m_present > 0, "swapped-out and present pages both moved");

	/* Every page exactly at dst, every src PTE empty. */
	t0 = now_s();
	/* Unregistered, a page that did not arrive reads as zeroes. */
	if (uffd_unregister(uffd, dst, npages * PS))
		bad++;
	for (size_t i = 0; i < npages; i++) {
		uint64_t id = 0, ctr = 0;
		int cl = pat_check(dst + i * PS, &id, &ctr);

		if (cl != PG_OK || id != i + 1 || ctr) {
			if (bad++ < 5)
				printf("# FAIL: dst page %zu: class %d id %llu ctr %llu\n", i, cl,
				       (unsigned long long)id, (unsigned long long)ctr);
		} else {
			verified++;
		}
	}
	/* The reader may have mapped the (huge) zero page at moved src pages. */
	zero_pfn = zero_page_pfn(0);
	hzero_pfn = zero_page_pfn(1);
	for (size_t i = 0; i < npages; i += 512)
		if (pread(pm_fd, pm, 512 * 8, ((uintptr_t)src / PS + i) * 8) == 512 * 8)
			for (int j = 0; j < 512; j++) {
				uint64_t pfn = pm[j] & PM_PFN;

				if (pm[j] & PM_SWAP)
					src_left++;
				else if ((pm[j] & PM_PRESENT) && pfn != zero_pfn &&
					 (pfn < hzero_pfn || pfn >= hzero_pfn + 512))
					src_left++;
			}
	printf("# verified in %.1f s; reader checked %lu pages during the moves\n",
	       now_s() - t0, reader_checked);
	tap(!bad && !reader_bad && verified == npages && !src_left,
	    "every page verified at dst (%lu/%zu), none left at src (%lu), reader ok (%lu bad)",
	    verified, npages, src_left, reader_bad);

	munmap(src, npages * PS);
	munmap(dst, npages * PS);
	smaps_anon(&anon1, &swap1);
	sys_swap1 = meminfo_kb("SwapTotal:") - meminfo_kb("SwapFree:");
	printf("# smaps_rollup Anonymous: %ld kB -> %ld kB, Swap: %ld kB -> %ld kB; "
	       "system swap used %ld kB -> %ld kB\n", anon0, anon1, swap0, swap1,
	       sys_swap0, sys_swap1);
	/*
	 * Our other pages may have been swapped out meanwhile: count both.
	 * The system also swapped the initramfs (tmpfs) out: only most of
	 * the region's swap must be free again.
	 */
	tap(anon1 + swap1 <= anon0 + swap0 + 1024 && sys_swap1 - sys_swap0 < mib * 1024 / 8,
	    "anonymous memory and swap back to baseline after unmapping");
	printf("# summary pressure: MiB=%ld pages=%zu requests=%lu moved_swapped=%lu "
	       "moved_present=%lu pages_verified=%lu fill_s=%.1f move_s=%.1f\n", mib, npages,
	       requests, m_swapped, m_present, verified, t_fill, t_move);
	return failed;
}
