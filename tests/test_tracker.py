"""The run tracker against the simulator: every job reported once, from GitHub's timestamps."""

from __future__ import annotations

import time
import uuid
from datetime import UTC

import pytest

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.github import GitHubClient
from ghrunner_locust.github.ratelimit import RateLimitPause
from ghrunner_locust.simulator import SimConfig, Simulator
from ghrunner_locust.tracking.tracker import Dispatched, RunTracker, TrackerListener

from .conftest import FAST_SIM, TOKEN

WF = "runner_test.yml"


class Collect(TrackerListener):
    def __init__(self):
        self.started, self.jobs, self.runs = [], [], []

    def job_started(self, run, job):
        self.started.append(job.id)

    def job_finished(self, record):
        self.jobs.append(record)

    def run_finished(self, record):
        self.runs.append(record)


def dispatch(client, tracker, inputs, with_id=True):
    key = uuid.uuid4().hex[:10]
    sent = time.time()
    result = client.dispatch_workflow("octo", "runners", WF, "main", {**inputs, "run_key": key})
    tracker.track(
        Dispatched(
            key,
            sent,
            result.run_id if with_id else None,
            inputs.get("job_type", "parallel"),
            int(inputs.get("job_count", 1)),
            float(inputs.get("sleep_duration", 0)),
        )
    )


def run_to_end(tracker, timeout=30.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while tracker.runs and time.monotonic() < deadline:
        tracker.poll_once()
        time.sleep(interval)
    assert not tracker.runs, "runs still tracked"


@pytest.mark.parametrize("with_id", [True, False])
def test_every_job_reported_once_and_matches_ground_truth(sim, with_id):
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.1, jobs_refresh=0.1)
    for count, kind in [(3, "parallel"), (2, "sequential"), (6, "parallel")]:
        dispatch(client, tracker, {"job_count": str(count), "job_type": kind, "sleep_duration": "0"}, with_id)
    run_to_end(tracker)
    truth = {j["job_id"]: j for j in sim.state.truth()}
    assert sorted(r.job_id for r in seen.jobs) == sorted(truth) and len(seen.jobs) == 11
    assert sorted(seen.started) == sorted(truth)
    for record in seen.jobs:
        assert record.conclusion == "success"
        assert abs(record.queue_s - truth[record.job_id]["queue_s"]) <= 1.0
        assert abs(record.execution_s - truth[record.job_id]["execution_s"]) <= 1.0
    assert len(seen.runs) == 3 and all(r.conclusion == "success" for r in seen.runs)
    assert sorted(r.job_count for r in seen.runs) == [2, 3, 6]


def test_failed_jobs_and_cancel_and_timeout():
    with Simulator(SimConfig(**{**FAST_SIM, "job_failure_rate": 1.0})) as server:
        client = GitHubClient(server.url, TOKEN)
        seen = Collect()
        tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.1)
        dispatch(client, tracker, {"job_count": "2", "sleep_duration": "0"})
        run_to_end(tracker)
        assert seen.runs[0].conclusion == "failure" and "concluded failure" in seen.runs[0].reason
        assert {r.conclusion for r in seen.jobs} == {"failure"}


def test_drain_then_cancel_records_unfinished_runs(sim):
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.1)
    dispatch(client, tracker, {"job_count": "2", "sleep_duration": "60"})
    tracker.drain(timeout=1.0)
    assert tracker.in_flight == 1
    assert tracker.cancel_all() == 1
    tracker.drain(timeout=5.0)
    assert tracker.in_flight == 0 and seen.runs[0].conclusion == "cancelled"
    assert sim.state.pool.busy_count == 0


def test_run_timeout_and_not_found(sim):
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.05, run_timeout=0.5, find_timeout=0.3)
    dispatch(client, tracker, {"sleep_duration": "60"})
    tracker.track(Dispatched("never-dispatched", time.time()))
    run_to_end(tracker, timeout=5)
    assert sorted(r.conclusion for r in seen.runs) == ["not_found", "timed_out"]
    assert all(r.reason for r in seen.runs)


def test_a_lost_answer_is_looked_for_from_when_it_came_not_from_when_the_dispatch_waited(sim):
    """A dispatch held 100 s by a rate-limit pause, then sent and its answer lost: its run is looked for
    from the answer on (it was recorded ``not_found``, "so none was created", while the run ran)."""
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.05, find_timeout=5, lost_after=5)
    key, now = uuid.uuid4().hex[:10], time.time()
    tracker.track(Dispatched(key, now - 100, None, sleep_s=0, unknown="502 after sending", answered_at=now))
    tracker.poll_once()  # GitHub has not created the run yet
    client.dispatch_workflow("octo", "runners", WF, "main", {"sleep_duration": "0", "run_key": key})
    run_to_end(tracker, timeout=10)
    assert [r.conclusion for r in seen.runs] == ["success"], seen.runs


