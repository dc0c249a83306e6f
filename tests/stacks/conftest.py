"""Shared setup for the CDK tests: silence jsii's Node 20 end-of-life banner before aws_cdk is imported."""

from __future__ import annotations

import os

# Node 20 is past end-of-life; jsii prints a large banner on every runtime start unless told we know.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
