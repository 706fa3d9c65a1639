"""A local worker's tie to the squall process that started it: the worker stops sending when its
parent is gone (killed with -9, crashed) or when it is sent SIGTERM or SIGHUP itself, and ends
cleanly, its final shard written and saying why it stopped (a run cut short is never judged as a
whole one). Linux tells it at once (PR_SET_PDEATHSIG); everywhere, the parent's pid is compared
at every stop poll (a reparented process has another parent)."""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from types import FrameType

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# A signal to the whole process group (systemd, a CI runner) reaches a worker both directly and
# forwarded by its parent: within this long they are one stop, not a second one that kills.
SAME_STOP_S = 1.0


class Lifeline:
    def __init__(self, parent_pid: int) -> None:
        self.parent_pid = parent_pid
        self.signalled = 0  # the signal that asked this worker to stop, if any
        self.signalled_at = 0.0

    def hold(self) -> None:
        """SIGTERM and SIGHUP stop this worker gracefully (a second one ends it at once); on Linux the
        parent's death sends SIGTERM."""
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        if sys.platform.startswith("linux"):
            try:
                ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
            except (OSError, AttributeError):  # no prctl: the pid comparison still notices
                pass

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.signalled and time.monotonic() - self.signalled_at > SAME_STOP_S:
            os._exit(128 + signum)  # asked again: at once, as the default would
        if not self.signalled:
            self.signalled, self.signalled_at = signum, time.monotonic()

    def cut(self) -> str | None:
        """Why this worker must stop (its parent is gone, or it was signalled), or None. The reason
        goes into its final shard: the run was cut short unless its stop flag was set too."""
        if os.getppid() != self.parent_pid:  # checked first: the parent's death also sends SIGTERM
            return f"the squall process that ran it (pid {self.parent_pid}) ended without stopping the run (killed?)"
        if self.signalled:
            return f"it was sent {signal.Signals(self.signalled).name}"
        return None
