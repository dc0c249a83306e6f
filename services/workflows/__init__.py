"""Optional Temporal path (FILOT_WORKFLOW_ENGINE=temporal): each document as a durable workflow."""
