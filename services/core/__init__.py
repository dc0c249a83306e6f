"""Pure core: identity rules, field extraction, scoring, decision and lifecycle; no I/O here."""
