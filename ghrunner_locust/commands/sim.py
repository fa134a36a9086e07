"""``ghrunner sim``: serve the GitHub Actions simulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from typing import Any

from ..errors import UsageError
from ..github.workflow import WorkflowSpec
from ..simulator.config import Faults, LatencyModel, SimConfig

__all__ = ["add_parser", "add_sim_arguments", "config_from_args", "run"]

FAULT_KINDS = {
    "error": "error_rate",
    "latency": "latency_s",
    "drop": "drop_rate",
    "error-after": "error_after_rate",
    "drop-after": "drop_after_rate",
}


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "sim",
        help="serve the GitHub Actions simulator",
        description="Serve a simulator of the GitHub Actions REST API over a pool of self-hosted runners. "
        "Defaults follow the sourced timings in REALISM.md. Stops on Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default: %(default)s)")
    add_sim_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def add_sim_arguments(parser: Any, prefix: str = "", exclude: tuple[str, ...] = ()) -> list[argparse.Action]:
    """The simulator's knobs (``prefix`` is ``sim-`` where they share a parser with other options).

    Returns the actions added, so callers can turn parsed values back into ``ghrunner sim`` arguments.
    """
    d = SimConfig()
    p = LatencyModel()
    actions: list[argparse.Action] = []

    def opt(name: str, **kwargs: Any) -> None:
        if name not in exclude:
            actions.append(parser.add_argument(f"--{prefix}{name}", **kwargs))

    opt("runners", type=int, default=d.runners, help="runners online at start (default: %(default)s)")
    opt("labels", default=",".join(d.runner_labels), help="labels of every runner, comma-separated (default: %(default)s)")
    opt(
        "pickup", type=float, default=p.median_s, help="median pickup latency, free runner to job start, s (default: %(default)s)"
    )
    opt("pickup-p90", type=float, default=p.p90_s, help="90th percentile of pickup latency, s (default: %(default)s)")
    opt("pickup-tail", type=float, default=p.tail_prob, help="probability of a 60-120 s pickup (default: %(default)s)")
    opt("fixed-latency", action="store_true", help="pickup always exactly --pickup: repeatable runs")
    opt("setup", type=float, default=d.setup_s, help="'Set up job' overhead, s (default: %(default)s)")
    opt("teardown", type=float, default=d.teardown_s, help="post steps and 'Complete job', s (default: %(default)s)")
    opt("ephemeral", action="store_true", help="a runner leaves after each job; a new one comes after --provision")
    opt("provision", type=float, default=d.provision_s, help="cold start of a new runner, s (default: %(default)s)")
    opt("max-runners", type=int, default=None, help="autoscale up to this many runners while jobs queue")
    opt("scale-up-delay", type=float, default=None, help="cold start of an autoscaled runner, s (default: --provision)")
    opt("job-failure-rate", type=float, default=0.0, help="fraction of jobs that fail (default: %(default)s)")
    opt("timestamp-resolution", type=float, default=d.timestamp_resolution_s, help="1 (GitHub) or 0.001 s (default: %(default)s)")
    opt("early-start-rate", type=float, default=0.0, help="fraction of jobs with started_at 1 s before created_at (GitHub quirk)")
    opt("seed", type=int, default=None, help="seed of the random latencies")
    opt("repo", default=None, help="serve only OWNER/NAME (default: any)")
    opt(
        "token",
        action="append",
        default=None,
        dest=f"{prefix.replace('-', '_')}accept_token",
        help="accept only this token (repeatable; default: any non-empty token)",
    )
    opt("branch", action="append", default=None, help="branches that exist (repeatable; default: main)")
    opt("ghes", action="store_true", help="behave as GitHub Enterprise Server before 3.21 (rejects return_run_details)")
    opt("workflow-file", default=None, help="workflow file to serve (default: .github/workflows/runner_test.yml)")
    opt("rate-limit", type=int, default=d.primary_limit, help="primary limit per token per hour (default: %(default)s)")
    opt(
        "secondary-per-minute",
        type=int,
        default=d.secondary_per_minute,
        help="dispatches+cancels a minute (default: %(default)s)",
    )
    opt("secondary-per-hour", type=int, default=d.secondary_per_hour, help="dispatches+cancels an hour (default: %(default)s)")
    opt("max-concurrent", type=int, default=d.max_concurrent, help="requests in flight per token (default: %(default)s)")
    opt("limited-status", type=int, choices=(403, 429), default=d.limited_status, help="status of a secondary-limit refusal")
    opt(
        "no-retry-after",
        type=float,
        default=d.no_retry_after_share,
        help="share of secondary-limit refusals sent without retry-after, as GitHub sometimes does (default: %(default)s)",
    )
    opt("cancel", type=float, default=d.cancel_s, help="a cancel request to the run's end, s (default: %(default)s)")
    opt(
        "fault",
        action="append",
        default=None,
        metavar="ENDPOINT:KIND=VALUE",
        help="inject faults, e.g. dispatch:error=0.1, get_run:latency=0.5, list_jobs:drop=0.05 (endpoint * for all); "
        "error-after and drop-after answer 502 or drop the connection after the request took effect "
        "(dispatch:error-after=0.2: the run exists, the answer is lost)",
    )
    return actions


def parse_faults(specs: list[str] | None) -> dict[str, Faults]:
    """``ENDPOINT:KIND=VALUE`` specs: rates are probabilities in [0, 1], latency finite seconds >= 0."""
    faults: dict[str, dict[str, float]] = {}
    kinds = ", ".join(FAULT_KINDS)
    for spec in specs or ():
        endpoint, _, setting = spec.partition(":")
        kind, _, text = setting.partition("=")
        try:
            value = float(text)
            field = FAULT_KINDS[kind]
        except (KeyError, ValueError):
            raise UsageError(f"--fault {spec!r}: expected ENDPOINT:KIND=VALUE with KIND one of {kinds}") from None
        if not endpoint:
            raise UsageError(f"--fault {spec!r}: name an endpoint (dispatch, get_run, list_runs, ...) or * for all")
        if field == "latency_s" and not (math.isfinite(value) and value >= 0):
            raise UsageError(f"--fault {spec!r}: latency must be a finite number of seconds >= 0")
        if field != "latency_s" and not (math.isfinite(value) and 0 <= value <= 1):
            raise UsageError(f"--fault {spec!r}: {kind} is a probability: give a number between 0 and 1")
        faults.setdefault(endpoint, {})[field] = value
    return {endpoint: Faults(**values) for endpoint, values in faults.items()}


def load_workflow(path: str | None) -> WorkflowSpec | None:
    """The ``--workflow-file`` to serve (``None``: the default), or one line of :class:`UsageError`."""
    if path is None:
        return None
    try:
        return WorkflowSpec.load(path)
    except UsageError as exc:
        raise UsageError(" ".join(str(exc).split())) from None  # YAML errors span lines
    except UnicodeDecodeError:
        raise UsageError(f"--workflow-file {path}: not a UTF-8 text file: pass a workflow YAML file") from None
    except OSError as exc:
        raise UsageError(f"--workflow-file {path}: cannot read it ({exc.strerror}): pass a readable workflow YAML file") from None


def config_from_args(args: argparse.Namespace, prefix: str = "") -> SimConfig:
    """A :class:`SimConfig` from parsed knobs; bad values raise :class:`UsageError`."""

    def get(name: str) -> Any:
        return getattr(args, prefix + name, None)

    def flag(name: str) -> str:  # as the user typed it: --runners, or --sim-runners in Locust
        return f"--{(prefix + name).replace('_', '-')}"

    for name, value in sorted(vars(args).items()):
        if name.startswith(prefix) and isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"--{name.replace('_', '-')} {value}: give a finite number")
    if get("runners") < 0:
        raise UsageError(f"{flag('runners')} must be >= 0 (got {get('runners')})")
    if get("max_runners") is not None and get("max_runners") < get("runners"):
        raise UsageError(f"{flag('max_runners')} must be >= {flag('runners')} (got {get('max_runners')} < {get('runners')})")
    for name in ("pickup", "pickup_p90", "setup", "teardown", "provision", "cancel"):
        if get(name) < 0:
            raise UsageError(f"{flag(name)} must not be negative (got {get(name):g})")
    for name in ("pickup_tail", "job_failure_rate", "early_start_rate", "no_retry_after"):
        if not 0 <= get(name) <= 1:
            raise UsageError(f"{flag(name)} must be between 0 and 1 (got {get(name):g})")
    load_workflow(get("workflow_file"))
    repo = get("repo")
    if repo and repo.count("/") != 1:
        raise UsageError(f"{flag('repo')} {repo!r}: expected OWNER/NAME")
    provision = get("provision") if get("scale_up_delay") is None else get("scale_up_delay")
    return SimConfig(
        runners=get("runners"),
        runner_labels=tuple(label.strip() for label in get("labels").split(",") if label.strip()),
        pickup=LatencyModel(
            median_s=get("pickup"),
            p90_s=max(get("pickup_p90"), get("pickup")),
            tail_prob=get("pickup_tail"),
            fixed=get("fixed_latency"),
        ),
        setup_s=get("setup"),
        teardown_s=get("teardown"),
        ephemeral=get("ephemeral"),
        provision_s=provision,
        max_runners=get("max_runners"),
        job_failure_rate=get("job_failure_rate"),
        timestamp_resolution_s=get("timestamp_resolution"),
        early_start_rate=get("early_start_rate"),
        seed=get("seed"),
        repo=repo,
        tokens=tuple(get("accept_token") or ()),
        branches=tuple(get("branch") or ("main",)),
        ghes=get("ghes"),
        workflow_path=get("workflow_file"),
        primary_limit=get("rate_limit"),
        secondary_per_minute=get("secondary_per_minute"),
        secondary_per_hour=get("secondary_per_hour"),
        max_concurrent=get("max_concurrent"),
        limited_status=get("limited_status"),
        no_retry_after_share=get("no_retry_after"),
        cancel_s=get("cancel"),
        faults=parse_faults(get("fault")),
    )


def run(args: argparse.Namespace) -> int:
    from ..simulator.server import Simulator

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: give a port between 0 and 65535 (0 picks a free one)")
    config = config_from_args(args)
    simulator = Simulator(config, host=args.host, port=args.port, workflow=load_workflow(config.workflow_path))
    try:
        simulator.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason} (pick another --port, or 0 for any)") from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    mode = "ephemeral" if config.ephemeral else "persistent"
    print(f"GitHub Actions simulator at {simulator.url} ({config.runners} {mode} runners; GHES style: {simulator.url}/api/v3)")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    simulator.stop()
    print("simulator stopped")
    return 0
