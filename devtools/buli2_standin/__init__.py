"""Local stand-in for BULI2: records escalations, lets a person decide on a web page (or decides by itself after a
delay), and calls the API back with the decision, as the real service does. The app (app.py), the cases it keeps
(store.py) and the page a person decides on (page.py)."""

from devtools.buli2_standin.app import create_reviewer_app

__all__ = ["create_reviewer_app"]
