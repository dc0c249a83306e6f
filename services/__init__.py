"""FiLot document-verification services: API, OCR workers, reviewer stand-in and tools."""

import os

# OpenCV reads its decoder's pixel cap once, at first use, from the environment (default 2^30 pixels):
# set it tight before any module imports cv2. The API refuses bigger images from the header even earlier.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(40_000_000))
