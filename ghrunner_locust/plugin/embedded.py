"""The embedded simulator: a ``ghrunner sim`` process started by the local runner or the master.

A separate process, not a thread: inside the Locust process gevent and the load would skew its clock.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

from ..errors import Error

__all__ = ["EmbeddedSimulator"]

log = logging.getLogger(__name__)


class EmbeddedSimulator:
    """Starts ``ghrunner sim --port 0 ARGS`` (tied to this process: it exits when this process dies, see
    ``simchild.py``) and reads the URL it prints."""

    def __init__(self, argv: list[str], host: str = "127.0.0.1", start_timeout: float = 20.0) -> None:
        self.argv = [
            sys.executable,
            "-m",
            "ghrunner_locust.plugin.simchild",
            str(os.getpid()),
            "--host",
            host,
            "--port",
            "0",
            *argv,
        ]
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[str] | None = None
        self.url: str | None = None

    def start(self) -> str:
        if self.url:
            return self.url
        # Its own session: a terminal's Ctrl-C goes to Locust alone, which still needs the simulator to drain.
        self.process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=None, text=True, start_new_session=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(self.start_timeout)
        text = line[0] if line else ""
        if "http://" not in text:
            self.stop()
            raise Error(
                f"the embedded simulator did not start: {text.strip() or 'no output'} (arguments: {' '.join(self.argv[4:])})"
            )
        self.url = next(word for word in text.split() if word.startswith("http://"))
        log.info("embedded GitHub Actions simulator at %s", self.url)
        return self.url

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        self.url = None
