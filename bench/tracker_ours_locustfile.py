"""Benchmark locustfile: dispatch BENCH_RUNS runs of 4 jobs at once; the plugin's one tracker follows them."""

import os

import gevent
from locust import constant, task

from ghrunner_locust.plugin import WorkflowDispatchUser

TOTAL = int(os.environ.get("BENCH_RUNS", "200"))


class BurstUser(WorkflowDispatchUser):
    fixed_count = 1
    wait_time = constant(0)
    job_count = 4
    sleep_duration = 0
    sent = 0

    @task
    def burst(self) -> None:
        if BurstUser.sent >= TOTAL:
            gevent.sleep(1)
            return
        BurstUser.sent += 1
        self.dispatch()
