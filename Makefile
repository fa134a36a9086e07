# Common runs. `make demo` and `make test` work on a fresh machine (they create .venv first).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: ui demo test test-quick lint terraform-check test-ecs baseline load scalability spike stress soak volume capacity

# Real runners: GH_OWNER, GH_REPO and GITHUB_TOKEN in the environment (ECS: ECS_CLUSTER, ECS_SERVICE too).
REAL = --gh-owner $(GH_OWNER) --gh-repo $(GH_REPO) --cancel-on-stop

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/locust -f locustfiles/load.py --headless --quick

# The Locust web UI on http://127.0.0.1:8089 (KIND=load|baseline|...; ARGS for more options).
KIND ?= load
ui: $(VENV)/.installed
	$(VENV)/bin/locust -f locustfiles/$(KIND).py --web-host 127.0.0.1 $(if $(GH_REPO),$(REAL),--quick) $(ARGS)

# The old entry point: a quick test against the real ECS runners.
test-ecs: $(VENV)/.installed
	$(VENV)/bin/locust -f locustfiles/load.py --headless $(REAL) --shape-rate 4 --shape-duration 300 \
	    --sleep-duration 30 --job-count 2 --runners 4 --check-queue-p95 120 --check-fail-ratio 0.01

baseline load scalability spike stress soak volume capacity: $(VENV)/.installed
	$(VENV)/bin/locust -f locustfiles/$@.py --headless $(if $(GH_REPO),$(REAL),--quick) $(ARGS)

# checkov lives in its own environment: its pins (boto3, packaging) would fight the project's.
CHECKOV_VENV ?= $(VENV)-checkov
$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov>=3.2'
	touch $@

test: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	CHECKOV=$(abspath $(CHECKOV_VENV))/bin/checkov $(PY) -m pytest -n 4 -m "not slow"
	CHECKOV=$(abspath $(CHECKOV_VENV))/bin/checkov $(PY) -m pytest -n 2 -m slow  # end-to-end tests start Locust and simulators: two at a time on 2 cores

terraform-check: $(CHECKOV_VENV)/.installed
	CHECKOV=$(abspath $(CHECKOV_VENV))/bin/checkov bash terraform/check.sh

test-quick: $(VENV)/.installed
	$(PY) -m pytest -m "not slow"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
