"""The reviewer's page: every case with its masked fields, the reasons it lost points, and approve / reject."""

from __future__ import annotations

import html

from devtools.buli2_standin.store import Case


def render_page(cases: list[Case]) -> str:
    rows = []
    for case in sorted(cases, key=lambda c: c.received_at, reverse=True):
        esc = case.escalation
        # What cost points or blocks approval (a blocking check such as the NIK's typeface costs no points).
        shown = [r for r in esc.reasons if r.get("blocking") or r.get("points", 0) < r.get("max_points", 0)]
        reasons = ", ".join(html.escape(str(r.get("code", ""))) for r in shown)
        if esc.appeal is not None:
            note = esc.appeal.get("note") or "(no note)"
            reasons = f"<strong>Appeal of an automatic rejection</strong>: {html.escape(note)}<br>{reasons}"
        fields = "<br>".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in esc.fields.items())
        if case.decision is None:
            action = (
                f'<form method="post" action="/decide/{esc.document_id}">'
                '<button name="decision" value="approved">Approve</button> '
                '<button name="decision" value="rejected">Reject</button></form>'
            )
        else:
            action = html.escape(f"{case.decision} by {case.reviewer} ({case.callback_status})")
        image = (
            f'<img src="{html.escape(esc.image_url)}" alt="card" style="max-width:320px">' if esc.image_url else ""
        )
        rows.append(
            f"<tr><td><code>{esc.document_id}</code><br>{html.escape(esc.doc_type)}<br>{image}</td>"
            f"<td>{esc.score:.1f}</td><td>{reasons}</td><td>{fields}</td><td>{action}</td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="5">No escalations yet.</td></tr>'
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>BULI2 (local)</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ccc;padding:6px;"
        "vertical-align:top;text-align:left}</style></head><body><h1>Manual review (local BULI2)</h1>"
        "<table><tr><th>Document</th><th>Score</th><th>Lost points on</th><th>Fields (masked)</th>"
        f"<th>Decision</th></tr>{body}</table></body></html>"
    )
