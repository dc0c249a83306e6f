"""The application layer between the HTTP routes, the workers and the adapters: what happens to a decided
document (effects: escalate to BULI2, publish once) and BULI2's human decision (review)."""
