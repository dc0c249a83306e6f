"""`python -m services <command>`: every command the deployed images run, each with --help. What engineers run
and production does not (the BULI2 stand-in, the demo) is `python -m devtools <command>`."""

from __future__ import annotations

import argparse
import sys

from services.cli import migrate, ops, serve, verify, workflows
from services.platform.settings import run_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services", description="FiLot document verification")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.add_parsers(sub)
    verify.add_parser(sub)
    ops.add_parsers(sub)
    workflows.add_parser(sub)
    migrate.add_parser(sub)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
