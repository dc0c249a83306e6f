"""web/security-headers.json as the web stack reads it: the stage's origins filled in, and a wrong file refused
with its mistake named rather than served."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.web.security_headers import SECURITY_HEADERS_FILE, Hsts, load, render

SPEC: dict[str, Any] = {
    "content_security_policy": "default-src 'none'; connect-src 'self' {api_origin} {identity_origin}; img-src 'self'",
    "headers": {
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(self)",
    },
}


def test_the_apps_file_renders_for_a_stage() -> None:
    headers = render(load(SECURITY_HEADERS_FILE), api_origin="https://api.filot.id", identity_origin="https://id.x")
    assert "connect-src 'self' https://api.filot.id https://id.x" in headers.content_security_policy
    assert (headers.frame_option, headers.referrer_policy, headers.nosniff) == ("DENY", "no-referrer", True)


def test_origins_fill_the_placeholders_and_a_missing_identity_origin_leaves_no_gap() -> None:
    headers = render(SPEC, api_origin="https://api.filot.id", identity_origin=None)
    assert (
        headers.content_security_policy == "default-src 'none'; connect-src 'self' https://api.filot.id; img-src 'self'"
    )
    assert headers.hsts == Hsts(max_age_seconds=63072000, include_subdomains=True, preload=False)
    assert headers.custom == {"Permissions-Policy": "camera=(self)"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"content_security_policy": "connect-src {api_orgin}"}, r"unknown placeholder\(s\) \{api_orgin\}"),
        ({"content_security_policy": ""}, r"content_security_policy must be a non-empty string"),
        ({"extra": 1}, r"unknown key\(s\) extra"),
        ({"headers": {**SPEC["headers"], "X-Frame-Options": "ALLOW-FROM x"}}, r"X-Frame-Options is 'ALLOW-FROM X'"),
        ({"headers": {**SPEC["headers"], "Referrer-Policy": "never"}}, r"Referrer-Policy is 'never'"),
        ({"headers": {**SPEC["headers"], "X-Content-Type-Options": "sniff"}}, r"the only value is 'nosniff'"),
        ({"headers": {**SPEC["headers"], "Strict-Transport-Security": "max-age=1y"}}, r"max-age=<seconds>"),
        ({"headers": {**SPEC["headers"], "Content-Security-Policy": "x"}}, r"cannot be a plain header here"),
        ({"headers": {"X-Frame-Options": "DENY"}}, r"headers must set Strict-Transport-Security"),
    ],
)
def test_a_wrong_file_is_refused_with_the_mistake_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render({**SPEC, **change}, api_origin="https://api.filot.id", identity_origin=None)


def test_a_missing_or_broken_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"security-headers.json is missing"):
        load(tmp_path / "security-headers.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken.json is not JSON"):
        load(broken)
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([SPEC]), encoding="utf-8")
    with pytest.raises(ValueError, match=r"must hold an object"):
        load(listed)
