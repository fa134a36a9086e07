"""The :class:`Simulator` object: the state, its driver thread and an HTTP/1.1 server.

The server is waitress (a production WSGI server): it keeps connections alive as api.github.com does
(werkzeug's development server closes every connection). The app gzips on request.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import WSGITask

from ..clock import Clock
from ..github.workflow import WorkflowSpec
from .app import SimApp
from .config import SimConfig
from .state import SimState

__all__ = ["Simulator"]


class _KeepAliveTask(WSGITask):
    """waitress closes a connection after any answer without ``Content-Length``, 204 and 304 included, though
    those must not carry one (RFC 9110 8.6, waitress PR #166): keep such HTTP/1.1 connections open, as
    api.github.com does, so a poller's 304s do not cost a new connection each."""

    _keep_bodyless = False

    def build_response_header(self) -> bytes:
        asked_close = self.request.headers.get("CONNECTION", "").lower() == "close"
        self._keep_bodyless = self.version == "1.1" and not self.has_body and not asked_close and not self.close_on_finish
        try:
            return super().build_response_header()
        finally:
            self._keep_bodyless = False

    def set_close_on_finish(self) -> None:
        if not self._keep_bodyless:
            super().set_close_on_finish()


class _Channel(HTTPChannel):
    task_class = _KeepAliveTask


SERVER_THREADS = 8
"""Worker threads answering requests (the answers are CPU-bound under one lock; more only add switching)."""


class Simulator:
    """A GitHub Actions simulator on ``host:port`` (port 0: any free port).

    ``start()`` serves in background threads; ``stop()`` ends them; ``url`` is the API base URL.
    Use as a context manager in tests.
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        workflow: WorkflowSpec | None = None,
    ) -> None:
        self.config = config or SimConfig()
        self.host = host
        self.port = port
        self.state = SimState(self.config, clock=clock, workflow=workflow)
        self.app = SimApp(self.state)
        self._server: Any = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        """The API base URL (GitHub.com style; GHES style is ``url + '/api/v3'``)."""
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return f"http://{self.host}:{self._server.effective_port}"

    def url_for(self, path: str) -> str:
        return self.url + "/" + path.lstrip("/")

    def start(self) -> Simulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" is normal under load
        self._server = create_server(
            self.app,
            host=self.host,
            port=self.port,
            threads=SERVER_THREADS,
            connection_limit=2000,
            backlog=512,
            channel_timeout=120,
            max_request_body_size=4 * self.config.max_body_bytes,  # the app answers 413 itself, as JSON
            ident="github.com",
            asyncore_use_poll=True,
            asyncore_loop_timeout=1,  # whole seconds: waitress casts it to int (0.2 became 0: a busy loop)
            log_socket_errors=False,
            expose_tracebacks=False,
        )
        self._server.channel_class = _Channel
        self._threads = [
            threading.Thread(target=self._serve, name="sim-http", daemon=True),
            threading.Thread(target=self._drive, name="sim-clock", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        with self.state.changed:
            self.state.changed.notify_all()
        server = self._server
        server.task_dispatcher.shutdown(timeout=5)
        for channel in list(server._map.values()):  # the loop ends when its map is empty
            try:
                channel.close()
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=5)
        self._server = None

    def reset(self) -> None:
        """Forget runs, jobs, budgets and counts (a fresh pool), keeping the server up."""
        self.app.reset()

    def _serve(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):  # closed under the loop by stop()
            pass

    def _drive(self) -> None:
        """Carry out each scheduled event at its time."""
        state = self.state
        while not self._stopping.is_set():
            with state.changed:
                due = state.next_event_time()
                wait = 0.5 if due is None else due - state.clock.time()
                if wait > 0:
                    state.changed.wait(timeout=min(wait, 0.5))
                    continue
            state.advance()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
