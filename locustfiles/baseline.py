"""Baseline: one user dispatches runner_test.yml, waits for the run, and repeats a fixed number of times.

The reference numbers every other test is compared with. Against the embedded simulator:

    locust -f locustfiles/baseline.py --headless --quick

Against your runners (10 runs of 4 parallel 30-second jobs):

    GITHUB_TOKEN=... locust -f locustfiles/baseline.py --headless --gh-owner ORG --gh-repo REPO \\
        --baseline-runs 10 --sleep-duration 30 --job-count 4
"""

from locust import constant

from ghrunner_locust.plugin import BaselineShape, ClosedLoopUser


class BaselineUser(ClosedLoopUser):
    """Dispatch, wait until the run completes, pause a second, repeat."""

    wait_time = constant(1)


class Baseline(BaselineShape):
    runs = 10
