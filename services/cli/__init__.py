"""Command-line entry points: `python -m services <command>`."""
