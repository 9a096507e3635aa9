# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deterministic normalisation of a user photo into the JPEG we upload to Microsoft Graph.

Same input bytes + same options always give the same output bytes, so the
normalised photo's sha256 is a stable identity for "what we want to be there".
"""

from __future__ import annotations

# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the m365.photos
# collection and may not remain stable to outside uses.
import hashlib
import io
import re
import struct
import traceback
import warnings

try:
    from PIL import Image, ImageColor, ImageOps

    HAS_PIL = True
    PIL_IMPORT_ERROR = None
except ImportError:
    HAS_PIL = False
    PIL_IMPORT_ERROR = traceback.format_exc()

try:
    # ImageCms needs Pillow built with LittleCMS; without it we fall back to a
    # plain (profile-unaware) conversion, which is only slightly off in colour.
    from PIL import ImageCms

    HAS_IMAGECMS = True
except ImportError:
    HAS_IMAGECMS = False

from ansible_collections.m365.photos.plugins.module_utils._imaging import face as _face

MAX_UPLOAD_BYTES = 4 * 1024 * 1024
# Anything above this is refused before decoding: a real profile photo is a
# few megapixels, a 50 MP+ file is a mistake or a decompression bomb.
MAX_SOURCE_PIXELS = 50 * 1000 * 1000
CROP_MODES = ('center', 'top', 'none', 'face')
MIN_SIZE = 48
# Smaller sources are refused: Microsoft 365 serves nothing below 48x48, and a 1x1 upload reads back
# like the legacy "no photo" placeholder on some tenants.
MIN_SOURCE_SIZE = 48
MAX_SIZE = 4096
# Largest edge Microsoft 365 renders; mentioned in the upscale warning.
SERVICE_MAX_SIZE = 648
# Lowest JPEG quality we step down to when the output is too large.
MIN_FALLBACK_QUALITY = 30
QUALITY_STEP = 10

_SUPPORTED = ('JPEG', 'PNG', 'GIF', 'BMP', 'WEBP', 'TIFF')
_COLOUR_RE = re.compile(r'^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$')


class ImageError(Exception):
    """Bad input image; message is actionable and names the problem (caller adds user and file)."""


class NormalisedImage:
    """The JPEG to upload plus what we learnt about the source."""

    def __init__(self, data, width, height, source_format, source_width, source_height, quality, warnings_list=None):
        self.data = data
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.width = width
        self.height = height
        self.source_format = source_format
        self.source_width = source_width
        self.source_height = source_height
        self.quality = quality
        self.warnings = list(warnings_list or [])

    def __repr__(self):
        return 'NormalisedImage(%dx%d, %d bytes, q%d, sha256=%s, source=%s %dx%d)' % (
            self.width,
            self.height,
            len(self.data),
            self.quality,
            self.sha256[:12],
            self.source_format,
            self.source_width,
            self.source_height,
        )


# --------------------------------------------------------------------------
# Type sniffing: decide from magic bytes, never from the file name, and name
# what we found so the user knows what to convert.
# --------------------------------------------------------------------------


def sniff_format(data: bytes) -> str:
    """Return one of _SUPPORTED for a supported image, else raise ImageError naming what it is."""
    if not data:
        raise ImageError('empty file (0 bytes)')
    head = data[:64]
    if head.startswith(b'\xff\xd8\xff'):
        return 'JPEG'
    if head.startswith(b'\x89PNG\r\n\x1a\n'):
        return 'PNG'
    if head[:6] in (b'GIF87a', b'GIF89a'):
        return 'GIF'
    if head.startswith(b'BM') and len(data) >= 26:
        return 'BMP'
    if head[:4] == b'RIFF' and head[8:12] == b'WEBP':
        return 'WEBP'
    if head[:4] in (b'II*\x00', b'MM\x00*'):
        return 'TIFF'
    raise ImageError(_describe_unsupported(data))


def _describe_unsupported(data):
    head = data[:64]
    known = _known_unsupported(head)
    if known:
        return known
    text = _leading_text(data)
    if text is not None:
        lowered = text.lower()
        if '<svg' in lowered or (lowered.startswith('<?xml') and '<svg' in _leading_text(data, 4096, strict=False).lower()):
            return 'SVG image (XML text) is not supported; convert it to PNG or JPEG'
        if lowered.startswith(('<!doctype html', '<html')):
            return 'not an image: the file is an HTML page (a download that saved an error or login page?)'
        # Never quoted: the file may be anything (a .env, a key) that a symlink or a typo pointed at.
        return 'not an image: the file is text, not an image'
    return 'unrecognised file type (binary, not an image format); supported formats are JPEG, PNG, GIF, BMP, WebP and TIFF'


def _known_unsupported(head):
    """Formats people actually try to upload, with the fix in the message."""
    if head.startswith(b'%PDF'):
        return 'PDF document is not supported; export the photo as PNG or JPEG'
    if head[4:8] == b'ftyp':
        brand = head[8:12]
        if brand in (b'avif', b'avis'):
            return 'AVIF image is not supported; convert it to JPEG or PNG'
        if brand in (b'heic', b'heix', b'hevc', b'hevx', b'heim', b'heis', b'mif1', b'msf1'):
            return 'HEIC/HEIF image (iPhone photo format) is not supported; convert it to JPEG or PNG'
        return 'video or ISO media file (%s) is not supported; use a JPEG or PNG photo' % brand.decode('latin-1').strip()
    if head.startswith(b'8BPS'):
        return 'Photoshop PSD file is not supported; export the photo as PNG or JPEG'
    if head.startswith((b'\x00\x00\x01\x00', b'\x00\x00\x02\x00')) and len(head) > 6 and head[4] > 0:
        return 'Windows icon (ICO/CUR) is not supported; use a JPEG or PNG photo'
    if head.startswith((b'\xff\x0a', b'\x00\x00\x00\x0cJXL ')):
        return 'JPEG XL image is not supported; convert it to JPEG or PNG'
    if head.startswith((b'\x00\x00\x00\x0cjP  ', b'\xff\x4f\xff\x51')):
        return 'JPEG 2000 image is not supported; convert it to JPEG or PNG'
    if head.startswith(b'PK\x03\x04'):
        return 'ZIP archive (or Office document) is not supported; extract the photo and use a JPEG or PNG'
    if head.startswith(b'\x1f\x8b'):
        return 'gzip-compressed file is not supported; decompress it first'
    return None


def _leading_text(data, limit=512, strict=True):
    """The start of the file as text if it looks like text, else None."""
    chunk = data[:limit]
    for bom in (b'\xef\xbb\xbf',):
        if chunk.startswith(bom):
            chunk = chunk[len(bom) :]
    try:
        text = chunk.decode('utf-8')
    except UnicodeDecodeError as exc:
        if strict and exc.start < len(chunk) - 4:
            return None
        text = chunk[: exc.start].decode('utf-8')
    stripped = text.lstrip()
    if not stripped:
        return None
    printable = sum(1 for ch in stripped if ch.isprintable() or ch in '\r\n\t')
    if strict and printable < 0.95 * len(stripped):
        return None
    return stripped


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------


def _require_pil():
    if not HAS_PIL:
        raise ImageError('the Python library Pillow is required to process photos (pip install Pillow)')


def load_image(data: bytes, max_pixels: int = MAX_SOURCE_PIXELS, draft_size: int | None = None, background: str = '#ffffff') -> Image.Image:
    """Decode image bytes into an upright RGB Pillow image.

    The first frame is used for animations and multi-page files, EXIF
    orientation is applied, transparency is flattened onto ``background``.
    ``draft_size`` lets libjpeg decode a large JPEG at a reduced scale (DCT scaling by 1/2,
    1/4 or 1/8: the smallest that keeps both sides at least ``draft_size``), which is much faster.
    Returns a Pillow image; raises ImageError on anything that is not a usable image.
    """
    return _load(data, max_pixels, draft_size, background)[0]


def load_image_scaled(
    data: bytes, min_size: int, max_pixels: int = MAX_SOURCE_PIXELS, background: str = '#ffffff'
) -> tuple[Image.Image, tuple[float, float, float, float] | None]:
    """load_image() for a caller that only needs a small version of the photo.

    A JPEG is decoded by libjpeg at 1/2, 1/4 or 1/8 scale (DCT scaling: a fraction of the
    cost of a full decode) while both sides stay at least ``min_size``; other formats are
    decoded in full. Returns ``(image, box)``: ``box`` is the region of ``image`` that holds
    the whole photo, to pass to ``Image.resize(..., box=box)``. It is the full image unless
    the scaled size was rounded up (libjpeg then pads the right and bottom edge by up to one
    pixel, and ignoring that would shift the picture by up to 1/min_size of its width).
    """
    _require_pil()
    fmt = sniff_format(data)
    img = _open_checked(data, fmt, max_pixels)
    box = None
    if fmt == 'JPEG' and min(img.size) >= 2 * min_size and _orientation(img) in (None, 1):
        # Only for upright pixels: a transposed photo would move the padding to another edge.
        drafted = img.draft('RGB', (min_size, min_size))
        box = drafted[1] if drafted else None
    try:
        img.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError('truncated or corrupt %s image: %s' % (_display_format(fmt), exc)) from None
    rgb = _to_rgb(_upright(img), background)
    return rgb, box if box is not None else (0, 0, rgb.width, rgb.height)


def _orientation(img):
    try:
        return img.getexif().get(0x0112)
    except Exception:  # pylint: disable=broad-except
        return None


def _load(data, max_pixels, draft_size, background):
    """load_image() plus the detected format and the upright source size."""
    _require_pil()
    fmt = sniff_format(data)
    img = _open_checked(data, fmt, max_pixels)
    source_size = img.size
    if fmt == 'JPEG' and draft_size:
        # libjpeg scales in the DCT domain while decoding (an area average, not a point sample),
        # so the smallest scale that still covers the target leaves LANCZOS little to do.
        img.draft('RGB', (draft_size, draft_size))
    try:
        img.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError('truncated or corrupt %s image: %s' % (_display_format(fmt), exc)) from None
    upright = _upright(img)
    if upright.size != img.size and upright.size == (img.height, img.width):
        source_size = (source_size[1], source_size[0])
    return _to_rgb(upright, background), _display_format(fmt), source_size


def _display_format(fmt):
    return 'WebP' if fmt == 'WEBP' else fmt


def _open_checked(data, fmt, max_pixels):
    """Open lazily (header only) and refuse oversized images before any pixel is decoded."""
    with warnings.catch_warnings():
        # Pillow warns (instead of raising) between 1x and 2x its own limit: treat it as the error it is.
        warnings.simplefilter('error', Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[fmt])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(
                'image is %s, far larger than the %d megapixel limit (refused without decoding: '
                'possible decompression bomb); scale it down first' % (_declared_dimensions(data, fmt), max_pixels // 1000000)
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageError('truncated or corrupt %s image: %s' % (_display_format(fmt), exc)) from None
    width, height = img.size
    if width < 1 or height < 1:
        raise ImageError('%s image has no pixels (%dx%d)' % (_display_format(fmt), width, height))
    if width * height > max_pixels:
        raise ImageError(
            'image is %dx%d (%.0f megapixels), larger than the %d megapixel limit; scale it down first'
            % (width, height, width * height / 1e6, max_pixels // 1000000)
        )
    # Animated GIF/WebP and multi-page TIFF: Pillow opens on frame 0, which is what we use.
    return img


def _declared_dimensions(data, fmt):
    """'WxH' from the file header for the formats where that is trivial; Pillow refused before telling us."""
    size = None
    if fmt == 'PNG' and len(data) >= 24:
        size = struct.unpack('>II', data[16:24])
    elif fmt == 'GIF' and len(data) >= 10:
        size = struct.unpack('<HH', data[6:10])
    elif fmt == 'BMP' and len(data) >= 26:
        width, height = struct.unpack('<ii', data[18:26])
        size = (width, abs(height))
    return '%dx%d' % size if size else 'of unknown dimensions'


def _upright(img):
    """Apply the EXIF Orientation tag; a broken EXIF block must not make the photo unusable."""
    try:
        orientation = img.getexif().get(0x0112)
        if orientation in (None, 1):
            # exif_transpose() would return a full copy even when there is nothing to do.
            return img
        return ImageOps.exif_transpose(img)
    except Exception:  # pylint: disable=broad-except
        # Malformed EXIF is common in camera files; treat it as "no orientation".
        return img


def _to_rgb(img, background):
    """Convert any Pillow mode to 8-bit sRGB, flattening transparency onto background."""
    alpha = _alpha_channel(img)
    rgb = _colour_to_rgb(img)
    if alpha is None:
        return rgb
    flat = Image.new('RGB', rgb.size, _parse_colour(background))
    flat.paste(rgb, (0, 0), alpha)
    return flat


def _alpha_channel(img):
    """The alpha channel as an 'L' image, or None when the image is fully opaque."""
    mode = img.mode
    if mode in ('RGBA', 'LA', 'PA', 'RGBa', 'La'):
        alpha = img.getchannel('A') if mode in ('RGBA', 'LA', 'PA') else img.convert('RGBA').getchannel('A')
    elif 'transparency' in img.info and mode in ('P', 'L', 'RGB', '1'):
        alpha = img.convert('RGBA').getchannel('A')
    else:
        return None
    low, _high = alpha.getextrema()
    return None if low == 255 else alpha


def _colour_to_rgb(img):
    mode = img.mode
    icc = img.info.get('icc_profile')
    if mode.startswith('I;16') or mode in ('I', 'F'):
        img = _high_depth_to_l(img)
    elif mode in ('RGBA', 'RGBa', 'LA', 'La', 'PA', 'P', '1'):
        img = img.convert('RGBA').convert('RGB') if mode != '1' else img.convert('L')
    if icc:
        converted = _apply_icc(img, icc)
        if converted is not None:
            return converted
    if img.mode != 'RGB':
        try:
            img = img.convert('RGB')
        except ValueError:
            raise ImageError('unsupported colour mode %s; save the photo as an RGB JPEG or PNG' % img.mode) from None
    return img


def _high_depth_to_l(img):
    """16/32-bit greyscale to 8 bits by scaling, not clipping.

    Pillow's own I;16/I -> L conversion clips at 255, which turns a 16-bit
    photo almost entirely white.
    """
    if img.mode == 'F':
        _low, high = img.getextrema()
        scale = 255.0 if high <= 1.0 else (255.0 / 65535.0 if high > 255 else 1.0)
        return img.point(lambda v: v * scale).convert('L')
    sixteen_bit = img.mode.startswith('I;16')
    img = img.convert('I') if sixteen_bit else img
    low, high = img.getextrema()
    if sixteen_bit or high > 255 or low < 0:
        # 16-bit samples (also how older Pillow returned 16-bit PNG: mode 'I').
        return img.point(lambda v: v * (255.0 / 65535.0)).convert('L')
    return img.convert('L')


def _apply_icc(img, icc):
    """Convert from the embedded ICC profile to sRGB; None when not possible or not needed."""
    if not HAS_IMAGECMS or img.mode not in ('RGB', 'CMYK'):
        return None
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = src.profile.xcolor_space.strip()
        if space != img.mode:
            return None
        if img.mode == 'RGB' and 'srgb' in (ImageCms.getProfileDescription(src) or '').lower():
            # Already sRGB: a transform would only add rounding noise.
            return None
        return ImageCms.profileToProfile(img, src, ImageCms.createProfile('sRGB'), outputMode='RGB')
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken profile must not block the photo; the plain conversion is close enough.
        return None


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


def _parse_colour(value):
    try:
        return ImageColor.getrgb(value)[:3]
    except (ValueError, AttributeError, TypeError):
        raise ValueError("background must be a colour such as '#ffffff' or 'white', got %r" % (value,)) from None


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_options(size: int, crop: str, background: str, quality: int, max_bytes: int) -> None:
    """Raise ValueError with a clear message if an option is out of range."""
    if not _is_int(size) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError('size must be an integer from %d to %d pixels, got %r' % (MIN_SIZE, MAX_SIZE, size))
    if crop not in CROP_MODES:
        raise ValueError('crop must be one of %s, got %r' % (', '.join(CROP_MODES), crop))
    if not isinstance(background, str) or not background.strip():
        raise ValueError("background must be a colour such as '#ffffff' or 'white', got %r" % (background,))
    if HAS_PIL:
        _parse_colour(background)
    elif background.startswith('#') and not _COLOUR_RE.match(background):
        raise ValueError("background must be a colour such as '#ffffff' or 'white', got %r" % (background,))
    if not _is_int(quality) or not 1 <= quality <= 100:
        raise ValueError('quality must be an integer from 1 to 100, got %r' % (quality,))
    if not _is_int(max_bytes) or not 1024 <= max_bytes <= MAX_UPLOAD_BYTES:
        raise ValueError(
            'max_bytes must be an integer from 1024 to %d (the Microsoft Graph photo limit is 4 MB), got %r' % (MAX_UPLOAD_BYTES, max_bytes)
        )


# --------------------------------------------------------------------------
# Geometry and encoding
# --------------------------------------------------------------------------


def _square_box(width, height, crop):
    """(left, top, right, bottom) of the square to keep; for 'none' the whole image."""
    if crop == 'none':
        return (0, 0, width, height)
    side = min(width, height)
    left = (width - side) // 2
    if crop == 'top' and height > width:
        # Portrait head shots: the face sits in the upper part, keep the top square.
        top = 0
    else:
        top = (height - side) // 2
    return (left, top, left + side, top + side)


def _pad_to_square(img, background):
    width, height = img.size
    if width == height:
        return img
    side = max(width, height)
    canvas = Image.new('RGB', (side, side), _parse_colour(background))
    canvas.paste(img, ((side - width) // 2, (side - height) // 2))
    return canvas


def _encode_jpeg(img, quality):
    """Byte-deterministic baseline JPEG with no metadata at all."""
    buf = io.BytesIO()
    # Explicit empty metadata: nothing from the source (EXIF, ICC, comments, GPS) may leak into the upload.
    img.info = {}
    img.save(buf, 'JPEG', quality=quality, optimize=False, progressive=False, subsampling=2, exif=b'', icc_profile=None)
    return buf.getvalue()


def normalise_image(
    data: bytes, size: int = 648, crop: str = 'center', background: str = '#ffffff', quality: int = 90, max_bytes: int = MAX_UPLOAD_BYTES
) -> NormalisedImage:
    """Turn any supported image into the square sRGB JPEG we upload.

    Returns a NormalisedImage; raises ImageError for unusable input and
    ValueError for invalid options.
    """
    validate_options(size, crop, background, quality, max_bytes)
    # Decode at the smallest JPEG scale that still yields the target size: the square cut from the
    # source (centre, top, or padded) is at least as large as the shorter side. A face crop cuts a
    # smaller square around the face, so it keeps twice the target.
    draft_size = size * 2 if crop == 'face' else size
    img, source_format, (source_width, source_height) = _load(data, MAX_SOURCE_PIXELS, draft_size, background)
    if source_width < MIN_SOURCE_SIZE or source_height < MIN_SOURCE_SIZE:
        raise ImageError(
            'image is %dx%d pixels, smaller than %dx%d, the smallest size Microsoft 365 serves; use a larger photo'
            % (source_width, source_height, MIN_SOURCE_SIZE, MIN_SOURCE_SIZE)
        )
    notes = []

    if crop == 'none':
        img = _pad_to_square(img, background)
    box = None
    if crop == 'face':
        found = _face.detect_face(img)
        if found is not None:
            box = _face.face_box(img.width, img.height, found, size)
        else:
            notes.append(_face.NO_FACE if _face.has_opencv() else _face.NO_OPENCV)
            crop = 'top'
    if box is None:
        box = _square_box(img.width, img.height, crop)
    side = box[2] - box[0]
    target = size
    if side < size:
        # Never upscale: it adds no detail, only blur and bytes.
        target = side
        notes.append(
            'source is %dx%d, smaller than the requested %dx%d; the photo was not upscaled (Microsoft 365 shows sizes up to %d px)'
            % (source_width, source_height, size, size, SERVICE_MAX_SIZE)
        )
    if target == side:
        img = img.crop(box) if box != (0, 0, img.width, img.height) else img
    else:
        img = img.resize((target, target), Image.Resampling.LANCZOS, box=box)

    q = quality
    out = _encode_jpeg(img, q)
    while len(out) > max_bytes:
        if q <= MIN_FALLBACK_QUALITY:
            raise ImageError(
                'cannot fit under %d bytes even at quality %d (%d bytes at %dx%d); lower size or raise max_bytes'
                % (max_bytes, q, len(out), target, target)
            )
        q = max(MIN_FALLBACK_QUALITY, q - QUALITY_STEP)
        out = _encode_jpeg(img, q)
    if q != quality:
        notes.append('JPEG quality lowered from %d to %d to stay under %d bytes' % (quality, q, max_bytes))
    return NormalisedImage(out, target, target, source_format, source_width, source_height, q, notes)
