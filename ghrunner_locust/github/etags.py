"""What conditional requests remember: each URL's ETag and answer, bounded so memory stays flat."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["ETagCache"]


class ETagCache:
    """Conditional-request state by URL: (ETag, body, links), least recently used dropped beyond ``max_entries``.

    The tracker also :meth:`forget`\\ s a run's URLs when the run ends, so memory stays flat over a soak.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[str, Any, dict[str, Any]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> tuple[str, Any, dict[str, Any]] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: tuple[str, Any, dict[str, Any]]) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, fragment: str) -> int:
        """Drop every entry whose URL contains ``fragment``; return how many."""
        keys = [key for key in self._entries if fragment in key]
        for key in keys:
            del self._entries[key]
        return len(keys)
