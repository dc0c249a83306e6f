"""The foundation stack: what outlives deploys (image registries, secrets, log groups)."""
