"""``ghrunner``: the command line. Parses, calls, prints; the work lives in the modules it calls.

It never imports locust (locust monkey-patches the process at import).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ._version import __version__
from .errors import Error, UsageError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_API, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ghrunner", description="Load-test GitHub Actions self-hosted runners (see README.md).")
    parser.add_argument("--version", action="version", version=f"ghrunner-locust {__version__}")

    def error(message: str) -> NoReturn:  # one line, not usage + error (e.g. an unknown option after a command)
        print(f"ghrunner: error: {message} (see ghrunner COMMAND --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    parser.error = error  # type: ignore[method-assign]
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    from .commands import dispatch, plan, report, sim

    dispatch.add_parser(commands)
    sim.add_parser(commands)
    report.add_parser(commands)
    plan.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 API error, 2 bad usage, 3 a broken gate)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or EXIT_OK)
    except UsageError as exc:
        print(f"ghrunner {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Error as exc:
        print(f"ghrunner {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_API
    except KeyboardInterrupt:
        print(f"ghrunner {args.command}: interrupted", file=sys.stderr)
        return 130


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
