"""The tracker's reads of runs listings, page by page, and the small statistics it keeps of itself."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from ..github.client import GitHubClient
from ..github.models import WorkflowRun

__all__ = ["listed_runs", "match_pending", "percentiles"]


def listed_runs(
    client: GitHubClient,
    owner: str,
    repo: str,
    workflow: str,
    status: str | None,
    created: str,
    stop_below: int | None = None,
) -> Iterator[WorkflowRun]:
    """Runs of a conditional ``workflow_dispatch`` listing, newest first, page after page (a 304 page is free),
    until a page reaches runs older than run id ``stop_below`` or the listing ends."""
    params: dict[str, object] = {"event": "workflow_dispatch", "created": created, "per_page": 100}
    if status:
        params["status"] = status
    url: str | None = None
    while True:
        page, url = client.runs_page(owner, repo, workflow, params, url)
        yield from page.items
        if url is None or not page.items or (stop_below is not None and min(r.id for r in page.items) < stop_below):
            return


T = TypeVar("T")


def match_pending(runs: Iterable[WorkflowRun], pending: dict[str, T]) -> Iterator[tuple[T, WorkflowRun]]:
    """Pair runs with the dispatches (by ``run_key``) that had no run id, by the key in the run's title;
    ``pending`` loses each key matched."""
    for run in runs:
        if not pending:
            return
        title = run.display_title or ""
        key = title[title.rfind("[") + 1 : title.rfind("]")] if "[" in title else ""
        if key not in pending:
            key = next((k for k in pending if f"[{k}]" in title), "")
        if key:
            yield pending.pop(key), run


def percentiles(values: Iterable[float]) -> dict[str, float | None]:
    """p50 and p95 of ``values`` (``None`` when empty), rounded to 0.01."""
    ordered = sorted(values)

    def at(q: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else None

    return {"p50": at(0.5), "p95": at(0.95)}
