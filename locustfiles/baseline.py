"""Baseline: one user dispatches runner_test.yml, waits for the run to finish, and repeats.

Run it against the embedded simulator (no repository given):

    locust -f locustfiles/baseline.py --headless -t 60s --sleep-duration 5 --job-count 2

or against real runners:

    GITHUB_TOKEN=... locust -f locustfiles/baseline.py --headless -t 10m --gh-owner ORG --gh-repo REPO
"""

from locust import constant

from ghrunner_locust.plugin import ClosedLoopUser


class BaselineUser(ClosedLoopUser):
    """Dispatch, wait until the run completes, pause a second, repeat."""

    wait_time = constant(1)
    fixed_count = 1
