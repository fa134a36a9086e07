"""``ghrunner report``: summary, charts and page of a results directory, or the deltas of two (and a gate)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "report",
        help="summarize a results directory (summary.json, charts, report.html)",
        description="Read jobs.csv, runs.csv, samples.csv and meta.json of a test and write summary.json, "
        "report.html and PNG charts beside them. With --compare, print and write the deltas of two tests "
        "(queue latency, failures, cost, idle share); with --fail-if, exit 3 when the second breaks a threshold.",
    )
    from .plan import one_line_errors

    one_line_errors(parser, "report")
    parser.add_argument("directory", nargs="?", help="a results directory, e.g. results/20261130T093000Z-load")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "NEW"), help="compare two results directories")
    parser.add_argument(
        "--fail-if",
        default=None,
        metavar="THRESHOLDS",
        help='with --compare: e.g. "queue_p95>+20%%,fail_ratio>0.01" (+N%% relative to BASE, +N a change, N a limit); '
        "a broken threshold exits with 3",
    )
    parser.add_argument("--json", action="store_true", help="print the summary (or comparison) as JSON")
    from .plan import add_price_arguments

    add_price_arguments(parser)  # the cost rows of --compare
    parser.set_defaults(run=run)
    return parser


def _with_decision(directory: str, args: argparse.Namespace) -> dict[str, Any]:
    from ..report import build_report, load_results
    from ..report.decision import decision_from_results
    from .plan import prices_from_args

    prices, size = prices_from_args(args)
    summary = build_report(directory)
    summary["decision"] = decision_from_results(load_results(directory), summary, prices=prices, size=size)
    return summary


def run(args: argparse.Namespace) -> int:
    from ..report import build_report, compare, format_comparison, format_summary
    from ..report.gate import evaluate_gate, parse_fail_if

    if args.fail_if is not None and not args.compare:
        raise UsageError("--fail-if needs --compare BASE NEW: the thresholds hold NEW against BASE")
    thresholds = parse_fail_if(args.fail_if) if args.fail_if is not None else ()
    if args.compare:
        for directory in args.compare:
            if not Path(directory).is_dir():
                raise UsageError(f"{directory} is not a results directory: give one that a test wrote")
        a, b = (_with_decision(d, args) for d in args.compare)
        rows = compare(a, b)
        gate = evaluate_gate(a, b, thresholds)
        out = Path(args.compare[1]) / f"compare-{Path(args.compare[0]).name}.json"
        record = {
            "a": args.compare[0],
            "b": args.compare[1],
            "rows": rows,
            "decision": {"a": a["decision"]["recommendation"], "b": b["decision"]["recommendation"]},
            "gate": [{"threshold": g.threshold.text, "broken": g.broken, "line": g.line} for g in gate],
        }
        out.write_text(json.dumps(record, indent=2), encoding="utf-8")
        if args.json:
            print(json.dumps(record, indent=2))
        else:
            print(format_comparison(rows, args.compare[0], args.compare[1]))
            print(f"decision for A: {a['decision']['recommendation']}")
            print(f"decision for B: {b['decision']['recommendation']}")
            print(f"written: {out}")
            for result in gate:
                print(result.line)
        return 3 if any(g.broken for g in gate) else 0
    if not args.directory:
        raise UsageError("give a results directory, or --compare DIR_A DIR_B")
    summary = build_report(args.directory)
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary, args.directory))
    return 0
