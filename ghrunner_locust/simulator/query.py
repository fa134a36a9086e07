"""Query-string rules of GitHub's listings: the ``created`` filter and page links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from .model import SimError

__all__ = ["CreatedFilter", "page_slice", "link_header"]


def _moment(text: str, end_of_day: bool = False) -> float:
    text = text.strip()
    if text == "*":
        return float("inf") if end_of_day else float("-inf")
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return (day + timedelta(days=1)).timestamp() - 1e-6 if end_of_day else day.timestamp()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SimError(422, f"Invalid value for created: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class CreatedFilter:
    """GitHub's search syntax for dates: ``>=T``, ``<=T``, ``>T``, ``<T``, ``A..B`` or a day."""

    def __init__(self, spec: str) -> None:
        self.low, self.high = float("-inf"), float("inf")
        self.low_open = self.high_open = False
        spec = spec.strip()
        if ".." in spec:
            low, high = spec.split("..", 1)
            self.low, self.high = _moment(low), _moment(high, end_of_day=True)
        elif spec.startswith(">="):
            self.low = _moment(spec[2:])
        elif spec.startswith("<="):
            self.high = _moment(spec[2:], end_of_day=True)
        elif spec.startswith(">"):
            self.low, self.low_open = _moment(spec[1:], end_of_day=len(spec) == 11), True
        elif spec.startswith("<"):
            self.high, self.high_open = _moment(spec[1:]), True
        else:
            self.low, self.high = _moment(spec), _moment(spec, end_of_day=True)

    def __contains__(self, t: float) -> bool:
        t = float(int(t))  # GitHub compares whole-second creation times
        above = t > self.low if self.low_open else t >= self.low
        below = t < self.high if self.high_open else t <= self.high
        return above and below


def page_slice(items: list, per_page: str | None, page: str | None) -> tuple[list, int, int]:
    """The items of one page, the page number and the number of pages (``per_page`` capped at 100)."""
    try:
        size = min(100, max(1, int(per_page or 30)))
        number = max(1, int(page or 1))
    except ValueError:
        raise SimError(422, "per_page and page must be integers") from None
    pages = max(1, -(-len(items) // size))
    return items[(number - 1) * size : number * size], number, pages


def link_header(url: str, args: dict[str, str], number: int, pages: int) -> str | None:
    """A ``Link`` header with next/last/first/prev, as GitHub sends it."""

    def to(page: int) -> str:
        return f"<{url}?{urlencode({**args, 'page': str(page)})}>"

    links = []
    if number < pages:
        links += [f'{to(number + 1)}; rel="next"', f'{to(pages)}; rel="last"']
    if number > 1:
        links += [f'{to(number - 1)}; rel="prev"', f'{to(1)}; rel="first"']
    return ", ".join(links) or None
