"""Closed loop that prints when each JOB row fires (tests: a job's row fires when the job ends, not its run)."""

import time

from locust import events

from ghrunner_locust.plugin import ClosedLoopUser


class Worker(ClosedLoopUser):
    pass


@events.request.add_listener
def _print_job_rows(request_type, name, context, **kwargs):
    if request_type == "JOB" and name == "execution time":
        print(f"JOB-ROW {context['run_id']} {context['job']} {time.time():.3f}", flush=True)
