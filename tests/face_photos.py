"""Real photographs with faces that installed packages ship, and the measurement of where the face
lands in a normalised photo (crop: face, issue 14).

scikit-image (pinned in requirements-dev.txt) ships the astronaut portrait (Eileen Collins, NASA,
public domain); it is cut into framings that put the face where the plain crops miss it. When
matplotlib is installed its Grace Hopper portrait is added. No photo is downloaded."""

from __future__ import annotations

import importlib.util
import io
import os

from PIL import Image

# Framings of the 512x512 astronaut (face at about x 177-270, y 67-160): (left, top, right, bottom).
ASTRONAUT_FRAMINGS = {
    'astronaut': None,
    # Wide, the face left of centre: a center or top crop cuts it off.
    'astronaut-face-left': (60, 30, 512, 230),
    # Wide, the face right of centre: a center or top crop cuts it off.
    'astronaut-face-right': (0, 30, 300, 200),
    # Portrait with the face high and a little right of centre: a center crop cuts it off.
    'astronaut-portrait': (40, 0, 330, 512),
}
# No face at all: the fallback to top.
NO_FACE_PHOTO = 'coffee.png'


def package_file(package, *parts):
    """A data file inside an installed package, located without importing the package (or None)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    path = os.path.join(os.path.dirname(spec.origin), *parts)
    return path if os.path.isfile(path) else None


def face_photos() -> dict:
    """{name: RGB Pillow image} of real photographs with one face."""
    astronaut = Image.open(package_file('skimage', 'data', 'astronaut.png')).convert('RGB')
    photos = {}
    for name, box in ASTRONAUT_FRAMINGS.items():
        photos[name] = astronaut.crop(box) if box else astronaut
    hopper = package_file('matplotlib', 'mpl-data', 'sample_data', 'grace_hopper.jpg')
    if hopper:
        with Image.open(hopper) as image:
            photos['grace-hopper'] = image.convert('RGB')
            photos['grace-hopper-wide'] = photos['grace-hopper'].crop((0, 0, 512, 380))
    return photos


def no_face_photo():
    return Image.open(package_file('skimage', 'data', NO_FACE_PHOTO)).convert('RGB')


def png_bytes(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format='PNG')
    return buffer.getvalue()


def face_position(data: bytes, detect_face):
    """(centre x, top y) of the largest face in the image bytes, as fractions of the width and the
    height, found with ``detect_face`` (the collection's detector); None when no face is found."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert('RGB')
    found = detect_face(rgb)
    if found is None:
        return None
    left, top, width, dummy = found
    return ((left + width / 2.0) / rgb.width, float(top) / rgb.height)


def well_framed(position) -> bool:
    """The acceptance rule: the face centred in the middle third horizontally, its top in the upper half."""
    return position is not None and 1 / 3.0 <= position[0] <= 2 / 3.0 and position[1] < 0.5
