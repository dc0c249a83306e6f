"""FiLot document-verification services: API, OCR workers, reviewer stand-in and tools."""
