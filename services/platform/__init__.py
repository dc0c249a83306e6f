"""What every process stands on: the one settings object, secrets from Secrets Manager, JSON logs with PII
masked, EMF metrics, and the errors with machine-readable codes."""
