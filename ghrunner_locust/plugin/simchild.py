"""``python -m ghrunner_locust.plugin.simchild PARENT_PID ARGS``: ``ghrunner sim ARGS`` tied to the Locust
process that started it, so that it exits when that process dies, however it dies (``kill -9`` included).

Two guards: on Linux the kernel sends SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``), and a
watchdog thread checks every half second that the parent is still the parent. No Locust here.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["tie_to_parent", "main"]

PR_SET_PDEATHSIG = 1


def tie_to_parent(parent: int, interval: float = 0.5) -> None:
    """Exit when ``parent`` is gone: SIGTERM from the kernel (Linux), else the watchdog's own SIGTERM."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the guard was set
        os._exit(0)
    threading.Thread(target=_watch, args=(parent, interval), name="parent-watchdog", daemon=True).start()


def _watch(parent: int, interval: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os.kill(os.getpid(), signal.SIGTERM)  # the simulator's own clean stop
    time.sleep(5.0)
    os._exit(1)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    tie_to_parent(int(args[0]))
    from ..cli import main as cli_main

    try:
        return cli_main(["sim", *args[1:]])
    except BrokenPipeError:  # the parent died, and its end of our stdout with it: nothing to say to anyone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
