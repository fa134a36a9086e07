"""Plain closed loop, no shape: the plugin's mechanics on their own (tests only)."""

from ghrunner_locust.plugin import ClosedLoopUser


class Worker(ClosedLoopUser):
    pass
