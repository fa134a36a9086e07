"""Spike: a base load, a sudden peak of dispatches, back to base. Does the pool absorb it, and how fast
does the queue drain afterwards?

    locust -f locustfiles/spike.py --headless --quick
    GITHUB_TOKEN=... locust -f locustfiles/spike.py --headless --gh-owner ORG --gh-repo REPO \\
        --spike-base 2 --spike-peak 30 --spike-duration 120 --sleep-duration 60
"""

from ghrunner_locust.plugin import OpenLoopUser, SpikeShape


class Dispatcher(OpenLoopUser):
    """Dispatches at the rate the shape sets."""


class Spike(SpikeShape):
    rate = True  # levels are dispatches a minute
    base = 2
    peak = 30
    before_s = 300.0
    spike_s = 120.0
    after_s = 600.0
