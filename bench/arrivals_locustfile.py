"""Benchmark locustfile: open-loop users with equal gaps, following the stages of ``--scenario``."""

from ghrunner_locust.plugin import CatalogueShape, OpenLoopUser


class Steady(OpenLoopUser):
    arrivals = "uniform"


class Stages(CatalogueShape):
    pass
