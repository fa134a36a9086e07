"""``ghrunner dispatch``: trigger a workflow once, optionally follow it to the end."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import UsageError
from ..github.client import DEFAULT_API_URL, DEFAULT_API_VERSION, GitHubClient
from ..github.follow import RunProgress, find_dispatched_run, follow_run
from ..github.workflow import parse_inputs_json

__all__ = ["add_parser", "run", "parse_inputs"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "dispatch",
        help="trigger a workflow_dispatch run",
        description="Trigger a workflow through the workflow_dispatch REST API. Exit codes: "
        "0 success, 1 API error (or, with --wait, a run that did not succeed), 2 bad usage.",
    )
    parser.add_argument("--owner", required=True, help="repository owner (user or organisation)")
    parser.add_argument("--repo", required=True, help="repository name")
    parser.add_argument("--workflow", default="runner_test.yml", help="workflow file name or numeric id (default: %(default)s)")
    parser.add_argument("--ref", default="main", help="branch or tag to run on (default: %(default)s)")
    parser.add_argument("--inputs", default="{}", help='workflow inputs as a JSON object, e.g. \'{"job_count": "4"}\'')
    parser.add_argument(
        "--token",
        default=None,
        help="API token (default: $GITHUB_TOKEN, else $GH_TOKEN; prefer the environment: "
        "a command line is visible to other users)",
    )
    parser.add_argument(
        "--api-url",
        default=DEFAULT_API_URL,
        help="API base URL: GHES https://HOST/api/v3, or the simulator (default: %(default)s)",
    )
    parser.add_argument("--api-version", default=DEFAULT_API_VERSION, help="X-GitHub-Api-Version (default: %(default)s)")
    parser.add_argument(
        "--ca-bundle",
        default=None,
        help="CA bundle file (default: $REQUESTS_CA_BUNDLE, else $SSL_CERT_FILE, else the system store)",
    )
    parser.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (never the default)")
    parser.add_argument(
        "--wait", action="store_true", help="follow the run to completion and print each job's queue and execution time"
    )
    parser.add_argument(
        "--poll-interval", type=float, default=5.0, help="seconds between polls with --wait (default: %(default)s)"
    )
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="give up waiting after this many seconds (default: %(default)s)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)
    return parser


def parse_inputs(text: str) -> dict[str, Any]:
    """``--inputs`` as a dict; anything but a JSON object is a usage error (nothing is sent)."""
    return parse_inputs_json(text, "--inputs")


def run(args: argparse.Namespace) -> int:
    inputs = parse_inputs(args.inputs)
    if args.poll_interval <= 0 or args.timeout <= 0:
        raise UsageError("--poll-interval and --timeout must be positive")
    client = GitHubClient(
        args.api_url, args.token, api_version=args.api_version, ca_bundle=args.ca_bundle, insecure=args.insecure
    )
    if not client.has_token:
        raise UsageError("no token: set GITHUB_TOKEN or GH_TOKEN (or pass --token)")
    result = client.dispatch_workflow(args.owner, args.repo, args.workflow, args.ref, inputs)
    output: dict[str, Any] = {"status": result.status, "run_id": result.run_id, "html_url": result.html_url}
    if not args.wait:
        _print_dispatched(args, output)
        return 0
    run_id = result.run_id
    if run_id is None:
        run_id = _find_run(client, args, inputs, result.sent_at)
    output["run_id"] = run_id
    _print_dispatched(args, output)
    progress = follow_run(
        client, args.owner, args.repo, run_id, poll_interval=args.poll_interval, timeout=args.timeout, on_progress=_live(args)
    )
    return _print_outcome(args, output, progress)


def _find_run(client: GitHubClient, args: argparse.Namespace, inputs: dict[str, Any], sent_at: float) -> int:
    for _ in range(12):
        found = find_dispatched_run(client, args.owner, args.repo, args.workflow, sent_at, inputs.get("run_key"))
        if found is not None:
            return found.id
        client.clock.sleep(min(args.poll_interval, 5.0))
    raise UsageError("the server gave no run id and no new run appeared; set a unique run_key input to find it")


def _print_dispatched(args: argparse.Namespace, output: dict[str, Any]) -> None:
    if args.json:
        if not args.wait:
            print(json.dumps(output, indent=2))
        return
    where = f"run {output['run_id']}" if output["run_id"] else "a run (the server gave no run id)"
    print(f"dispatched {args.workflow} on {args.ref} in {args.owner}/{args.repo}: {where}")
    if output.get("html_url"):
        print(output["html_url"])


def _live(args: argparse.Namespace):
    if args.json or not sys.stderr.isatty():
        return None

    def show(progress: RunProgress) -> None:
        sys.stderr.write("\r\033[K" + progress.line())
        sys.stderr.flush()

    return show


def _print_outcome(args: argparse.Namespace, output: dict[str, Any], progress: RunProgress) -> int:
    jobs = [
        {"name": j.name, "queue_s": j.queue_s, "execution_s": j.execution_s, "conclusion": j.conclusion, "runner": j.runner_name}
        for j in progress.real_jobs
    ]
    output.update(status=progress.run.status, conclusion=progress.run.conclusion, jobs=jobs)
    if args.json:
        print(json.dumps(output, indent=2))
    else:
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        print(f"run {progress.run.id}: {progress.run.status} ({progress.run.conclusion})")
        print(f"{'job':<24} {'queue_s':>8} {'execution_s':>12}  conclusion  runner")
        for job in jobs:
            times = f"{_num(job['queue_s']):>8} {_num(job['execution_s']):>12}"
            print(f"{job['name']:<24} {times}  {job['conclusion'] or '-':<10}  {job['runner'] or '-'}")
    return 0 if progress.run.completed and progress.run.conclusion == "success" else 1


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
