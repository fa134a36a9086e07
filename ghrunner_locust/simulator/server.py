"""The :class:`Simulator` object: the state, its driver thread and a threaded HTTP server."""

from __future__ import annotations

import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..clock import Clock
from ..github.workflow import WorkflowSpec
from .app import SimApp
from .config import SimConfig
from .state import SimState

__all__ = ["Simulator"]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:  # one line per request would swamp a load test
        pass


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
        self._server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        """The API base URL (GitHub.com style; GHES style is ``url + '/api/v3'``)."""
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def url_for(self, path: str) -> str:
        return self.url + "/" + path.lstrip("/")

    def start(self) -> Simulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._server.request_queue_size = 512  # type: ignore[attr-defined]
        self._threads = [
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="sim-http", daemon=True),
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
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server = None

    def reset(self) -> None:
        """Forget runs, jobs, budgets and counts (a fresh pool), keeping the server up."""
        self.state.reset()
        self.app._cache.clear()
        self.app.limiter.reset()
        with self.app.counts_lock:
            self.app.counts.clear()

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
