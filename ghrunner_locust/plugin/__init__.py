"""The Locust plugin: users, load shapes and the harness: everything that imports Locust lives in this folder.

    from ghrunner_locust.plugin import ClosedLoopUser, LoadShape

Names are handed on lazily: importing this package imports nothing heavy, so a script or test may import
``ghrunner_locust.plugin.options`` without Locust. Taking a user class, a shape or the harness imports
Locust and registers the plugin's listeners, once (see ``listeners.py``).
"""

from __future__ import annotations

from .._lazy import lazy_names

_WHERE = {
    "WorkflowDispatchUser": "users",
    "ClosedLoopUser": "users",
    "OpenLoopUser": "users",
    "AdaptiveUser": "users",
    "Harness": "harness",
    "harness_of": "harness",
    "PlanShape": "shapes",
    "StagesShape": "shapes",
    "BaselineShape": "shapes",
    "LoadShape": "shapes",
    "ScalabilityShape": "shapes",
    "SpikeShape": "shapes",
    "StressShape": "shapes",
    "SoakShape": "shapes",
    "VolumeShape": "shapes",
    "CapacityShape": "shapes",
    "CatalogueShape": "shapes",
    "SHAPES": "shapes",
    "register": "listeners",
}

__all__ = list(_WHERE)


__getattr__, __dir__ = lazy_names(__name__, _WHERE)
