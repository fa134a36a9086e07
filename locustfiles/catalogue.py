"""Any kind of test, chosen at run time: --shape baseline|load|scalability|spike|stress|soak|volume|capacity,
or --scenario FILE.yaml (stages, workload and checks; see scenarios/).

    locust -f locustfiles/catalogue.py --headless --quick --shape spike --shape-rate 10
    locust -f locustfiles/catalogue.py --headless --scenario scenarios/nightly.yaml
"""

from ghrunner_locust.plugin import AdaptiveUser, CatalogueShape


class Runner(AdaptiveUser):
    """Open loop when a stage sets dispatches a minute, closed loop when it sets users."""


class AnyShape(CatalogueShape):
    pass
