"""A Locust web UI in a subprocess for tests: started on a free port, its log in a file, stopped at the end."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .conftest import REPO_ROOT, free_port


@dataclass
class WebLocust:
    url: str
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def sim_url(self, timeout: float = 30.0) -> str:
        """The embedded simulator's URL, from the log (it starts with the first test)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"embedded GitHub Actions simulator at (http://\S+)", self.text())
            if found:
                return found.group(1)
            time.sleep(0.2)
        raise AssertionError("the embedded simulator never started:\n" + self.text()[-3000:])

    def post(self, path: str, data: dict | None = None) -> dict:
        return requests.post(self.url + path, data=data or {}, timeout=120).json()

    def get(self, path: str) -> dict:
        return requests.get(self.url + path, timeout=10).json()


@contextmanager
def web_locust(locustfile: str, workdir: Path, *args: str) -> Iterator[WebLocust]:
    port = free_port()
    log = workdir / "locust.log"
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", locustfile, "--web-host", "127.0.0.1", "--web-port", str(port), *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
        )
    web = WebLocust(f"http://127.0.0.1:{port}", process, log)
    try:
        for _ in range(300):
            try:
                requests.get(web.url + "/", timeout=2)
                break
            except requests.ConnectionError:
                if process.poll() is not None:
                    raise AssertionError("locust exited:\n" + web.text()[-3000:]) from None
                time.sleep(0.1)
        yield web
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(90)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
