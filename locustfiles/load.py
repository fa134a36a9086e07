"""Load: the expected steady load for a while, as dispatches a minute (open loop).

    locust -f locustfiles/load.py --headless --quick                          # embedded simulator
    GITHUB_TOKEN=... locust -f locustfiles/load.py --headless --gh-owner ORG --gh-repo REPO \\
        --shape-rate 6 --shape-duration 1800 --sleep-duration 60 --job-count 2 --check-queue-p95 120
"""

from ghrunner_locust.plugin import LoadShape, OpenLoopUser


class Dispatcher(OpenLoopUser):
    """Dispatches at the rate the shape sets; the tracker follows the runs."""


class ExpectedLoad(LoadShape):
    rate_per_min = 6.0
    duration_s = 1800.0
