"""Locust users that dispatch ``runner_test.yml``: an abstract base, a closed loop and an open loop."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

from locust import User, constant, task
from locust.exception import StopUser

from ..errors import Error, NotSentError, OutcomeUnknownError
from ..tracking.tracker import Dispatched
from . import events as stats
from . import listeners  # noqa: F401  (registers the plugin's listeners, once)
from .harness import harness_of
from .pacing import Pacer

__all__ = ["WorkflowDispatchUser", "ClosedLoopUser", "OpenLoopUser", "AdaptiveUser"]


class WorkflowDispatchUser(User):
    """Dispatches the workflow; subclasses set the inputs by class attributes (``None``: the option's value)."""

    abstract = True
    sleep_duration: float | None = None
    """Seconds each job sleeps (``--sleep-duration``)."""
    job_count: int | None = None
    """Jobs per run, 1-20 (``--job-count``)."""
    job_type: str | None = None
    """``parallel`` or ``sequential`` (``--job-type``)."""
    inputs: dict[str, Any] = {}
    """Further workflow inputs, over ``--gh-inputs``."""
    run_key_input: str | None = "run_key"
    """The input that carries the dispatch's unique key into ``run-name`` (``None`` if the workflow has none)."""

    def on_start(self) -> None:
        self.harness = harness_of(self.environment)
        self.harness.ready.wait()  # a failed start stops the test; the first task then ends this user

    def dispatch(self) -> Dispatched | None:
        """Dispatch once (paced within GitHub's secondary limit); fire a ``DISPATCH`` request event."""
        harness = self.harness
        settings = harness.settings
        if harness.failed or harness.stopping or settings is None or harness.client is None:
            raise StopUser()
        try:
            harness.governor.acquire()  # within the token's dispatch limits, and outside any rate-limit pause
        except NotSentError:  # the test stopped while this user waited: nothing was sent
            raise StopUser() from None
        run_key = uuid.uuid4().hex[:12]
        job_count = self.job_count if self.job_count is not None else harness.stage_job_count
        overrides = {"sleep_duration": self.sleep_duration, "job_count": job_count, "job_type": self.job_type, **self.inputs}
        if self.run_key_input:
            overrides[self.run_key_input] = run_key
        inputs = settings.inputs(**overrides)
        sent, began = time.time(), time.perf_counter()
        unknown = ""
        try:
            result = harness.client.dispatch_workflow(settings.owner, settings.repo, settings.workflow, settings.ref, inputs)
        except NotSentError:  # refused by a rate limit, then the test stopped during the wait: nothing was created
            raise StopUser() from None
        except Error as exc:
            stats.fire(
                self.environment.events,
                stats.DISPATCH,
                settings.workflow,
                time.perf_counter() - began,
                start_time=sent,
                exception=exc,
            )
            if not isinstance(exc, OutcomeUnknownError):
                if not getattr(exc, "retryable", False):
                    harness.fail(f"dispatch refused, stopping the test: {exc}")
                    raise StopUser() from None
                time.sleep(min(settings.poll_interval, 5.0))  # not sent (or refused): a short back-off, not a hammer
                return None
            # GitHub may have created the run: never fatal, never re-sent; the tracker looks for it by run_key.
            result, unknown = None, str(exc.cause)
        finally:
            harness.governor.settle()
        if result is not None:
            stats.fire(
                self.environment.events,
                stats.DISPATCH,
                settings.workflow,
                time.perf_counter() - began,
                start_time=sent,
                url=result.html_url,
                context={"run_id": result.run_id, "run_key": run_key},
            )
        dispatched = Dispatched(
            run_key,
            sent,
            result.run_id if result is not None else None,
            inputs.get("job_type", "parallel"),
            int(inputs.get("job_count", 1)),
            float(inputs.get("sleep_duration", 0) or 0),
            harness.stage,
            worker=harness.worker_id,
            unknown=unknown,
            answered_at=time.time(),
        )
        self._done = harness.dispatched(dispatched)
        return dispatched

    def wait_for_run(self) -> None:
        """Wait until the tracker reports the last dispatched run ended (or its timeout plus two polls)."""
        settings = self.harness.settings
        self._done.wait(timeout=settings.run_timeout + 2 * settings.poll_interval if settings else None)


class ClosedLoopUser(WorkflowDispatchUser):
    """Dispatch, wait until the run ends, wait ``wait_time``, repeat: concurrency = number of users."""

    abstract = True  # a locustfile subclasses it (an imported class would otherwise run too)
    wait_time = constant(0)

    @task
    def dispatch_and_wait(self) -> None:
        if self.dispatch() is not None:
            self.wait_for_run()


class OpenLoopUser(WorkflowDispatchUser):
    """Dispatch at a pace without waiting for the runs (the tracker follows them): load = arrival rate.

    The pace follows the shape's current rate at once (a spike is not missed behind a long wait), and
    arrivals are a Poisson process by default, as the M/D/c forecast assumes.
    """

    abstract = True
    dispatches_per_minute: float = 6.0
    """Each user's pace without a rate-setting shape; with N users the test dispatches N times this."""
    arrivals: str = "poisson"
    """``poisson`` (exponential gaps) or ``uniform`` (equal gaps)."""
    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        self.pacer = Pacer(self._gap, self._first_gap())

    def _first_gap(self) -> float:
        """The first arrival, in gaps: a rate is a rate, so users started together do not dispatch together.

        Poisson: an exponential gap like any other (the merged arrivals stay a Poisson process). Uniform:
        the k-th of N users waits k/N of a gap, so N users' dispatches are evenly spaced from the start.
        """
        harness = self.harness
        index = harness.users_started
        harness.users_started += 1
        if not (self.arrivals == "uniform" or getattr(harness, "quick", False)):
            return random.expovariate(1.0)
        users = max(1, int(getattr(self.environment.runner, "target_user_count", 0) or 0))
        offset = harness.phase if harness.role == "worker" else 0.0  # workers' users do not line up with each other
        return ((index % users) + offset) / users

    def _gap(self) -> float:
        uniform = self.arrivals == "uniform" or getattr(self.harness, "quick", False)  # --quick: repeatable rehearsals
        return 1.0 if uniform else random.expovariate(1.0)

    def rate(self) -> float:
        """Dispatches a minute for this user now."""
        harness = getattr(self, "harness", None)
        return harness.per_user_rate if harness is not None and harness.per_user_rate is not None else self.dispatches_per_minute

    def pace(self) -> None:
        """Wait until this user's next arrival is due, re-reading the rate at least every second."""
        while (wait := self.pacer.wait(self.rate())) > 0:
            time.sleep(wait)

    @task
    def dispatch_at_rate(self) -> None:
        self.pace()
        self.dispatch()


class AdaptiveUser(OpenLoopUser):
    """Follows the shape: open loop when the stage sets a dispatch rate, closed loop when it sets users."""

    abstract = True

    @task
    def dispatch_at_rate(self) -> None:
        if self.harness.per_user_rate is not None:
            self.pace()
            self.dispatch()
            return
        if self.dispatch() is not None:
            self.wait_for_run()
        self.pacer.resume()


# Locust gathers tasks from base classes too: without this, half of AdaptiveUser's iterations would run
# OpenLoopUser's task (open-loop pacing even in closed-loop stages).
AdaptiveUser.tasks = [AdaptiveUser.dispatch_at_rate]
