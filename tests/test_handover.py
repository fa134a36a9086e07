"""The master's one tracker and the token-wide pause, with stand-ins for Locust's runners (no Locust here)."""

from __future__ import annotations

import types

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.plugin import handover
from ghrunner_locust.tracking.governor import DispatchGovernor
from ghrunner_locust.tracking.runs import Dispatched


class Runner:
    def __init__(self, bus, name):
        self.bus, self.name, self.handlers = bus, name, {}

    def register_message(self, kind, handler):
        self.handlers[kind] = handler

    def send_message(self, kind, data=None, client_id=None):
        self.bus.append((self.name, kind, data, client_id))


def process(bus, role, clock, name):
    runner = Runner(bus, name)
    harness = types.SimpleNamespace(
        role=role,
        environment=types.SimpleNamespace(runner=runner),
        governor=DispatchGovernor(clock=clock),
        waiters={},
        in_flight_of={},
        handed_over={},
    )
    harness.tracker, harness.run_dispatch_times = None, {}
    handover.register(harness)
    return harness


def deliver(bus, processes):
    """Pass every message on: worker -> master; master -> workers (or the one named)."""
    while bus:
        sender, kind, data, client_id = bus.pop(0)
        targets = [p for name, p in processes.items() if (name == "master") != (sender == "master")]
        targets = [processes[client_id]] if client_id else targets
        for target in targets:
            target.environment.runner.handlers[kind](types.SimpleNamespace(data=data, node_id=sender))


def test_a_refusal_seen_by_one_worker_pauses_every_process():
    clock, bus = FakeClock(), []
    procs = {name: process(bus, "master" if name == "master" else "worker", clock, name) for name in ("master", "w1", "w2")}
    procs["w1"].governor.pause.refused(403, {"retry-after": "43"})
    deliver(bus, procs)
    assert {name: p.governor.pause.until for name, p in procs.items()} == dict.fromkeys(procs, clock.time() + 43)
    assert procs["w2"].governor.acquire() == 43.0  # nothing dispatched inside the retry-after


def test_the_master_tracks_a_workers_dispatch_and_answers_that_worker():
    clock, bus = FakeClock(), []
    procs = {name: process(bus, "master" if name == "master" else "worker", clock, name) for name in ("master", "w1", "w2")}
    tracked = []
    procs["master"].tracker = types.SimpleNamespace(track=lambda d, on_done: tracked.append((d, on_done)))
    done = handover.hand_over(procs["w1"], Dispatched("k1", clock.time(), 7, worker="w1"))
    deliver(bus, procs)
    ((dispatched, on_done),) = tracked
    assert dispatched.run_id == 7 and dispatched.worker == "w1" and not done.ready()
    assert list(procs["master"].in_flight_of["w1"]) == ["k1"]  # what the master says of w1 if it is lost
    from ghrunner_locust.tracking.runs import TrackedRun, run_record

    on_done(run_record(TrackedRun(dispatched, 7), "success", "", "master"))
    deliver(bus, procs)
    assert done.ready() and done.get().run_key == "k1" and not procs["w2"].waiters
    assert procs["master"].in_flight_of["w1"] == {}