def test_a_rate_limit_pause_holds_the_reads_and_the_drain_waits_it_out(sim):
    """A pause longer than the client may sleep (its reads fail at once) outlasted the 1 s drain: the runs
    that had ended were recorded unfinished. The drain now waits the pause out and polls once more."""
    client = GitHubClient(sim.url, TOKEN, max_wait=0.5)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.2)
    dispatch(client, tracker, {"sleep_duration": "0"})
    client.pause.pause_until(time.time() + 2.0, "429 rate limit: waiting 2 s")
    tracker.drain(1.0)
    assert [r.conclusion for r in seen.runs] == ["success"], seen.runs


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_run_that_ends_between_two_polls_is_noticed_on_the_next(sim):
    """Issue 11 item 6: a run seen queued, then completed before the next poll, ends on that poll."""
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=1, jobs_refresh=1)
    dispatch(client, tracker, {"job_count": "2", "sleep_duration": "0"})
    tracker.poll_once()
    assert tracker.in_flight == 1
    wait_until(lambda: all(j["completed_at"] for j in sim.state.truth()) and len(sim.state.truth()) == 2)
    time.sleep(max(0.0, tracker.next_interval()))
    tracker.poll_once()
    assert tracker.in_flight == 0 and seen.runs[0].conclusion == "success" and len(seen.jobs) == 2


@pytest.mark.parametrize("live", [True, False])
def test_counted_requests_per_run(sim, live):
    """Issue 13: a run costs its dispatch and one read of its jobs when the forecast says it is due; a read that
    finds it running costs one more (live rows: at most one more while it runs)."""
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=1, jobs_refresh=1, live=live, runners=4)
    for _ in range(6):
        dispatch(client, tracker, {"job_count": "2", "sleep_duration": "1"})
    deadline = time.monotonic() + 30
    while tracker.runs and time.monotonic() < deadline:
        tracker.poll_once()
        time.sleep(tracker.next_interval())
    counts = sim.app.counts
    assert len(seen.runs) == 6 and len(seen.jobs) == 12 and sorted(seen.started) == sorted(j.job_id for j in seen.jobs)
    assert counts[("dispatch", "counted")] == 6
    print(dict(counts), tracker.summary())
    assert -1.0 <= tracker.summary()["forecast"]["lead_s"] <= 0.5  # the simulator's first job comes 0.1 s after
    if live:
        assert counts[("list_jobs", "counted")] <= 12
    else:
        counted = sum(n for (_, kind), n in counts.items() if kind == "counted")
        assert counted <= 6 * 2.5  # the dispatch, one read, and a second read or a listing for at most half
    assert max(tracker.end_lags) <= 1 + 1.5 + 0.2  # the poll interval, GitHub's whole seconds , a round (min_gap)


def test_no_run_lost_or_doubled_when_dispatch_answers_are_lost(sim):
    """Issue 11 item 2: 10% of dispatches answered 502 and 5% dropped *after* the run was created."""
    from ghrunner_locust.errors import OutcomeUnknownError

    from .faultproxy import FaultProxy

    with FaultProxy(sim.url, error_after=0.10, drop_after=0.05, lose_before=0.05, seed=5) as proxy:
        client = GitHubClient(proxy.url, TOKEN)
        seen = Collect()
        tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.2, find_timeout=3)
        unknown = 0
        for _ in range(60):
            key, sent = uuid.uuid4().hex[:10], time.time()
            try:
                result = client.dispatch_workflow("octo", "runners", WF, "main", {"sleep_duration": "0", "run_key": key})
                tracker.track(Dispatched(key, sent, result.run_id, sleep_s=0))
            except OutcomeUnknownError as exc:
                unknown += 1
                tracker.track(Dispatched(key, sent, None, sleep_s=0, unknown=str(exc)))
        run_to_end(tracker, timeout=60, interval=0.2)
        faults = dict(proxy.faults)
    created = {run.id: run.inputs["run_key"] for run in sim.state.runs.values()}
    assert faults["error_after"] >= 3 and faults["drop_after"] >= 1 and faults["lost_before"] >= 1, faults
    assert unknown == sum(faults.values())
    assert len(set(created.values())) == len(created)  # nothing sent twice
    recorded = {r.run_id for r in seen.runs if r.run_id is not None}
    assert recorded == set(created)  # nothing lost
    failed = [r for r in seen.runs if r.run_id is None]
    assert len(failed) == faults["lost_before"] and all("failed" in r.reason and r.conclusion == "not_found" for r in failed)
    assert len(seen.jobs) == len(created)


