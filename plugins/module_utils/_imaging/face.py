# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Face-aware square crops (``crop: face``): the largest face found by OpenCV's bundled Haar
cascade, placed with natural head room (eyes about 40 % from the top, the face about a third
of the width), never upscaling.

OpenCV (``opencv-python-headless``, version 4) is optional: without it, or when no face is found, the
caller falls back to the ``top`` crop and warns. The cascade file ships inside the wheel
(``cv2.data.haarcascades``): nothing is downloaded at run time. Detection runs on a greyscale
copy reduced with Pillow to at most DETECT_SIDE pixels, single-threaded, so the same source
always gives the same box and the same bytes."""

from __future__ import annotations

import os

CASCADE_FILE = 'haarcascade_frontalface_default.xml'


def _import_opencv():
    """(cv2, numpy, cascade path), or None without a usable OpenCV."""
    try:
        import cv2  # pylint: disable=import-outside-toplevel
        import numpy  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    # OpenCV 4 wheels ship the cascades in cv2.data; OpenCV 5 wheels no longer do.
    path = os.path.join(getattr(getattr(cv2, 'data', None), 'haarcascades', ''), CASCADE_FILE)
    return (cv2, numpy, path) if os.path.isfile(path) else None


# OpenCV as looked up on first use (empty: not yet). Importing it takes 0.2 s, which every run
# of every module would otherwise pay, crop=face or not.
_OPENCV: list = []


def opencv():
    """(cv2, numpy, cascade path) when OpenCV and its face detector are here, else None."""
    if not _OPENCV:
        _OPENCV.append(_import_opencv())
    return _OPENCV[0]


def has_opencv() -> bool:
    return opencv() is not None


try:
    from PIL import Image
except ImportError:
    Image = None  # type: ignore[assignment]

# Detection works on a copy whose longest side is at most this (faster, and the same for every source size).
DETECT_SIDE = 640
# Eyes sit about this far down the Haar face box.
EYES_IN_FACE_BOX = 0.4
# Where the eyes go in the output square (from the top), and how wide the square is in face widths.
EYES_FROM_TOP = 0.4
FACE_WIDTHS = 3.0
NO_OPENCV = 'crop=face needs OpenCV 4 with its bundled face detector (pip install "opencv-python-headless<5"); cropped with top instead'
NO_FACE = 'crop=face found no face; cropped with top instead'
_CASCADES: dict = {}


def detector_id() -> str | None:
    """What detects faces here (part of the normalised-image cache key): None without OpenCV."""
    found = opencv()
    if found is None:
        return None
    return 'opencv-%s/%s' % (found[0].__version__, CASCADE_FILE)


def _cascade():
    if CASCADE_FILE not in _CASCADES:
        cv2, dummy, path = opencv()
        classifier = cv2.CascadeClassifier(path)
        if classifier.empty():
            raise RuntimeError('OpenCV cannot load its bundled %s' % CASCADE_FILE)
        _CASCADES[CASCADE_FILE] = classifier
    return _CASCADES[CASCADE_FILE]


def detect_face(img: Image.Image) -> tuple[int, int, int, int] | None:
    """(left, top, width, height) in ``img`` pixels of the largest face in the RGB Pillow image
    ``img``, or None (no face, or no OpenCV)."""
    found = opencv()
    if found is None:
        return None
    cv2, numpy, dummy = found
    scale = min(1.0, float(DETECT_SIDE) / max(img.size))
    grey = img.convert('L')
    if scale < 1.0:
        grey = grey.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.BILINEAR)
    pixels = cv2.equalizeHist(numpy.asarray(grey, dtype=numpy.uint8))
    smallest = max(24, min(grey.size) // 12)
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # one thread: the same candidates in the same order every time
    try:
        faces = _cascade().detectMultiScale(pixels, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest))
    finally:
        cv2.setNumThreads(threads)
    if len(faces) == 0:
        return None
    # The largest; among equals the highest, then the leftmost.
    boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h in faces]
    left, top, width, height = max(boxes, key=lambda box: (box[2] * box[3], -box[1], -box[0]))
    return (round(left / scale), round(top / scale), round(width / scale), round(height / scale))


def face_box(width: int, height: int, face: tuple[int, int, int, int], size: int) -> tuple[int, int, int, int]:
    """The square (left, top, right, bottom) of a ``width`` x ``height`` image that shows ``face``
    with head room: its side about FACE_WIDTHS face widths, but at least ``size`` (the output
    size) where the image allows, so a large face is not made a small photo; its eyes
    EYES_FROM_TOP down and the face centred, moved as little as needed to stay inside the image."""
    fx, fy, fw, fh = face
    largest = min(width, height)
    side = int(round(FACE_WIDTHS * fw))
    side = max(side, min(size, largest))
    side = min(side, largest)
    centre_x = fx + fw / 2.0
    eyes_y = fy + EYES_IN_FACE_BOX * fh
    left = int(round(centre_x - side / 2.0))
    top = int(round(eyes_y - EYES_FROM_TOP * side))
    left = min(max(left, 0), width - side)
    top = min(max(top, 0), height - side)
    return (left, top, left + side, top + side)
