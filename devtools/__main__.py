"""`python -m devtools <command>`: the local stand-in for BULI2, the demo (what `make run` runs) and the web app's
local server. The evaluation and the capacity model have their own: `python -m devtools.evaluation`, `python -m devtools.capacity`."""

from __future__ import annotations

import argparse
import sys

from devtools import demo, webapp
from services.platform.settings import run_command


def run_reviewer(args: argparse.Namespace) -> int:
    from devtools.buli2_standin import create_reviewer_app
    from devtools.buli2_standin.settings import StandinSettings
    from services.cli.serve import serve_app
    from services.platform.logs import configure_logging
    from services.platform.secrets import load_secret_settings

    load_secret_settings()
    settings = StandinSettings()
    configure_logging("reviewer", settings.log_level, settings.log_format)
    return serve_app(
        create_reviewer_app(settings), host=args.host or settings.reviewer_host, port=args.port or settings.reviewer_port
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools", description="FiLot's development tools")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    reviewer = sub.add_parser("reviewer", help="run the local stand-in for the BULI2 review service")
    reviewer.add_argument("--host", help="bind address (default FILOT_REVIEWER_HOST)")
    reviewer.add_argument("--port", type=int, help="port (default FILOT_REVIEWER_PORT)")
    reviewer.set_defaults(func=run_reviewer)
    demo.add_parser(sub)
    webapp.add_parser(sub)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
