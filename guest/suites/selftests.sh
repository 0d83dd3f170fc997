#!/bin/sh
# The userfaultfd selftests: the base's anon/shmem/hugetlb stress runs, the
# series' UFFDIO_MOVE unit tests and its MOVE stress modes.
. /tap.sh

run_prog "userfaultfd anon" userfaultfd anon 16 4
run_prog "userfaultfd shmem" userfaultfd shmem 16 4
run_prog "userfaultfd hugetlb" userfaultfd hugetlb 16 4
run_prog "userfaultfd hugetlb_shared" userfaultfd hugetlb_shared 16 4 /dev/hugepages/uffd-test
rm -f /dev/hugepages/uffd-test
if [ -x /bin/uffd-move-tests ]; then
	run_prog uffd-move-tests uffd-move-tests
	run_prog "userfaultfd anon:move" userfaultfd anon:move 16 4
	run_prog "userfaultfd anon:move:thp" userfaultfd anon:move:thp 16 4
fi
tap_end
