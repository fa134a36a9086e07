"""A local proxy in front of the simulator whose faults fire *after* GitHub acted (127.0.0.1 only).

It forwards every request; for dispatches it then answers 502, or drops the connection, at the given
rates, so the run exists but the client never learns of it. Server objects in pytest-httpserver's
style: start/stop/url, port 0, context manager.
"""

from __future__ import annotations

import random
import socket
import threading
import time

import requests
from werkzeug import Request, Response
from werkzeug.serving import make_server


class FaultProxy:
    """Forwards to ``target``; dispatches answered 502 (``error_after``) or dropped (``drop_after``) after forwarding."""

    def __init__(
        self, target: str, *, error_after: float = 0.0, drop_after: float = 0.0, lose_before: float = 0.0, seed: int = 7
    ):
        self.target = target.rstrip("/")
        self.error_after, self.drop_after, self.lose_before = error_after, drop_after, lose_before
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.faults = {"error_after": 0, "drop_after": 0, "lost_before": 0}
        self.log: list[tuple[float, float, str, int, dict[str, str]]] = []
        """(arrived, answered, method path, status, rate-limit headers) of every forwarded request."""
        self.session = requests.Session()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def app(self, environ, start_response):
        request = Request(environ)
        dispatch = request.method == "POST" and request.path.endswith("/dispatches")
        with self.lock:
            roll = self.rng.random() if dispatch else 1.0
        if roll < self.lose_before:
            self._note("lost_before")
            return Response('{"message":"Bad Gateway"}', status=502)(environ, start_response)
        arrived = time.time()
        upstream = self.session.request(
            request.method,
            self.target + request.full_path.rstrip("?"),
            data=request.get_data(),
            headers={k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")},
            timeout=30,
        )
        with self.lock:
            limits = {k.lower(): v for k, v in upstream.headers.items() if k.lower().startswith(("x-ratelimit", "retry-after"))}
            self.log.append((arrived, time.time(), f"{request.method} {request.path}", upstream.status_code, limits))
        if dispatch and roll < self.lose_before + self.error_after:
            self._note("error_after")
            return Response('{"message":"Bad Gateway"}', status=502)(environ, start_response)
        if dispatch and roll < self.lose_before + self.error_after + self.drop_after:
            self._note("drop_after")
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return Response(status=500)(environ, start_response)
        headers = {
            k: v
            for k, v in upstream.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding")
        }
        return Response(upstream.content, status=upstream.status_code, headers=headers)(environ, start_response)

    def _note(self, kind: str) -> None:
        with self.lock:
            self.faults[kind] += 1

    def start(self) -> FaultProxy:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
