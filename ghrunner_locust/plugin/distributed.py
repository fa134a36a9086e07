"""The harness across processes: records to the master, the end-of-test drain of every worker."""

from __future__ import annotations

import logging
from typing import Any

import gevent

from ..tracking.records import JobRecord, RunRecord, from_row

__all__ = ["DistributedMixin", "RECORDS", "ABORT", "SHARE", "DRAIN", "DRAINED"]

log = logging.getLogger("ghrunner_locust")
RECORDS, ABORT, SHARE = "ghrunner_records", "ghrunner_abort", "ghrunner_share"
DRAIN, DRAINED = "ghrunner_drain", "ghrunner_drained"


class DistributedMixin:
    """Methods of :class:`~ghrunner_locust.plugin.harness.Harness` for master/worker runs."""

    environment: Any
    settings: Any

    def _receive_records(self, msg: Any, **kwargs: Any) -> None:
        for item in msg.data:
            if item["kind"] == "start":
                self.queue_samples.append((item["t"], item["q"]))
            else:
                self._write(from_row(JobRecord if item["kind"] == "job" else RunRecord, item["row"]))

    def _send_loop(self) -> None:
        while True:
            gevent.sleep(1.0)
            self.flush_outbox()

    def flush_outbox(self) -> None:
        if self.outbox and self.role == "worker":
            batch, self.outbox = self.outbox, []
            self.environment.runner.send_message(RECORDS, batch)

    def _drain_for_master(self) -> None:
        self.stop()
        self.environment.runner.send_message(DRAINED, {"worker": self.worker_id})

    def _drain_workers(self) -> None:
        runner, settings = self.environment.runner, self.settings
        workers = {client.id for client in runner.clients.all}
        if not workers or settings is None or self._drained:
            return
        self._drained = True
        self._acks, self._all_drained = set(), gevent.event.Event()
        self._expected = workers
        runner.send_message(DRAIN, {})
        limit = settings.drain_timeout + (40.0 if settings.cancel_on_stop else 10.0)
        if not self._all_drained.wait(limit):
            log.warning("ghrunner: %d workers did not finish draining within %.0f s", len(workers - self._acks), limit)

    def _receive_drained(self, msg: Any, **kwargs: Any) -> None:
        self._acks.add(msg.node_id)
        if self._acks >= getattr(self, "_expected", set()):
            self._all_drained.set()
