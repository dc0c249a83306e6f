"""python -m stacks.web_config --stage S [-c key=value ...] (--out PATH | --check)

The web app's runtime configuration, ``config.json``, rendered from the stage config (cdk.json with the same `-c`
overrides the CDK CLI takes). The app fetches it at start, so one build runs in every stage: what staging ran is
what production gets, with production's API and sign-in. Nothing here is a secret (a browser reads all of it),
but none of it is written into code either: the API's name is ``filot:domainName`` and the sign-in is
``filot:webOidc``, which stays null in cdk.json until the identity provider's values are known; until then this
refuses (exit 2), and the pipeline with it, before anything of the stage is deployed.

The ``local`` stage gets development sign-in against the API on loopback (``--api-url``), as `make run` serves it.
Exit 0: written (or, with --check, it would be); 2: the stage config cannot make one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The stage config imports aws_cdk (its region list), whose jsii runtime prints a banner under Node 20; as app.py.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from stacks.config import DOMAIN_KEY, WEB_DOMAIN_KEY, WEB_OIDC_KEY, StageConfig
from stacks.context_values import command_line_context
from stacks.web.app_config import dev_sign_in, oidc_sign_in

LOCAL_STAGE = "local"
LOCAL_API_URL = "http://127.0.0.1:8000"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class NotConfigured(ValueError):
    """The stage config lacks something config.json needs; the message says what to set."""


def render(config: StageConfig, *, api_url: str = LOCAL_API_URL) -> dict[str, Any]:
    """config.json for one stage; ``api_url`` is read for the local stage only (others use filot:domainName)."""
    if config.stage == LOCAL_STAGE:
        # The app accepts development sign-in only against an API on loopback; say so here rather than there.
        if urlsplit(api_url).scheme not in ("http", "https") or urlsplit(api_url).hostname not in LOOPBACK:
            raise NotConfigured(f"--api-url {api_url!r}: the local stage's API must be on loopback ({LOCAL_API_URL})")
        return dev_sign_in(api_url)
    if config.web_domain_name is None:
        raise NotConfigured(
            f"stage {config.stage} has no web app: set {WEB_DOMAIN_KEY} in its block of filot:stages in cdk.json"
        )
    if config.domain_name is None:
        raise NotConfigured(f"stage {config.stage} has no API domain for the web app to call: set {DOMAIN_KEY}")
    if config.web_oidc is None:
        raise NotConfigured(
            f"stage {config.stage} has no sign-in for its web app: {WEB_OIDC_KEY} is not set. Put the identity "
            f'provider\'s values in its block of filot:stages in cdk.json, {WEB_OIDC_KEY}: {{"authority": '
            '"https://<issuer>", "clientId": "<the web app\'s public client id>"} (the issuer is the one the '
            "API's jwt secret names), or pass them once with -c"
        )
    return oidc_sign_in(
        f"https://{config.domain_name}", authority=config.web_oidc.authority, client_id=config.web_oidc.client_id
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.web_config", description=__doc__.split("\n\n")[1])
    parser.add_argument("--stage", required=True, help="the stage (filot:stage), or local")
    parser.add_argument(
        "-c", "--context", action="append", default=[], metavar="KEY=VALUE", help="a context value, as `cdk -c`"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="where to write config.json")
    target.add_argument("--check", action="store_true", help="only say whether the stage config can make one")
    parser.add_argument("--api-url", default=LOCAL_API_URL, help=f"the local stage's API (default {LOCAL_API_URL})")
    args = parser.parse_args(argv)
    try:
        config = StageConfig.from_context(command_line_context(args.stage, args.context))
        rendered = render(config, api_url=args.api_url)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        print(f"web config of {config.stage}: ready ({rendered['apiUrl']}, sign-in {rendered['auth']['mode']})")
        return 0
    args.out.write_text(json.dumps(rendered, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} for {config.stage}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
