"""`python -m services migrate`: bring the database of FILOT_DATABASE_URL to the newest schema revision.

Every store also migrates when it starts; this command lets a deploy step do it first and see the result.
"""

from __future__ import annotations

import argparse
import json
import sys

from services.adapters.database import describe, make_engine, migrate
from services.platform.errors import FilotError
from services.platform.settings import get_settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("migrate", help="apply pending database migrations and print the schema revision")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        engine = make_engine(get_settings().database_url)
    except FilotError as exc:
        print(f"error [{exc.code}]: {exc}", file=sys.stderr)
        return 2
    try:
        result = migrate(engine)
    except FilotError as exc:
        print(f"error [{exc.code}]: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    line = {
        "database": describe(engine.url),
        "from": result.before,
        "revision": result.after,
        "stamped": result.stamped,
    }
    print(json.dumps(line), flush=True)
    return 0
