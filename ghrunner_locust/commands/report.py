"""``ghrunner report``: summary, charts and page of a results directory, or the deltas of two."""

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
        "report.html and PNG charts beside them. With --compare, print and write the deltas of two tests.",
    )
    parser.add_argument("directory", nargs="?", help="a results directory, e.g. results/20261130T093000Z-load")
    parser.add_argument("--compare", nargs=2, metavar=("DIR_A", "DIR_B"), help="compare two results directories")
    parser.add_argument("--json", action="store_true", help="print the summary (or comparison) as JSON")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..report import build_report, compare, format_comparison, format_summary

    if args.compare:
        a, b = (build_report(d) for d in args.compare)
        rows = compare(a, b)
        out = Path(args.compare[1]) / f"compare-{Path(args.compare[0]).name}.json"
        out.write_text(json.dumps({"a": args.compare[0], "b": args.compare[1], "rows": rows}, indent=2), encoding="utf-8")
        print(json.dumps(rows, indent=2) if args.json else format_comparison(rows, args.compare[0], args.compare[1]))
        print(f"written: {out}")
        return 0
    if not args.directory:
        raise UsageError("give a results directory, or --compare DIR_A DIR_B")
    summary = build_report(args.directory)
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary, args.directory))
    return 0
