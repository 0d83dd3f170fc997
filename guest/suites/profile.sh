#!/bin/sh
# Guest suite: the calls bench/profile/run-profile.sh traces.  Each
# uffd-move-once makes three MOVE calls; the third of each (MOVE calls 3,
# 6 and 9 of the boot) is the traced one.
. /tap.sh

run_prog "uffd-move-once 4k" uffd-move-once 4k
run_prog "uffd-move-once thp" uffd-move-once thp
run_prog "uffd-move-once page" uffd-move-once page
tap_end
