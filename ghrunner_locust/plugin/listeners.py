"""The plugin's listeners on Locust's events, registered once: at the import of this module, which the users
and the shapes import, so a locustfile that takes either registers them."""

from __future__ import annotations

import logging
import signal
from typing import Any

import gevent
from locust import events
from locust.runners import STATE_RUNNING, STATE_SPAWNING, STATE_STOPPING, MasterRunner, WorkerRunner

from ..errors import UsageError
from . import webui
from .harness import Harness, harness_of
from .options import add_arguments

__all__ = ["register"]

_registered = False


def _on_parser(parser: Any, **kwargs: Any) -> None:
    add_arguments(parser)


def _on_init(environment: Any, **kwargs: Any) -> None:
    harness = environment.ghrunner = Harness(environment)
    webui.install(environment, harness)

    def report_to_master(client_id: str, data: dict[str, Any], **kw: Any) -> None:
        data["ghrunner"] = harness.report()

    def worker_report(client_id: str, data: dict[str, Any], **kw: Any) -> None:
        if "ghrunner" in data:
            harness.worker_reports[client_id] = data["ghrunner"]

    def print_last(**kw: Any) -> None:
        harness.print_summary()  # after Locust's own tables: the plugin's summary is the last thing printed

    environment.events.report_to_master.add_listener(report_to_master)
    environment.events.worker_report.add_listener(worker_report)
    environment.events.spawning_complete.add_listener(lambda user_count, **kw: harness.note_users(user_count))
    environment.events.quit.add_listener(print_last)
    if not isinstance(environment.runner, WorkerRunner):
        _end_shape_on_sigterm(environment)
        if getattr(environment.parsed_options, "headless", False):
            _refuse_bad_options_now(environment, harness)
    if isinstance(environment.runner, MasterRunner):
        _keep_the_users_of_lost_workers(environment)


def _refuse_bad_options_now(environment: Any, harness: Harness) -> None:
    """A headless run checks its options at once: one line and exit code 2 before Locust starts anything (at
    ``test_start`` its users would already be spawning, and its empty tables printed after the line)."""
    try:
        harness.check(environment.parsed_options)
    except UsageError as exc:
        logging.getLogger("ghrunner_locust").error("ghrunner: %s", exc)
        raise SystemExit(2) from None


def _keep_the_users_of_lost_workers(environment: Any) -> None:
    """A lost worker's users move to the others (Locust's ``--enable-rebalancing``), so a dispatch rate or a
    closed loop's concurrency holds when a worker dies; without it Locust runs on with fewer users."""
    options = environment.parsed_options
    if options is not None and not getattr(options, "enable_rebalancing", False):
        options.enable_rebalancing = True
        logging.getLogger("ghrunner_locust").info("ghrunner: a lost worker's users move to the other workers")


def _say_stopping(environment: Any) -> None:
    """Locust fires ``test_stopping`` (the drain, which may last minutes) before its master's state leaves
    running, and while it runs the master spawns users again: on rebalancing, and when a worker missing for
    60 s is removed. The drain is the test stopping: say so first (the web UI shows STOPPING, too)."""
    runner = environment.runner
    if isinstance(runner, MasterRunner) and runner.state in (STATE_RUNNING, STATE_SPAWNING):
        runner.update_state(STATE_STOPPING)


def _end_shape_on_sigterm(environment: Any) -> None:
    """A headless shape test blocks Locust's main before it installs its SIGTERM handler: end the shape so
    the test ends as it would have (drain, report), instead of dying on the signal with nothing written."""

    def on_sigterm() -> None:
        runner = environment.runner
        shape = getattr(runner, "shape_greenlet", None)
        if shape is not None and not shape.dead and getattr(environment.parsed_options, "headless", False):
            logging.getLogger("ghrunner_locust").info("ghrunner: SIGTERM: ending the test")
            shape.kill(block=False)

    gevent.signal_handler(signal.SIGTERM, on_sigterm)


def _on_test_start(environment: Any, **kwargs: Any) -> None:
    harness_of(environment).start()


def _on_test_stopping(environment: Any, **kwargs: Any) -> None:
    _say_stopping(environment)  # before the drain
    harness_of(environment).stop()


def _on_test_stop(environment: Any, **kwargs: Any) -> None:
    harness_of(environment).test_stopped()


def _on_quitting(environment: Any, **kwargs: Any) -> None:
    if hasattr(environment, "ghrunner"):
        harness_of(environment).quit()


def register() -> None:
    """Register the plugin's listeners on Locust's events (once, however often it is called)."""
    global _registered
    if _registered:
        return
    _registered = True
    events.init_command_line_parser.add_listener(_on_parser)
    events.init.add_listener(_on_init)
    events.test_start.add_listener(_on_test_start)
    events.test_stopping.add_listener(_on_test_stopping)
    events.test_stop.add_listener(_on_test_stop)
    events.quitting.add_listener(_on_quitting)


register()
