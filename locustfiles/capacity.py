"""Capacity: the highest sustained dispatch rate whose p95 queue latency stays within an SLO, found by a
search over rates (each held, then rested until the pool is idle), not a fixed ramp.

    locust -f locustfiles/capacity.py --headless --quick
    GITHUB_TOKEN=... locust -f locustfiles/capacity.py --headless --gh-owner ORG --gh-repo REPO \\
        --capacity-slo 60 --capacity-low 1 --capacity-high 30 --capacity-probe 900 --sleep-duration 60
"""

from ghrunner_locust.plugin import CapacityShape, OpenLoopUser


class Dispatcher(OpenLoopUser):
    """Dispatches at the rate of the current probe."""


class SearchCapacity(CapacityShape):
    slo_p95_s = 60.0
    low = 1.0
    high = 60.0
