"""Scalability: load rises a step at a time; watch where queue latency starts to climb.

    locust -f locustfiles/scalability.py --headless --quick
    GITHUB_TOKEN=... locust -f locustfiles/scalability.py --headless --gh-owner ORG --gh-repo REPO \\
        --shape-users 1 --shape-step 1 --shape-steps 8 --shape-step-interval 600

With the ECS monitor (--ecs-cluster/--ecs-service) and --shape-runners 4,4,8,8 the runner count steps too.
"""

from ghrunner_locust.plugin import ClosedLoopUser, ScalabilityShape


class Worker(ClosedLoopUser):
    """Each user keeps one run in flight: concurrency = users."""


class Steps(ScalabilityShape):
    start = 1
    step = 1
    steps = 6
    interval_s = 300.0
