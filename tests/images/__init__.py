"""Tests of the container images under images/ (read, not built: Docker does not run here)."""
