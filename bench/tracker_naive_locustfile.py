"""Benchmark baseline: a per-run poller as Locust users commonly write it.

Each user dispatches one run, gets the run every poll interval until it completes, then lists its jobs.
"""

import os

import gevent
from locust import User, constant, task

from ghrunner_locust.github import GitHubClient

URL = os.environ["BENCH_URL"]
POLL = float(os.environ.get("BENCH_POLL", "1"))
TOTAL = int(os.environ.get("BENCH_RUNS", "200"))
finished = 0


class NaivePollerUser(User):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client = GitHubClient(URL, "bench-token", pool_size=10)
        self.done = False

    @task
    def one_run(self) -> None:
        global finished
        if self.done:
            gevent.sleep(1)
            return
        self.done = True
        run_id = self.client.dispatch_workflow(
            "bench", "naive", "runner_test.yml", "main", {"job_count": "4", "sleep_duration": "0"}
        ).run_id
        while not self.client.get_run("bench", "naive", run_id, conditional=False).completed:
            gevent.sleep(POLL)
        self.client.list_run_jobs("bench", "naive", run_id, conditional=False)
        finished += 1
        if finished >= TOTAL:
            gevent.spawn(self.environment.runner.quit)
