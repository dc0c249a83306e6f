"""FiLot document-verification services: the API, the OCR workers, the reconciler and their commands."""

import os

# OpenCV reads its decoder's pixel cap once, at first use, from the environment (default 2^30 pixels):
# set it tight before any module imports cv2. The API refuses bigger images from the header even earlier.
# The figure is services.platform.settings.DEFAULT_MAX_IMAGE_PIXELS, spelled here because importing the settings module
# (pydantic) this early would slow every import of the package; tests/services/test_settings.py checks they agree.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(40_000_000))
