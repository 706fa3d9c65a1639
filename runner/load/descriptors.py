"""The worker's file-descriptor table, grown before the load instead of during it.

Linux keeps a process's descriptors in a table it grows by doubling (64, 128, 256, ... entries)
when a new descriptor does not fit, and in a process with more than one thread (a worker has its
executor's and the stop poll's) each growth waits for an RCU grace period before it returns
(fs/file.c, expand_fdtable: ``synchronize_rcu()`` when the table is shared). The worker opens its
sockets on the event loop, so a growth there stops the schedule. Measured (bench/peers.py's mix,
16,000 arrivals/s, one worker on a 2-vCPU KVM guest, ``perf record -g -e sched:sched_switch``): the
worker's socket() blocked in ``expand_files`` -> ``synchronize_rcu`` for 12.5 ms and 16 ms in a
10 s run (16 ms is 256 arrivals due at that rate); with the table grown first, the run's late requests
fell from 837-2,050 to 19-104 (docs/engine.md).

So before its start a worker grows the table once to hold the sockets it may open (the table never
shrinks): a descriptor duplicated to the highest number needed, then closed.
"""
from __future__ import annotations

import fcntl
import os
import resource

MAX_RESERVED = 65_536  # descriptors: a table of 512 KiB of pointers at most
SMALLEST_TABLE = 64  # a new process's table holds this many without growing


def table_size() -> int | None:
    """How many descriptors the process's table holds now (Linux: /proc/self/status FDSize)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("FDSize:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reserve_descriptors(count: int) -> int:
    """Grow the table to hold ``count`` descriptors now (at most the soft RLIMIT_NOFILE and
    MAX_RESERVED), never touching a descriptor in use. Returns the highest number the table
    holds for certain afterwards (-1: nothing was done: too few to need it, or no room)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = MAX_RESERVED if soft == resource.RLIM_INFINITY else min(soft, MAX_RESERVED)
    highest = min(count, limit) - 1
    if highest < SMALLEST_TABLE:
        return -1
    try:
        probe = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no descriptor free at all: nothing to grow for
        return -1
    try:
        # the lowest free descriptor at or above ``highest`` (F_DUPFD, unlike dup2, never closes one in use)
        reserved = fcntl.fcntl(probe, fcntl.F_DUPFD_CLOEXEC, highest)
    except OSError:  # every descriptor from there to the limit is in use
        return -1
    finally:
        os.close(probe)
    os.close(reserved)
    return highest
