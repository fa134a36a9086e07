"""One tracker for a distributed test: workers dispatch and hand each dispatch to the master, which tracks it.

One listing then serves every worker's runs (a listing changes with every run's end, so a tracker per worker
paid for every change once per worker), and a dead worker's runs are already on the master. The master
tells the worker when a run ended, so its closed-loop user goes on.

Messages: ``ghrunner_handover`` (worker -> master: the :class:`Dispatched`, as soon as it is made),
``ghrunner_run_done`` (master -> that worker: the run's :class:`RunRecord` row) and ``ghrunner_pause``
(a rate-limit refusal seen by any process: to the master, which relays it to every worker, so the whole
test waits until GitHub said it may go on).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from gevent.event import AsyncResult

from ..tracking.records import RunRecord, as_row, from_row
from ..tracking.runs import Dispatched

__all__ = ["HANDOVER", "RUN_DONE", "PAUSE", "register", "hand_over"]

log = logging.getLogger("ghrunner_locust")
HANDOVER, RUN_DONE, PAUSE = "ghrunner_handover", "ghrunner_run_done", "ghrunner_pause"


def register(harness: Any) -> None:
    """Register the messages of this process's role (call once, with the runner)."""
    runner = harness.environment.runner
    pause = harness.governor.pause

    def relay(until: float, reason: str) -> None:
        runner.send_message(PAUSE, {"until": until, "reason": reason})

    def apply(data: dict[str, Any]) -> bool:
        return pause.pause_until(float(data["until"]), str(data.get("reason", "")), relay=False)

    if harness.role == "worker":
        runner.register_message(RUN_DONE, lambda msg, **kw: _run_done(harness, msg.data))
        runner.register_message(PAUSE, lambda msg, **kw: apply(msg.data))
        pause.subscribe(relay)  # to the master
    elif harness.role == "master":
        runner.register_message(HANDOVER, lambda msg, **kw: _adopt(harness, msg.data, msg.node_id))
        runner.register_message(PAUSE, lambda msg, **kw: apply(msg.data) and relay(msg.data["until"], msg.data["reason"]))
        pause.subscribe(relay)  # to every worker


def hand_over(harness: Any, dispatched: Dispatched) -> AsyncResult:
    """Worker: send the dispatch to the master; the result is set with its :class:`RunRecord` when the run ends."""
    done: AsyncResult = AsyncResult()
    harness.waiters[dispatched.run_key] = done
    harness.environment.runner.send_message(HANDOVER, asdict(dispatched))
    return done


def _adopt(harness: Any, data: dict[str, Any], node_id: str) -> None:
    """Master: track a worker's dispatch; tell the worker when its run ended."""
    dispatched = Dispatched(**data)
    if harness.tracker is None:
        log.warning("ghrunner: run %s handed over before the master's tracker started; not tracked", dispatched.run_key)
        return
    runner = harness.environment.runner
    harness.run_dispatch_times[dispatched.run_key] = dispatched.dispatched_at
    harness.in_flight_of.setdefault(node_id, {})[dispatched.run_key] = data
    harness.handed_over[node_id] = harness.handed_over.get(node_id, 0) + 1

    def done(record: RunRecord) -> None:
        harness.in_flight_of.get(node_id, {}).pop(record.run_key, None)
        runner.send_message(RUN_DONE, {"run_key": record.run_key, "row": as_row(record)}, client_id=node_id)

    harness.tracker.track(dispatched, on_done=done)


def _run_done(harness: Any, data: dict[str, Any]) -> None:
    waiter = harness.waiters.pop(data["run_key"], None)
    if waiter is not None:
        waiter.set(from_row(RunRecord, data["row"]))
