"""Volume: big matrices (20 jobs a run) at a low dispatch rate. Can the pool take a wide fan-out?

    locust -f locustfiles/volume.py --headless --quick
    GITHUB_TOKEN=... locust -f locustfiles/volume.py --headless --gh-owner ORG --gh-repo REPO \\
        --shape-rate 1 --shape-duration 1800 --sleep-duration 60
"""

from ghrunner_locust.plugin import OpenLoopUser, VolumeShape


class MatrixDispatcher(OpenLoopUser):
    """Each dispatch is a matrix of the shape's job_count (20) jobs."""


class WideMatrices(VolumeShape):
    rate_per_min = 2.0
    job_count = 20
    duration_s = 1800.0
