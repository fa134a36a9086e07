"""A GitHub Actions simulator: the REST endpoints the harness uses, over a pool of runners.

It never imports locust. State (``SimState``) lives apart from HTTP (``SimApp``); ``Simulator``
serves both on a port.
"""

from .app import SimApp
from .config import Faults, LatencyModel, SimConfig
from .model import SimError, SimJob, SimRun, SimRunner
from .server import Simulator
from .state import WORKFLOW_ID, SimState

__all__ = [
    "Simulator",
    "SimConfig",
    "LatencyModel",
    "Faults",
    "SimState",
    "SimApp",
    "SimError",
    "SimJob",
    "SimRun",
    "SimRunner",
    "WORKFLOW_ID",
]
