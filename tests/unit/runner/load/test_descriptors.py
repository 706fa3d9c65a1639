"""A worker grows its descriptor table before the load, so that opening sockets during it never waits
for the kernel to grow the table (an RCU grace period, 12-16 ms, in a process with threads). Each case
runs in a fresh process: its table starts at the kernel's smallest, whatever pytest's is."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from runner.load.descriptors import table_size

pytestmark = pytest.mark.skipif(table_size() is None, reason="/proc/self/status has no FDSize here (not Linux)")


def fresh_process(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_table_holds_the_reserved_descriptors_and_opening_that_many_sockets_never_grows_it() -> None:
    out = fresh_process("""
        import resource, socket, threading
        from runner.load.descriptors import reserve_descriptors, table_size
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))  # room for 1,000
        threading.Thread(target=lambda: None).start()  # a worker has threads: each growth would wait
        before = table_size()
        highest = reserve_descriptors(1000)
        after = table_size()
        sockets = [socket.socket() for _ in range(900)]
        print(before, highest, after, table_size(), max(s.fileno() for s in sockets))
    """)
    before, highest, after, with_sockets, last_fd = map(int, out.split())
    assert before < 1000  # a new process's table is small (64 on Linux)
    assert highest == 999 and after >= 1000
    assert with_sockets == after and last_fd > 256  # 900 sockets opened: the table did not grow again


def test_a_descriptor_in_use_is_never_touched() -> None:
    out = fresh_process("""
        import os
        from runner.load.descriptors import reserve_descriptors
        kept = os.open(os.devnull, os.O_RDONLY)
        os.dup2(kept, 299)  # in use where the reservation would go
        before = os.fstat(299).st_ino
        print(reserve_descriptors(300), os.fstat(299).st_ino == before)
    """)
    assert out == "299 True"


def test_the_soft_file_limit_caps_it_and_a_count_the_smallest_table_holds_does_nothing() -> None:
    out = fresh_process("""
        import resource
        from runner.load.descriptors import reserve_descriptors, table_size
        resource.setrlimit(resource.RLIMIT_NOFILE, (200, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        print(reserve_descriptors(50), reserve_descriptors(10_000), table_size())
    """)
    nothing, highest, size = map(int, out.split())
    assert nothing == -1
    assert highest == 199 and 200 <= size < 10_000
