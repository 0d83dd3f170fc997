# gdb script: single-step UFFDIO_MOVE calls of a guest waiting on a gdb stub.
# Environment: GDB_PORT (the stub), TRACE_CALLS (which MOVE ioctls, counted
# from 1 across the boot, e.g. "3 6"), TRACE_OUT (file prefix).  Every traced
# call writes TRACE_OUT<call>.pcs: the address of each instruction executed
# from the entry of userfaultfd_ioctl() to its return, one per line.
import os

import gdb

UFFDIO_MOVE = 0xC028AA05

gdb.execute("set pagination off")
gdb.execute("target remote 127.0.0.1:%s" % os.environ["GDB_PORT"])
gdb.execute("hbreak userfaultfd_ioctl")
calls = sorted(int(c) for c in os.environ["TRACE_CALLS"].split())
seen = 0
while calls:
    gdb.execute("continue")
    if int(gdb.parse_and_eval("$rsi")) & 0xFFFFFFFF != UFFDIO_MOVE:
        continue
    seen += 1
    if seen != calls[0]:
        continue
    calls.pop(0)
    ret = int(gdb.parse_and_eval("*(unsigned long *)$sp"))
    pcs = []
    while True:
        gdb.execute("stepi", to_string=True)
        pc = int(gdb.parse_and_eval("$pc"))
        if pc == ret:
            break
        pcs.append("%x\n" % pc)
    with open("%s%d.pcs" % (os.environ["TRACE_OUT"], seen), "w") as f:
        f.writelines(pcs)
    print("trace-move: MOVE call %d: %d instructions" % (seen, len(pcs)))
gdb.execute("kill")
