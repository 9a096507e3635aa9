"""Server-side photo processing.

realistic: decode, flatten to RGB on white, downscale to max_dimension,
re-encode as baseline JPEG 4:2:0 with no EXIF/ICC.  That is the observed
effect of the real service (bytes and hashes never round-trip); the exact
quality and size cap are assumptions (reference §6, §15).
passthrough: keep the uploaded bytes exactly (unit tests).
"""

import hashlib
import io
import threading
from collections import OrderedDict

from PIL import Image, UnidentifiedImageError

STANDARD_SIZES = (48, 64, 96, 120, 240, 360, 432, 504, 648)
ACCEPTED_FORMATS = ('JPEG', 'PNG')
MIME = {'JPEG': 'image/jpeg', 'PNG': 'image/png'}


class ImageRejected(Exception):
    pass


def _open(data, max_dimension=None):
    if not data:
        raise ImageRejected('The photo is empty.')
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        if max_dimension and image.format == 'JPEG' and max(image.size) >= 2 * max_dimension:
            # DCT-domain downscale while decoding: big camera JPEGs would otherwise cost seconds.
            image.draft(image.mode, (max_dimension, max_dimension))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        # Not Pillow's text: it holds a Python object representation (<_io.BytesIO object at 0x...>).
        raise ImageRejected('The photo could not be decoded as a JPEG or PNG image.') from None
    return image


def inspect(data):
    image = _open(data)
    return MIME[image.format], image.width, image.height


def _flatten(image):
    """RGB with any transparency composited onto white (the service shows a white background)."""
    if image.mode == 'RGB':
        return image
    if image.mode in ('I;16', 'I;16B', 'I;16L', 'I'):
        image = image.point(lambda value: value * (1.0 / 256)).convert('L')
    has_alpha = image.mode in ('RGBA', 'LA', 'PA') or (image.mode == 'P' and 'transparency' in image.info)
    if has_alpha:
        rgba = image.convert('RGBA')
        background = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert('RGB')
    return image.convert('RGB')


def _encode_jpeg(image, quality):
    out = io.BytesIO()
    # No exif=/icc_profile= arguments: metadata is dropped like the service does.
    image.save(out, 'JPEG', quality=quality, subsampling=2, optimize=False, progressive=False)
    return out.getvalue()


def process_upload(data, mode, quality, max_dimension):
    """Return (stored_bytes, content_type, width, height) or raise ImageRejected."""
    if mode == 'passthrough':
        image = _open(data)
        return data, MIME[image.format], image.width, image.height
    key = (hashlib.sha256(data).digest(), quality, max_dimension)
    cached = _PROCESSED.get(key)
    if cached is not None:
        return cached
    image = _open(data, max_dimension)
    original = Image.open(io.BytesIO(data)).size  # header only; draft() may have shrunk the decoded image
    image = _flatten(image)
    longest = max(original)
    if longest > max_dimension:
        scale = float(max_dimension) / longest
        size = (max(1, round(original[0] * scale)), max(1, round(original[1] * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    result = (_encode_jpeg(image, quality), 'image/jpeg', image.width, image.height)
    _PROCESSED.put(key, result)
    return result


class _LRU:
    """Processing is deterministic, so identical uploads can reuse the result (ETags stay fresh per PUT)."""

    def __init__(self, max_items=512):
        self._lock = threading.Lock()
        self._items = OrderedDict()
        self._max = max_items

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._max:
                self._items.popitem(last=False)


_PROCESSED = _LRU(256)


def available_sizes(width, height):
    """Square renditions are cut from the centre, so the shorter side decides what exists."""
    return [size for size in STANDARD_SIZES if size <= min(width, height)]


def parse_size(text):
    """'240x240' (or '240X240') -> 240 for a standard size, else None."""
    parts = text.lower().split('x')
    if len(parts) != 2 or parts[0] != parts[1] or not parts[0].isdigit():
        return None
    size = int(parts[0])
    return size if size in STANDARD_SIZES else None


class RenditionCache(_LRU):
    """Renditions are derived data; cache a bounded number keyed by the photo's ETag."""

    def rendition(self, etag, size, data, quality):
        key = (etag, size, quality)
        rendered = self.get(key)
        if rendered is None:
            rendered = render(data, size, quality)
            self.put(key, rendered)
        return rendered


def render(data, size, quality):
    image = _flatten(_open(data))
    side = min(image.width, image.height)
    left = (image.width - side) // 2
    top = (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    if side != size:
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    return _encode_jpeg(image, quality)