class StubClient:
    """A client that serves runs listings from memory (for tracker scale without a simulator)."""

    def __init__(self, completed=(), in_progress=()):
        from ghrunner_locust.github.models import WorkflowRun

        def run(run_id, status):
            return WorkflowRun.from_api(
                {
                    "id": run_id,
                    "status": status,
                    "conclusion": "success" if status == "completed" else None,
                    "display_title": f"t [{run_id}]",
                    "updated_at": "2026-01-01T00:00:00Z",
                }
            )

        self.lists = {
            "completed": [run(i, "completed") for i in sorted(completed, reverse=True)],
            "in_progress": [run(i, "in_progress") for i in sorted(in_progress, reverse=True)],
        }
        self.requests_counted = 0
        self.rate_limit = None
        self.pause = RateLimitPause()
        self.jobs_reads = []
        self.pages = 0

    def runs_page(self, owner, repo, workflow, params, url=None):
        from ghrunner_locust.github.models import Page

        number = int(url or 1)
        items = self.lists.get(params.get("status"), [])
        self.pages += 1
        self.requests_counted += 1
        page = items[(number - 1) * 100 : number * 100]
        return Page(tuple(page), len(items), False), (str(number + 1) if number * 100 < len(items) else None)

    def list_run_jobs(self, owner, repo, run_id):
        from ghrunner_locust.github.models import Job, Page

        self.jobs_reads.append(run_id)
        self.requests_counted += 1
        job = {
            "id": run_id * 10,
            "run_id": run_id,
            "name": "j",
            "status": "completed",
            "conclusion": "success",
            "created_at": "2026-01-01T00:00:00Z",
            "started_at": "2026-01-01T00:00:01Z",
            "completed_at": "2026-01-01T00:00:02Z",
        }
        return Page((Job.from_api(job),), 1, False)

    def forget_run(self, run_id):
        return 0


def test_thousands_of_runs_listed_past_ten_pages_without_reading_unchanged_ones(clock):
    """Issue 13: with 1,500 in progress and 1,200 ended, one poll reads exactly the 1,200 ended runs' jobs."""
    client = StubClient(completed=range(1, 1201), in_progress=range(1201, 2701))
    tracker = RunTracker(client, "o", "r", WF, clock=clock, jobs_refresh=5)
    for run_id in range(1, 2701):
        tracker.track(Dispatched(str(run_id), clock.time(), run_id))
    tracker.poll_once()
    assert tracker.finished_runs == 1200 and sorted(client.jobs_reads) == list(range(1, 1201))
    assert client.pages == 12 + 15
    clock.sleep(5)
    tracker.poll_once()  # live: every run in progress read once (it started); none ended
    assert tracker.in_flight == 1500 and len(client.jobs_reads) == 2700


def test_poll_interval_follows_what_polls_cost(clock):
    """Issue 13: 2,000 runs in flight on a 5,000-an-hour token, polls costing 0-1: the interval stays 5 s."""
    from ghrunner_locust.github.ratelimit import RateLimitSnapshot

    client = StubClient(in_progress=range(1, 2001))
    tracker = RunTracker(client, "o", "r", WF, clock=clock, live=False)
    for run_id in range(1, 2001):
        tracker.track(Dispatched(str(run_id), clock.time(), run_id))
    client.rate_limit = RateLimitSnapshot(5000, 4000, 1000, int(clock.time()) + 3600)
    for _ in range(3):
        tracker.poll_once()
        assert tracker.next_interval() == 5.0
    client.rate_limit = RateLimitSnapshot(5000, 5, 4995, int(clock.time()) + 3600)
    tracker.budget.observe("base", 1)
    assert tracker.next_interval() >= 30  # 5 requests left for an hour: stretch
    tracker.budget.reserve = 50
    assert tracker.next_interval() >= 3600  # the reserve is not the tracker's to spend


def test_short_budget_thins_live_rows_before_ends():
    """With little budget the live part runs every k-th poll; ends keep the poll interval."""
    from ghrunner_locust.github.ratelimit import RateLimitSnapshot
    from ghrunner_locust.tracking.budget import PollBudget

    budget = PollBudget(5.0)
    for _ in range(20):
        budget.observe("base", 1)
        budget.observe("live", 20)
    plenty = budget.plan(RateLimitSnapshot(5000, 4000, 1000, 1_700_003_600), 1_700_000_000)
    short = budget.plan(RateLimitSnapshot(5000, 1000, 4000, 1_700_003_600), 1_700_000_000)
    assert (plenty.interval, plenty.live_every) == (5.0, 1)
    assert short.interval == 5.0 and short.live_every > 1


