"""The harness across processes: a missing worker noted (its runs are on the master's tracker, see
``handover.py``), workers that stop on losing the master, the end-of-test drain of every worker."""

from __future__ import annotations

import logging
import time
from typing import Any

import gevent
from locust.runners import STATE_MISSING

from .planning import STAGE

__all__ = ["DistributedMixin", "ABORT", "SHARE", "DRAIN", "DRAINED", "MASTER_LOST_S"]

log = logging.getLogger("ghrunner_locust")
ABORT, SHARE = "ghrunner_abort", "ghrunner_share"
DRAIN, DRAINED = "ghrunner_drain", "ghrunner_drained"
MASTER_LOST_S = 5.0
"""A worker that hears no heartbeat from the master this long stops dispatching (Locust's own limit is 60 s)."""


class DistributedMixin:
    """Methods of :class:`~ghrunner_locust.plugin.harness.Harness` for master/worker runs."""

    environment: Any
    settings: Any

    def _init_distributed(self) -> None:
        runner = self.environment.runner
        self.in_flight_of: dict[str, dict[str, dict[str, Any]]] = {}
        """Master: each worker's runs in flight by run_key (handed over, not yet ended)."""
        self.handed_over: dict[str, int] = {}
        """Master: how many runs each worker handed over."""
        self.lost_workers: set[str] = set()
        if runner is None:
            return
        if self.role == "worker":
            runner.register_message(SHARE, lambda msg, **kw: self.governor.set_share(msg.data["share"]))
            runner.register_message(DRAIN, lambda msg, **kw: gevent.spawn(self._drain_for_master))
            runner.register_message(STAGE, lambda msg, **kw: self._set_stage(**msg.data))
            gevent.spawn(self._watch_master)
        if self.role == "master":
            runner.register_message(ABORT, lambda msg, **kw: self.fail(msg.data["message"], msg.data.get("code", 1)))
            runner.register_message(DRAINED, self._receive_drained)
            gevent.spawn(self._watch_workers)

    # -- worker -------------------------------------------------------------------------------

    def _drain_for_master(self) -> None:
        self.stop()
        self.environment.runner.send_message(DRAINED, {"worker": self.worker_id})

    def _watch_master(self) -> None:
        """Worker: with no heartbeat from the master for ``MASTER_LOST_S``, stop dispatching, drain, quit."""
        runner = self.environment.runner
        while True:
            gevent.sleep(1.0)
            last = getattr(runner, "last_heartbeat_timestamp", None)
            if last and time.time() - last > MASTER_LOST_S and self.started_at is not None and not self.stopping:
                log.error("ghrunner: no heartbeat from the master for %.0f s: stopping dispatching", time.time() - last)
                self.stopping = True
                self.stop()
                runner.quit()
                return

    # -- master -------------------------------------------------------------------------------

    def _watch_workers(self) -> None:
        """Master: a worker Locust marks missing has its runs in flight followed here to the end."""
        runner = self.environment.runner
        while True:
            gevent.sleep(1.0)
            for client in list(runner.clients.all):
                if client.state == STATE_MISSING and client.id not in self.lost_workers:
                    self.lost_workers.add(client.id)
                    self._adopt(client.id)
            if self._expected_acks() <= self._acks and getattr(self, "_expected", None):
                self._all_drained.set()

    def _adopt(self, worker: str) -> None:
        """A lost worker's runs in flight are on the master's tracker already (``handover.py``): say so."""
        runs = self.in_flight_of.pop(worker, {})
        when = time.strftime("%H:%M:%S", time.gmtime())
        in_flight = f"{len(runs)} run{'s'[: len(runs) != 1]}"
        note = (
            f"worker {worker} was lost at {when} UTC with {in_flight} in flight; the master follows every run "
            f"it dispatched ({self.handed_over.get(worker, 0)} in all) to its end"
        )
        log.warning("ghrunner: %s", note)
        self.notes.append(note)

    def _expected_acks(self) -> set[str]:
        return set(getattr(self, "_expected", set())) - self.lost_workers

    def _drain_workers(self) -> None:
        runner, settings = self.environment.runner, self.settings
        workers = {client.id for client in runner.clients.all if client.state != STATE_MISSING}
        if not workers or settings is None:
            return
        self._acks, self._all_drained = set(), gevent.event.Event()
        self._expected = workers
        runner.send_message(DRAIN, {})
        limit = settings.drain_timeout + (40.0 if settings.cancel_on_stop else 10.0)
        if not self._all_drained.wait(limit):
            late = len(self._expected_acks() - self._acks)
            log.warning("ghrunner: %d workers did not finish draining within %.0f s", late, limit)

    def _receive_drained(self, msg: Any, **kwargs: Any) -> None:
        self._acks.add(msg.node_id)
        if self._acks >= self._expected_acks():
            self._all_drained.set()
