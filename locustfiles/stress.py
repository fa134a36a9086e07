"""Stress: more and more concurrent runs until the pool breaks (p95 queue latency, failures, timeouts or
refused dispatches over their bounds); the breaking point lands in meta.json.

    locust -f locustfiles/stress.py --headless --quick
    GITHUB_TOKEN=... locust -f locustfiles/stress.py --headless --gh-owner ORG --gh-repo REPO \\
        --stress-max-p95 300 --shape-step-interval 600 --cancel-on-stop
"""

from ghrunner_locust.plugin import ClosedLoopUser, StressShape


class Worker(ClosedLoopUser):
    """Each user keeps one run in flight."""


class ToBreakingPoint(StressShape):
    start = 1
    step = 2
    interval_s = 300.0
    max_queue_p95_s = 120.0