def test_a_burst_of_dispatches_does_not_stall_polling():
    """200 dispatches in the first second are a burst, not a pace: the tracker keeps its interval."""
    from ghrunner_locust.github.ratelimit import RateLimitSnapshot
    from ghrunner_locust.tracking.budget import PollBudget

    budget = PollBudget(5.0)
    budget.observe("base", 1)
    budget.observe_other(200, 1.0)
    assert budget.plan(RateLimitSnapshot(5000, 4700, 300, 1_700_003_600), 1_700_000_000).interval == 5.0
    budget.observe_other(10_000, 1.0)  # others spend everything: slow down, but never stop noticing ends
    assert budget.plan(RateLimitSnapshot(5000, 4700, 300, 1_700_003_600), 1_700_000_000).interval == budget.max_interval


def test_reads_of_ended_runs_keep_within_the_budget(clock):
    """Issue 13: 300 runs end at once on a token with 1,000 requests left: the reads spread over polls."""
    from ghrunner_locust.github.ratelimit import RateLimitSnapshot

    client = StubClient(completed=range(1, 301))
    tracker = RunTracker(client, "o", "r", WF, clock=clock, live=False)
    for run_id in range(1, 301):
        tracker.track(Dispatched(str(run_id), clock.time(), run_id))
    client.rate_limit = RateLimitSnapshot(5000, 1000, 4000, int(clock.time()) + 3600)
    per_poll = []
    for _ in range(100):
        before = client.requests_counted
        clock.sleep(tracker.next_interval())
        tracker.poll_once()
        per_poll.append(client.requests_counted - before)
        if not tracker.runs:
            break
    assert tracker.finished_runs == 300 and sorted(client.jobs_reads) == list(range(1, 301))
    assert max(per_poll) <= 12 and len(per_poll) > 25  # about 1,000 / 600 s * 0.9 * 5 s a poll


def test_polls_never_overlap(sim):
    """The end-of-test drain polls beside the poll loop: a poll begun while another runs does nothing, so no
    run is ended (and written) twice (seen as a KeyError in the master's drain)."""
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.1, jobs_refresh=0.1)
    inner = []

    def poll_again(record):  # as if another greenlet polled while this poll hands over a run
        inner.append(len(tracker.runs))
        tracker.poll_once()

    seen.run_finished = lambda record: (seen.runs.append(record), poll_again(record))
    for _ in range(3):
        dispatch(client, tracker, {"sleep_duration": "0", "job_count": "1"})
    time.sleep(3)  # all three runs end before the first poll: one poll ends them all
    run_to_end(tracker)
    assert len(seen.runs) == 3 and len({r.run_id for r in seen.runs}) == 3
    assert len(seen.jobs) == 3 and inner


class ScriptedJobs:
    """A run's one job on a script: queued until ``start``, then running ``execution`` s. Like GitHub, an
    unchanged answer is a free 304 (only a changed one counts); GitHub's timestamps are whole seconds."""

    def __init__(self, clock, start, execution):
        self.clock, self.t0, self.start, self.execution = clock, clock.time(), start, execution
        self.requests_counted, self.rate_limit, self.reads, self._last = 0, None, [], {}
        self.pause = RateLimitPause(clock)

    def list_run_jobs(self, owner, repo, run_id):
        from datetime import datetime

        from ghrunner_locust.github.models import Job, Page

        elapsed = self.clock.time() - self.t0
        status = "queued" if elapsed < self.start else "in_progress" if elapsed < self.start + self.execution else "completed"

        def stamp(seconds):
            return datetime.fromtimestamp(int(self.t0 + seconds), tz=UTC).isoformat()

        job = {"id": run_id * 10, "run_id": run_id, "name": "j", "status": status, "created_at": stamp(0)}
        if status != "queued":
            job.update(started_at=stamp(self.start), runner_id=1, runner_name="r1")
        if status == "completed":
            job.update(conclusion="success", completed_at=stamp(self.start + self.execution))
        changed = self._last.get(run_id) != status
        self._last[run_id] = status
        self.requests_counted += changed
        self.reads.append((round(elapsed, 1), status, changed))
        return Page((Job.from_api(job),), 1, not changed)

    def forget_run(self, run_id):
        return 0


