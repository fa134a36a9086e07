"""The harness at the two ends of a test: its results directory opened, then the drain, ``meta.json``
completed, ``summary.json``, charts and ``report.html``, whether the test ends headless, by STOP in the web
UI, by Ctrl-C or by SIGTERM."""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gevent

from .._version import __version__
from ..errors import Error
from ..planning.checks import EXIT_CHECK_FAILED
from ..report.gate import check_gate
from ..tracking.records import iso
from ..tracking.results import ResultsWriter, results_dir_name

__all__ = ["EndingMixin"]

log = logging.getLogger("ghrunner_locust")


class EndingMixin:
    """Methods of :class:`~ghrunner_locust.plugin.harness.Harness` that open and close a test's results."""

    environment: Any
    settings: Any
    governor: Any
    writer: ResultsWriter | None
    _drainer: gevent.Greenlet | None = None
    """The greenlet running this test's drain (others wait for it: :meth:`wait_for_drain`)."""

    def _open_results(self) -> None:
        assert self.settings is not None
        if self.writer is not None:  # a new test from the web UI: the previous one's files are complete
            self.writer.close()
        root = Path(self.settings.results_dir)
        name = results_dir_name(self.settings.scenario)
        directory, n = root / name, 1
        while directory.exists():  # NEW within the same second: its own directory all the same
            n += 1
            directory = root / f"{name}-{n}"
        self.writer = ResultsWriter(directory)
        self.report_path = None
        self.summary_text = None
        self._finished = False
        self._write_meta()
        log.info("ghrunner: results in %s", directory)

    def _write_meta(self, **extra: Any) -> None:
        if self.writer is None or self.settings is None:
            return
        import locust

        options = {k: v for k, v in vars(self.environment.parsed_options).items() if "token" not in k.lower()}
        if self.environment.shape_class is not None or self.peak_users:
            options["num_users"] = self.peak_users  # what ran, not Locust's form default
        self.writer.write_meta(
            {
                "scenario": self.settings.scenario,
                "target": "embedded simulator" if self.settings.embedded else self.settings.api_url,
                "owner": self.settings.owner,
                "repo": self.settings.repo,
                "workflow": self.settings.workflow,
                "options": options,
                "num_users": self.peak_users,
                "versions": {"ghrunner_locust": __version__, "locust": locust.__version__},
                "start": iso(self.started_at),
                "role": self.role,
                "hostname": socket.gethostname(),
                "notes": list(self.notes),
                **self._shape_meta(),
                **extra,
            }
        )

    def _shape_meta(self) -> dict[str, Any]:
        """The shape and its plan's stages, for the report's test parameters."""
        shape, plan = self.environment.shape_class, getattr(self, "plan", None)
        out: dict[str, Any] = {}
        if shape is not None:
            out["shape"] = {"class": type(shape).__name__, "kind": getattr(plan, "kind", None)}
        if plan is not None:
            out["plan"] = {"kind": plan.kind, "stages": [asdict(stage) for stage in plan.stages()]}
        if self.role == "master":
            out["workers"] = getattr(self.environment.runner, "worker_count", None)
        return out

    # -- stop ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """``test_stopping``: stop dispatching, drain runs in flight, cancel the rest if asked.

        The master asks every worker to drain and waits for their last records (a missing worker is not
        waited for: the master follows its runs); Locust's own quit gives workers half a second. Once per
        test: a second call (the shape's own end after STOP, Ctrl-C during the drain) waits for the first.
        """
        self.stopping = True
        self.governor.pause.stop_dispatches()  # a dispatch held by a rate-limit pause is not sent into the drain
        if self._drained:
            self.wait_for_drain()
            return
        self._drained, self._drainer = True, gevent.getcurrent()
        self._drain_done.clear()
        try:
            if self.role == "master":
                self._drain_workers()
            else:
                for greenlet in self._greenlets:
                    if greenlet is not gevent.getcurrent():
                        greenlet.kill(block=False)
                self._greenlets = []
            self._drain_tracker()
        finally:
            self._drain_done.set()

    def wait_for_drain(self) -> None:
        """Return once no drain runs, unless this greenlet is the one draining."""
        if self._drainer is not gevent.getcurrent():
            self._drain_done.wait()

    def _drain_tracker(self) -> None:
        tracker, settings = self.tracker, self.settings
        if tracker is None or settings is None:
            return
        if tracker.runs:
            n = tracker.in_flight
            log.info("ghrunner: waiting up to %.0f s for %d run%s in flight", settings.drain_timeout, n, "s"[: n != 1])
            tracker.drain(settings.drain_timeout)
        if tracker.runs and settings.cancel_on_stop:
            log.info("ghrunner: cancelling %d runs still in flight", tracker.cancel_all())
            tracker.drain(min(30.0, max(5.0, settings.drain_timeout)))
        tracker.abandon_all("the test stopped before the run ended")

    def test_stopped(self) -> None:
        """``test_stop``: the test is over (headless end, STOP in the web UI): write its report now."""
        if (
            self.role != "worker"
            and self.environment.parsed_options
            and not getattr(self.environment.parsed_options, "headless", False)
        ):
            self.finish()
            shape = self.environment.shape_class
            if shape is not None and hasattr(shape, "plan"):
                shape.plan = self.plan = None  # NEW in the web UI: the next test's shape builds its plan anew

    def quit(self) -> None:
        """``quitting``: end a test still running (Ctrl-C, SIGTERM), write its report, stop the embedded simulator."""
        if self.started_at is not None and (self.role == "master" or not self.failed):
            self.stop()  # starts the drain, or waits for the one already running
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        if self.role != "worker" and getattr(self.environment.parsed_options, "csv_prefix", None):
            from locust.stats import CSV_STATS_INTERVAL_SEC

            gevent.sleep(CSV_STATS_INTERVAL_SEC + 0.2)  # --csv is rewritten every interval: let it see the drained runs
        self.finish()
        if self.sim is not None:
            self.sim.stop()

    def finish(self) -> None:
        """Complete ``meta.json``, run the checks, write the report (once per test)."""
        if self.role == "worker" or self.writer is None or self._finished:
            return
        self.wait_for_drain()  # STOP and the shape's own end may both come while runs drain
        if self._finished:
            return
        self._finished = True
        for greenlet in self._greenlets:  # the master's sampler and adopted runs' tracker: the test is over
            if greenlet is not gevent.getcurrent():
                greenlet.kill(block=False)
        self._greenlets = []
        self.note_users()
        checks = self._checks()
        self._write_meta(
            end=iso(time.time()),
            records=dict(self.writer.counts),
            expected=self.forecasts,
            checks=[asdict(c) for c in checks],
            **({"tracking": self.tracker.summary()} if self.tracker is not None else {}),
            **self.plan_result,
        )
        self.writer.close()
        self._report(self.writer.directory)

    def _report(self, directory: Path) -> None:
        """summary.json, charts and report.html; the compact table is printed last (see ``print_summary``)."""
        from ..report import build_report, format_summary

        try:
            summary = build_report(directory)
        except Exception as exc:  # noqa: BLE001 - the results are on disk; a report failure must not hide them
            log.warning("ghrunner: could not write the report (%s); results in %s", exc, directory)
            if getattr(self.environment.parsed_options, "gate_fail_if", None):  # no summary: the gate cannot pass
                self.environment.process_exit_code = EXIT_CHECK_FAILED
            return
        self.report_path = directory / "report.html"
        self.summary_text = format_summary(summary, str(directory))
        self._gate(summary)
        log.info("ghrunner: report in %s", self.report_path)
        if not getattr(self.environment.parsed_options, "headless", False):
            self.print_summary()

    def _gate(self, summary: dict[str, Any]) -> None:
        """``--gate-baseline``/``--gate-fail-if``: a line per threshold; a broken one makes the exit code 3."""
        lines: list[str] = []
        try:
            code = check_gate(self.environment.parsed_options, summary, echo=lines.append)
        except Error as exc:
            lines, code = [f"gate: {exc}"], EXIT_CHECK_FAILED
        for line in lines:
            log.info("ghrunner: %s", line)
        if lines:
            self.summary_text = "\n".join([self.summary_text or "", *lines])
        if code and self.environment.process_exit_code in (None, 0):
            self.environment.process_exit_code = code

    def print_summary(self) -> None:
        """``quit`` (after Locust's own tables): the plugin's summary is the last thing printed."""
        if self.summary_text:
            print(self.summary_text, flush=True)
            self.summary_text = None

    def note_users(self, user_count: int | None = None) -> None:
        runner = self.environment.runner
        count = user_count if user_count is not None else getattr(runner, "user_count", 0) if runner else 0
        self.peak_users = max(self.peak_users, int(count or 0))
