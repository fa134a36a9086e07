"""Benchmark baseline in the users' setting: closed-loop users that each follow their own run.

Each user dispatches a run, gets the run every poll interval until it completes, lists its jobs, repeats.
"""

import os

import gevent
from locust import User, constant, task

from ghrunner_locust.github import GitHubClient

URL = os.environ["BENCH_URL"]
POLL = float(os.environ.get("BENCH_POLL", "5"))
INPUTS = {"job_count": os.environ.get("BENCH_JOBS", "2"), "sleep_duration": os.environ.get("BENCH_SLEEP", "30")}


class NaiveClosedUser(User):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client = GitHubClient(URL, "bench-token", pool_size=10)

    @task
    def one_run(self) -> None:
        run_id = self.client.dispatch_workflow("bench", "naive", "runner_test.yml", "main", INPUTS).run_id
        while not self.client.get_run("bench", "naive", run_id, conditional=False).completed:
            gevent.sleep(POLL)
        self.client.list_run_jobs("bench", "naive", run_id, conditional=False)
