"""The web app's response headers, read from ``web/security-headers.json`` as data.

One file, kept beside the app, says which headers the app is served with, so the CloudFront policy (the web stack)
and the local server (`make run`) cannot drift apart. Its Content-Security-Policy names two origins only the stage
knows, as placeholders: ``{api_origin}`` (``https://<filot:domainName>``) and ``{identity_origin}`` (the origin of
``filot:webOidc``'s authority). Everything here is plain Python, so a wrong file fails synthesis with its name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SECURITY_HEADERS_FILE = Path(__file__).resolve().parents[2] / "web" / "security-headers.json"
PLACEHOLDERS = ("api_origin", "identity_origin")
# The headers a CloudFront response headers policy sets through its security-headers block (never as custom ones).
HSTS = "Strict-Transport-Security"
CONTENT_TYPE_OPTIONS = "X-Content-Type-Options"
FRAME_OPTIONS = "X-Frame-Options"
REFERRER_POLICY = "Referrer-Policy"
# Names CloudFront reserves for its security-headers block that this reader does not map: refused, not passed on.
UNSUPPORTED = frozenset({"content-security-policy", "x-xss-protection"})
FRAME_OPTION_VALUES = ("DENY", "SAMEORIGIN")
REFERRER_POLICIES = (
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
)


_DEFAULT_PORTS = {"https": ":443", "http": ":80"}


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, as a CSP source and a CORS Origin name it: no path, no default port."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    default = _DEFAULT_PORTS.get(parts.scheme)
    if default and host.endswith(default):
        host = host[: -len(default)]
    return f"{parts.scheme}://{host}"


@dataclass(frozen=True)
class Hsts:
    max_age_seconds: int
    include_subdomains: bool
    preload: bool


@dataclass(frozen=True)
class SecurityHeaders:
    """What the response headers policy carries, with the stage's origins filled in."""

    content_security_policy: str
    hsts: Hsts
    nosniff: bool
    frame_option: str
    referrer_policy: str
    # Any other header (Permissions-Policy, Cross-Origin-Opener-Policy, ...), set as a CloudFront custom header.
    custom: Mapping[str, str]


def load(path: Path = SECURITY_HEADERS_FILE) -> dict[str, object]:
    """The file as JSON; missing or malformed, a ValueError naming it (synthesis stops there)."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path} is missing: the web stack reads the app's response headers from it") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} must hold an object with content_security_policy and headers")  # noqa: TRY004
    return loaded


def render(spec: Mapping[str, object], *, api_origin: str, identity_origin: str | None) -> SecurityHeaders:
    """The headers for one stage. Without an identity origin (filot:webOidc not set yet) the CSP leaves it out:
    such a stage cannot serve a signed-in app anyway, and its deploy refuses before uploading one."""
    unknown = sorted(
        key for key in spec if not key.startswith("_") and key not in ("content_security_policy", "headers")
    )
    if unknown:
        raise ValueError(f"security headers: unknown key(s) {', '.join(unknown)}")
    policy = spec.get("content_security_policy")
    headers = spec.get("headers")
    if not isinstance(policy, str) or not policy.strip():
        raise ValueError("security headers: content_security_policy must be a non-empty string")
    if not isinstance(headers, Mapping) or not all(isinstance(v, str) for v in headers.values()):
        raise ValueError("security headers: headers must be an object of header names to string values")
    return _with_security_block(
        headers, content_security_policy(policy, api_origin=api_origin, identity_origin=identity_origin)
    )


def content_security_policy(template: str, *, api_origin: str, identity_origin: str | None) -> str:
    """The CSP with its placeholders filled; a placeholder left over (a typo in the file) is an error."""
    filled = template.replace("{api_origin}", api_origin).replace("{identity_origin}", identity_origin or "")
    leftover = re.findall(r"\{[^}]*\}?", filled)
    if leftover:
        raise ValueError(
            f"security headers: unknown placeholder(s) {', '.join(leftover)} in content_security_policy; "
            f"the known ones are {', '.join('{' + name + '}' for name in PLACEHOLDERS)}"
        )
    directives = [" ".join(directive.split()) for directive in filled.split(";")]
    return "; ".join(directive for directive in directives if directive)


def _with_security_block(headers: Mapping[str, str], csp: str) -> SecurityHeaders:
    by_name = {name.lower(): (name, value.strip()) for name, value in headers.items()}
    refused = sorted(name for lower, (name, _) in by_name.items() if lower in UNSUPPORTED)
    if refused:
        raise ValueError(
            f"security headers: {', '.join(refused)} cannot be a plain header here "
            "(the CSP is content_security_policy; X-XSS-Protection is obsolete)"
        )
    missing = [
        name for name in (HSTS, CONTENT_TYPE_OPTIONS, FRAME_OPTIONS, REFERRER_POLICY) if name.lower() not in by_name
    ]
    if missing:
        raise ValueError(f"security headers: headers must set {', '.join(missing)}")
    nosniff = by_name[CONTENT_TYPE_OPTIONS.lower()][1]
    if nosniff != "nosniff":
        raise ValueError(f"security headers: {CONTENT_TYPE_OPTIONS} is {nosniff!r}; the only value is 'nosniff'")
    frame = by_name[FRAME_OPTIONS.lower()][1].upper()
    if frame not in FRAME_OPTION_VALUES:
        raise ValueError(f"security headers: {FRAME_OPTIONS} is {frame!r}; it must be DENY or SAMEORIGIN")
    referrer = by_name[REFERRER_POLICY.lower()][1].lower()
    if referrer not in REFERRER_POLICIES:
        raise ValueError(f"security headers: {REFERRER_POLICY} is {referrer!r}; it must be one of {REFERRER_POLICIES}")
    managed = {name.lower() for name in (HSTS, CONTENT_TYPE_OPTIONS, FRAME_OPTIONS, REFERRER_POLICY)}
    return SecurityHeaders(
        content_security_policy=csp,
        hsts=_hsts(by_name[HSTS.lower()][1]),
        nosniff=True,
        frame_option=frame,
        referrer_policy=referrer,
        custom={name: value for lower, (name, value) in by_name.items() if lower not in managed},
    )


def _hsts(value: str) -> Hsts:
    directives = [part.strip() for part in value.split(";") if part.strip()]
    max_age = [d for d in directives if d.lower().startswith("max-age=")]
    others = {d.lower() for d in directives if d not in max_age}
    if len(max_age) != 1 or not max_age[0].split("=", 1)[1].isdecimal() or others - {"includesubdomains", "preload"}:
        raise ValueError(
            f"security headers: {HSTS} is {value!r}; it must be max-age=<seconds>[; includeSubDomains][; preload]"
        )
    return Hsts(
        max_age_seconds=int(max_age[0].split("=", 1)[1]),
        include_subdomains="includesubdomains" in others,
        preload="preload" in others,
    )
