"""Tests of the CDK stacks and constructs under stacks/."""
