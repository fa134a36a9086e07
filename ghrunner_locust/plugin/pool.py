"""The harness's view of the runner pool: samples.csv rows, reports to the master, the ECS service."""

from __future__ import annotations

import logging
import time
from typing import Any

import gevent

from ..ecs import EcsRunnerPool
from ..errors import Error
from ..tracking.records import Sample, iso

__all__ = ["PoolMixin"]

log = logging.getLogger("ghrunner_locust")


class PoolMixin:
    """Methods of :class:`~ghrunner_locust.plugin.harness.Harness` that watch the pool."""

    environment: Any
    settings: Any
    tracker: Any
    runners_every = 300.0
    """Seconds between reads of the runners API (a read counts against the token whenever a runner went busy
    or idle); the samples between carry the pool's size and leave ``busy_runners`` empty."""
    _runners_read: tuple[float, int | None] = (-1e9, None)

    def _connect_ecs(self, options: Any) -> None:
        """With --ecs-cluster/--ecs-service: sample the service, and let stages set the runner count."""
        cluster, service = getattr(options, "ecs_cluster", None), getattr(options, "ecs_service", None)
        if not (cluster and service):  # both or neither: preflight's check_ecs
            return
        self.ecs = EcsRunnerPool(cluster, service, region=options.ecs_region, endpoint_url=options.ecs_endpoint_url)
        state = self.ecs.sample()
        log.info(
            "ghrunner: ECS service %s/%s: %d desired, %d running, %d pending",
            cluster,
            service,
            state.desired,
            state.running,
            state.pending,
        )
        if getattr(options, "runners", None) is None:
            options.runners = state.desired
        self.on_runners = self._scale_ecs

    def _scale_ecs(self, count: int) -> None:
        assert self.ecs is not None
        log.info("ghrunner: scaling the ECS service to %d runners", count)
        try:
            state = self.ecs.scale(count)
            log.info("ghrunner: %d runners running", state.running)
        except Error as exc:
            log.warning("ghrunner: %s", exc)

    def _sample_loop(self) -> None:
        assert self.settings is not None
        while True:  # the first sample at once: the tracker's forecast wants the pool's size
            self._write(self.sample())
            gevent.sleep(self.settings.sample_interval)

    def runners_read_age(self) -> float:
        """Seconds since the runners API was last read (the Runner pool tab trusts a recent read only)."""
        return time.monotonic() - self._runners_read[0]

    def sample(self) -> Sample:
        """The pool and the harness now (on the master, summed over the workers' latest reports)."""
        mine = [self.report()] + (list(self.worker_reports.values()) if self.role == "master" else [])
        remaining = [r["rate_remaining"] for r in mine if r.get("rate_remaining") is not None]
        busy, (read_at, online) = None, self._runners_read
        due = time.monotonic() - read_at >= self.runners_every
        if due and self.runners_api and self.client is not None and self.settings is not None:
            try:
                runners = self.client.list_runners(self.settings.owner, self.settings.repo).items
                busy, online = sum(r.busy for r in runners), sum(r.online for r in runners)
                self.last_runners, self._runners_read = runners, (time.monotonic(), online)
                if self.tracker is not None and online:
                    self.tracker.forecast.runners = online  # the forecast's pool model follows the pool
            except Error as exc:
                self.runners_api = False
                log.info("ghrunner: not sampling the runners API (%s)", exc)
        ecs = None
        if self.ecs is not None:
            try:
                ecs = self.ecs.sample()
                if self.tracker is not None and not self.runners_api and ecs.running:
                    self.tracker.forecast.runners = ecs.running
            except Error as exc:
                log.warning("ghrunner: %s", exc)
        return Sample(
            time=iso(time.time()),
            worker=self.worker_id,
            in_flight_runs=sum(r["in_flight"] for r in mine),
            queued_jobs=sum(r["queued"] for r in mine),
            running_jobs=sum(r["running"] for r in mine),
            busy_runners=busy,
            online_runners=online,
            rate_limit_remaining=min(remaining) if remaining else None,
            rate_limit_used=max((r.get("rate_used") or 0 for r in mine), default=None),
            requests_sent=sum(r["sent"] for r in mine),
            requests_counted=sum(r["counted"] for r in mine),
            users=self.environment.runner.user_count,
            stage=self.stage,
            ecs_desired=ecs.desired if ecs else None,
            ecs_running=ecs.running if ecs else None,
            ecs_pending=ecs.pending if ecs else None,
        )

    def report(self) -> dict[str, Any]:
        """This process's tracker and budget, for the master (``report_to_master``) or the local sample."""
        queued, running = self.tracker.job_counts() if self.tracker else (0, 0)
        # a run not yet seen in progress has no job started: its jobs are queued even before the tracker read them
        queued += sum(
            1 if t.dispatch.job_type == "sequential" else t.dispatch.job_count
            for t in (self.tracker.runs.values() if self.tracker else ())
            if not t.jobs and not t.seen_in_progress
        )
        client, snap = self.client, self.client.rate_limit if self.client else None
        running_jobs = [
            [job.runner_name, job.name, job.run_id, job.queue_s]
            for t in (self.tracker.runs.values() if self.tracker else ())
            for job in t.jobs.values()
            if job.started and not job.completed
        ]
        return {
            "in_flight": self.tracker.in_flight if self.tracker else 0,
            "queued": queued,
            "running": running,
            "rate_remaining": snap.remaining if snap else None,
            "rate_used": snap.used if snap else None,
            "sent": client.requests_sent if client else 0,
            "counted": client.requests_counted if client else 0,
            "running_jobs": running_jobs,
        }
