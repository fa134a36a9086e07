"""How the simulator's answers travel, as api.github.com sends them: JSON with ``charset=utf-8``, weak ETags and
304s, gzip on request, the API version header, GitHub's error bodies, and checks of what a request carries.

Sources (docs.github.com/rest): "Using pagination", "Best practices" (conditional requests, ETag),
"API versions" (``X-GitHub-Api-Version``, 400 for an unsupported one; message as recorded in
expipiplus1/update-nix-fetchgit#79), "Troubleshooting" (``Problems parsing JSON``); recorded responses
(``content-type: application/json; charset=utf-8``, ``etag: W/"..."``, ``content-encoding: gzip``,
``x-github-api-version-selected``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from werkzeug.wrappers import Request, Response

from .model import SimError

__all__ = [
    "JSON_TYPE",
    "VERSIONS",
    "json_response",
    "error_response",
    "api_version",
    "json_object",
    "conditional",
    "compress",
    "GzipCache",
]

JSON_TYPE = "application/json; charset=utf-8"
VERSIONS = ("2026-03-10", "2022-11-28")
"""API versions served, newest first; a request without the header gets 2022-11-28 (GitHub's default)."""
DEFAULT_VERSION = "2022-11-28"
GZIP_MIN_BYTES = 1024
"""Smaller bodies are sent as they are (gzip would barely shrink them)."""
GZIP_LEVEL = 1
VARY = "Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding"


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), status=status, content_type=JSON_TYPE)


def error_response(exc: SimError, documentation_url: str = "https://docs.github.com/rest") -> Response:
    """GitHub's error body; ``documentation_url`` is the endpoint's page unless the error names its own."""
    body = {"message": exc.message, "documentation_url": exc.documentation_url or documentation_url, "status": str(exc.status)}
    response = json_response(body, exc.status)
    if exc.retry_after is not None:
        response.headers["retry-after"] = str(exc.retry_after)
    return response


def api_version(request: Request) -> str:
    """The version the request asks for, or :class:`SimError` 400 as GitHub answers an unsupported one."""
    asked = request.headers.get("X-GitHub-Api-Version")
    if asked is None:
        return DEFAULT_VERSION
    if asked.strip() in VERSIONS:
        return asked.strip()
    listed = ", ".join(f'"{v}" (most recent)' if i == 0 else f'"{v}"' for i, v in enumerate(VERSIONS))
    raise SimError(
        400,
        f'The version you specified in the "X-GitHub-API-Version" request header, "{asked}", is not a supported version. '
        f"The following versions are currently supported: {listed}.",
        "https://docs.github.com/rest/about-the-rest-api/api-versions",
    )


def json_object(request: Request, max_bytes: int) -> dict[str, Any]:
    """The request body as a JSON object (empty body: ``{}``): 413 above ``max_bytes``, 400 for anything that
    is not UTF-8 JSON holding an object (GitHub: ``Problems parsing JSON``)."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise SimError(413, "Payload too large")
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise SimError(413, "Payload too large")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SimError(400, "Problems parsing JSON") from None
    if not isinstance(body, dict):
        raise SimError(400, "Problems parsing JSON")
    return body


def conditional(request: Request, response: Response) -> tuple[Response, bool]:
    """Give a 200 GET a weak ETag; answer 304 (not counted) when ``If-None-Match`` holds it.

    Returns the response and whether it spends the rate-limit budget.
    """
    tag = hashlib.sha256(response.get_data()).hexdigest()
    etag = f'W/"{tag}"'
    response.headers["ETag"] = etag
    wanted = request.headers.get("If-None-Match", "")
    if wanted and any(t.strip().removeprefix("W/") == f'"{tag}"' or t.strip() == "*" for t in wanted.split(",")):
        return Response(status=304, headers={"ETag": etag}), False
    return response, True


class GzipCache:
    """The gzipped bodies of the last few distinct GET answers, by ETag: a poller asking for an unchanged page of
    100 runs (1 MB of JSON) gets the bytes compressed once."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, data: bytes) -> bytes:
        with self._lock:
            packed = self._items.get(key)
            if packed is not None:
                self._items.move_to_end(key)
                return packed
        packed = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
        with self._lock:
            self._items[key] = packed
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return packed


def compress(request: Request, response: Response, cache: GzipCache | None = None) -> Response:
    """Gzip the body when the client accepts it and it is worth it (``cache``: reuse by ETag)."""
    response.headers["Vary"] = VARY
    if not request.accept_encodings["gzip"] or response.direct_passthrough:
        return response
    data = response.get_data()
    if len(data) < GZIP_MIN_BYTES or "Content-Encoding" in response.headers:
        return response
    etag = response.headers.get("ETag")
    if cache is not None and etag and response.status_code == 200:
        response.set_data(cache.get(etag, data))
    else:
        response.set_data(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response
