"""Soak: a steady load for hours, in hourly windows, to find drift: queue latency creeping up, runners
churning, failures accumulating.

    locust -f locustfiles/soak.py --headless --quick
    GITHUB_TOKEN=... locust -f locustfiles/soak.py --headless --gh-owner ORG --gh-repo REPO \\
        --shape-duration 28800 --shape-users 2 --poll-interval 15
"""

from locust import constant

from ghrunner_locust.plugin import ClosedLoopUser, SoakShape


class SteadyUser(ClosedLoopUser):
    wait_time = constant(30)


class LongSoak(SoakShape):
    users = 2
    duration_s = 4 * 3600.0
