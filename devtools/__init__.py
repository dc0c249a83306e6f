"""What engineers run and production does not: the BULI2 stand-in, the demo and the local process launcher, the
sample generators, the evaluation and the capacity model. The images copy `services/` only, so none of this
ships; `services/` never imports it (tests/test_layout.py)."""
