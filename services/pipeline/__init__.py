"""Verification steps (decode, preprocess, OCR, extract, score) and the function that chains them."""
