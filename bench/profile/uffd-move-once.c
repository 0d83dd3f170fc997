// SPDX-License-Identifier: GPL-2.0
/*
 * Three UFFDIO_MOVE calls of one populated 2 MiB region, src -> dst -> src
 * -> dst, so that the third call finds both page tables (or huge pmds) in
 * place: the call bench/profile/trace-move.py traces instruction by
 * instruction.  "uffd-move-once 4k" uses 4 KiB pages (MADV_NOHUGEPAGE),
 * "uffd-move-once thp" one THP, "uffd-move-once page" moves only the first
 * 4 KiB page of the 4 KiB-page region, one page per request as ART does.
 * Prints kselftest TAP.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest.h"

#define REGION (2UL << 20)

/* A 2 MiB aligned region of REGION bytes, populated if @fill. */
static char *region(int advice, int fill)
{
	char *p = mmap(NULL, 2 * REGION, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	p = (char *)(((unsigned long)p + REGION - 1) & ~(REGION - 1));
	if (madvise(p, REGION, advice))
		ksft_exit_fail_msg("madvise: %s\n", strerror(errno));
	if (fill)
		memset(p, 0x5a, REGION);
	return p;
}

/* Both ends of a move have to be registered; populate before this. */
static void uffd_register(int uffd, char *p)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)p, .len = REGION },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		ksft_exit_fail_msg("UFFDIO_REGISTER: %s\n", strerror(errno));
}

static void move(int uffd, char *dst, char *src, unsigned long len)
{
	struct uffdio_move mv = {
		.dst = (unsigned long)dst,
		.src = (unsigned long)src,
		.len = len,
	};

	if (ioctl(uffd, UFFDIO_MOVE, &mv) || mv.move != (__s64)len)
		ksft_exit_fail_msg("UFFDIO_MOVE: %s, moved %lld\n",
				   strerror(errno), (long long)mv.move);
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	const char *what = argc > 1 ? argv[1] : "4k";
	int thp = !strcmp(what, "thp");
	unsigned long len = strcmp(what, "page") ? REGION : 4096;
	int advice = thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
	unsigned long i;
	char *a, *b;
	int uffd;

	ksft_print_header();
	ksft_set_plan(1);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		ksft_exit_skip("no userfaultfd with UFFD_FEATURE_MOVE\n");
	a = region(advice, 1);
	b = region(advice, 0);
	uffd_register(uffd, a);
	uffd_register(uffd, b);
	move(uffd, b, a, len);
	move(uffd, a, b, len);
	move(uffd, b, a, len);
	for (i = 0; i < len; i += getpagesize())
		if (b[i] != 0x5a)
			ksft_exit_fail_msg("byte %lu of dst is %d\n", i, b[i]);
	ksft_test_result_pass("uffd-move-once %s\n", what);
	ksft_finished();
}
