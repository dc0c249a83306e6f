"""OCR and decision accuracy on a fixed synthetic card set, with and without preprocessing (`make eval`)."""