@pytest.mark.parametrize(
    "pickup, paid",
    [
        (2.0, 1),  # read once, 5 s after it could first have ended: over
        (12.0, 2),  # still running when read: one more read, at its end
        (80.0, 3),  # queued when read: looking again is free while it is; then running, then over
    ],
)
def test_a_run_is_read_when_due_and_a_late_pickup_costs_one_read_more(clock, pickup, paid):
    """Issue 13: every run noticed within one poll interval of its end, at one counted read (two with a pickup
    longer than the interval), and no read every round while a job runs late or waits."""
    jobs = ScriptedJobs(clock, start=pickup, execution=32.0)
    tracker = RunTracker(jobs, "o", "r", WF, clock=clock, live=False, poll_interval=5.0)
    tracker.track(Dispatched("k", clock.time(), 1, "parallel", 1, 30.0))
    while tracker.runs and clock.time() - jobs.t0 < 300:
        clock.sleep(tracker.next_interval())
        tracker.poll_once()
    assert tracker.finished_runs == 1 and jobs.requests_counted == paid, jobs.reads
    assert max(tracker.end_lags) <= 5.0 + 1.0  # the poll interval, plus GitHub's whole second
    assert len(jobs.reads) <= paid + (80 + 32 - 35) / 5 + 1  # the free looks: at most one per poll interval


@pytest.mark.parametrize("remaining, first_read", [(4000, 5.0), (20, 35.0)])
def test_live_rows_read_a_long_job_at_its_start_unless_the_budget_is_short(clock, remaining, first_read):
    """Live rows: a run of 30 s jobs is read one poll interval after its job could have started, so its queue
    time is reported then; on a short budget the tracker reads ends only."""
    from ghrunner_locust.github.ratelimit import RateLimitSnapshot

    jobs = ScriptedJobs(clock, start=2.0, execution=32.0)
    jobs.rate_limit = RateLimitSnapshot(5000, remaining, 5000 - remaining, int(clock.time()) + 3600)
    tracker = RunTracker(jobs, "o", "r", WF, clock=clock, live=True, poll_interval=5.0, reserve=10)
    tracker.budget.observe("base", 5)  # what polls cost so far: with 10 requests to spend, nothing is left for live
    tracker.track(Dispatched("k", clock.time(), 1, "parallel", 1, 30.0))
    while tracker.runs and clock.time() - jobs.t0 < 300:
        clock.sleep(tracker.next_interval())
        tracker.poll_once()
    assert tracker.finished_runs == 1 and jobs.reads[0][0] == first_read, jobs.reads


def test_live_rows_read_many_runs_at_their_start_not_a_listing_of_ended_ones(clock):
    """Many runs due at once for their jobs' starts are read (a listing of completed runs cannot tell a
    start): at 1,000 dispatches a minute the starts were otherwise reported only with the runs' ends."""
    jobs = ScriptedJobs(clock, start=2.0, execution=32.0)
    tracker = RunTracker(jobs, "o", "r", WF, clock=clock, live=True, poll_interval=5.0)
    for run_id in range(1, 11):
        tracker.track(Dispatched(f"k{run_id}", clock.time(), run_id, "parallel", 1, 30.0))
    while tracker.runs and clock.time() - jobs.t0 < 300:
        clock.sleep(tracker.next_interval())
        tracker.poll_once()
    assert tracker.finished_runs == 10 and jobs.reads[:10] == [(5.0, "in_progress", True)] * 10, jobs.reads
    assert max(tracker.start_lags) <= 5.0 + 1.0


def test_the_drain_waits_between_rounds_while_the_poll_loop_is_in_a_round():
    """Seen in a fault trial: the poll loop's round was in a retry's back-off when the test stopped, so the
    drain's rounds returned at once and it slept 0 s (no full poll for a while): a busy loop that kept every
    other greenlet from running until its deadline, 120 s of a master at full CPU with nothing tracked."""

    class Bounded(FakeClock):
        def sleep(self, seconds):
            super().sleep(seconds)
            assert len(self.sleeps) < 1000, f"the drain spins: {self.sleeps[-5:]}"

    clock = Bounded()
    jobs = ScriptedJobs(clock, start=2.0, execution=32.0)
    tracker = RunTracker(jobs, "o", "r", WF, clock=clock, live=False, poll_interval=5.0)
    tracker.track(Dispatched("k", clock.time(), 1, "parallel", 1, 30.0))
    tracker._polling = True  # the poll loop's round, under way in another greenlet
    tracker.drain(2.0)
    assert clock.sleeps and min(clock.sleeps[:-1]) >= tracker.min_gap, clock.sleeps  # the last: to the deadline
    assert len(clock.sleeps) <= 2.0 / tracker.min_gap + 1
