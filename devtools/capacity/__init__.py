"""Capacity model: documents per second, per instance-hour and per dollar for each OCR path, from the bench results."""
