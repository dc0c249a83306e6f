"""The compute stack: the ECS cluster, the API, the workers, the scheduled functions."""
