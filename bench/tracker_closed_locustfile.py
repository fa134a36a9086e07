"""Benchmark locustfile: plain closed-loop users (the users' own setting: dispatch, wait for the run, repeat)."""

from ghrunner_locust.plugin import ClosedLoopUser


class Closed(ClosedLoopUser):
    pass
