# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decide whether the photo Microsoft Graph holds is the photo we want there.

Graph re-encodes every upload (unknown JPEG quality, chroma subsampling,
metadata stripped, maybe downscaled), so bytes never match. We compare decoded,
colour-managed sRGB pixels at a small common size where re-encoding noise has
averaged away, with six checks; each is scaled so that 1.0 is its own decision
boundary, and the distance is the largest of them:

* structure: in every 8x8 window of the 64x64 images, the mean absolute
  difference of luma and of CIE lightness (the smaller of the two: a
  colour-management rounding shows in luma only, a chroma-subsampling error at a
  colour edge in lightness only, a real edit in both), divided by the local edge
  activity (re-encoding and resampling errors grow with edge contrast; real
  edits do not need edges); the maximum over windows, so a 0.5 % patch counts
  as much as a global change;
* motion: the translation of the whole picture, estimated by least squares from
  the image gradients (one Lucas-Kanade step), in % of the width: a re-framed
  crop moves everything coherently, re-encoding noise moves nothing;
* brightness, contrast, colourfulness: log ratios of the mean, the spread and
  the mean chroma of CIE L*a*b* (exposure, contrast and saturation edits);
* colour cast: the shift of the mean a* and b* over the pixels that are not
  near black (a white-balance edit).

See docs/change-detection.md for the measurements behind the constants.
"""

from __future__ import annotations

# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the m365.photos
# collection and may not remain stable to outside uses.
import math
import operator
import traceback

try:
    from PIL import Image, ImageChops, ImageFilter

    HAS_PIL = True
    PIL_IMPORT_ERROR = None
except ImportError:
    HAS_PIL = False
    PIL_IMPORT_ERROR = traceback.format_exc()

try:
    from PIL import ImageCms

    HAS_IMAGECMS = True
except ImportError:
    HAS_IMAGECMS = False

from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError, load_image_scaled

# Common resolution: at 64 px a 648 px JPEG's 8x8 blocks are averaged ~10x10,
# which removes compression noise but keeps a 0.5 % patch (4.5 px) and a 2 % shift.
COMPARE_SIZE = 64
# A JPEG is decoded by libjpeg at 1/2 scale or finer (DCT scaling) while it keeps at
# least this many pixels: far cheaper than a full decode; coarser scales alias fine texture.
DECODE_MIN_SIZE = 3 * COMPARE_SIZE
# Windows are 2x2 cells of COMPARE_SIZE / GRID px, sliding by one cell.
GRID = 16
# Light blur before differencing: the service's resampling filter moves edges
# by a fraction of a pixel; this turns that into a small, bounded error.
BLUR_RADIUS = 0.8
# Structure: window score = mean |d| / (ACTIVITY_WEIGHT * luma activity + FLOOR), for luma (at
# COMPARE_SIZE) and lightness (at half of it, blurred by half the radius).
ACTIVITY_WEIGHT = 0.6
FLOOR = 3.0
# Motion is estimated at MOTION_SIZE px (a 1 % shift is 0.3 px there: the linear regime of the estimate).
MOTION_SIZE = COMPARE_SIZE // 2
# Offsets in the log ratios (L*, a*, b* in Pillow's 8-bit LAB units) so near-black or
# near-grey photos do not explode them.
BRIGHTNESS_OFFSET = 16.0
CONTRAST_OFFSET = 4.0
CHROMA_OFFSET = 8.0
# Each check is divided by its scale so that 1.0 sits in the middle (geometric mean) of its
# measured gap: its largest value on "same" pairs, and its smallest value on the changes it
# sees most clearly of all checks (relative to the checks' largest "same" values).
STRUCTURE_SCALE = 0.526
MOTION_SCALE = 0.407
BRIGHTNESS_SCALE = 0.0156
CONTRAST_SCALE = 0.0643
CHROMA_SCALE = 0.0831
CAST_SCALE = 1.88
SCALES = {
    'structure': STRUCTURE_SCALE,
    'motion': MOTION_SCALE,
    'brightness': BRIGHTNESS_SCALE,
    'contrast': CONTRAST_SCALE,
    'chroma': CHROMA_SCALE,
    'cast': CAST_SCALE,
}
# The colour cast is measured over the pixels with at least this luma in both photos: colour
# shifts among near-black pixels are JPEG clipping (chroma errors pushed below 0), not a cast
# a person sees. When fewer than CAST_MIN_FRACTION of the pixels qualify, all pixels count.
CAST_MIN_LUMA = 24
CAST_MIN_FRACTION = 0.05
# Distance reported when the two photos do not even have the same shape.
ASPECT_MISMATCH_DISTANCE = 100.0
ASPECT_TOLERANCE = 0.02

THRESHOLD = 1.0

_LAB_TRANSFORM: list = []
_LIT_TABLE = [255 if v >= CAST_MIN_LUMA else 0 for v in range(256)]


class _Signature:
    """What the comparison needs from one photo, computed once."""

    __slots__ = ('aspect', 'blurred', 'denominators', 'motion', 'gradients', 'lab', 'lit', 'lab_hist')
    aspect: float
    lab_hist: list

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)


def _require_pil():
    if not HAS_PIL:
        raise ImageError('the Python library Pillow is required to compare photos (pip install Pillow)')


def _reduced(photo):
    """(aspect ratio, COMPARE_SIZE x COMPARE_SIZE RGB image) of image bytes or a PIL image."""
    if isinstance(photo, (bytes, bytearray)):
        img, box = load_image_scaled(bytes(photo), DECODE_MIN_SIZE)
    elif HAS_PIL and isinstance(photo, Image.Image):
        img = photo if photo.mode == 'RGB' else photo.convert('RGB')
        box = (0, 0, img.width, img.height)
    else:
        raise TypeError('expected image bytes or a PIL image, got %s' % type(photo).__name__)
    aspect = (box[2] - box[0]) / float(box[3] - box[1])
    if img.size == (COMPARE_SIZE, COMPARE_SIZE) and box == (0, 0, COMPARE_SIZE, COMPARE_SIZE):
        return aspect, img
    # BOX = area average: every source pixel counts once, whatever the source size.
    return aspect, img.resize((COMPARE_SIZE, COMPARE_SIZE), Image.Resampling.BOX, box=box)


def reduce_for_compare(photo: bytes | Image.Image) -> Image.Image:
    """The COMPARE_SIZE image a photo is compared at. Comparing it gives exactly the distance of
    the photo itself, so callers may keep it instead of the photo (the bulk module caches it for
    every declared photo and skips a full decode per user)."""
    _require_pil()
    return _reduced(photo)[1]


def _lab(img):
    """CIE L*a*b* (D50) of an sRGB image, in Pillow's 8-bit LAB encoding (L* x 2.55, a* and b* + 128)."""
    if not HAS_IMAGECMS:
        # Pillow without LittleCMS: YCbCr is the closest built-in opponent space.
        return img.convert('YCbCr')
    if not _LAB_TRANSFORM:
        _LAB_TRANSFORM.append(ImageCms.buildTransform(ImageCms.createProfile('sRGB'), ImageCms.createProfile('LAB'), 'RGB', 'LAB'))
    return ImageCms.applyTransform(img, _LAB_TRANSFORM[0])


def signature(photo: bytes | Image.Image) -> _Signature:
    """Reduce a photo (bytes or PIL image) to the small summary that distances are computed from."""
    _require_pil()
    aspect, small = _reduced(photo)
    luma = small.convert('L')
    # Lightness and colour statistics at half the resolution: a 2x2 average changes no mean, and
    # lightness is only a second opinion beside luma (the CIE L*a*b* transform is the costliest step).
    half = luma.reduce(2)
    lab = _lab(small.reduce(2))
    lightness = lab.getchannel(0)
    return _Signature(
        aspect=aspect,
        blurred=(luma.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)), lightness.filter(ImageFilter.GaussianBlur(BLUR_RADIUS / 2))),
        # Per window: ACTIVITY_WEIGHT * edge activity (of luma) + FLOOR, the structure check's denominator.
        denominators=[ACTIVITY_WEIGHT * v + FLOOR for v in _windows(_activity(luma))],
        # Luma at MOTION_SIZE px (bytes), for the motion check.
        motion=half.tobytes(),
        gradients=None,
        lab=lab,
        lit=half.point(_LIT_TABLE),
        lab_hist=lab.histogram(),
    )


def _activity(band):
    """Edge activity: how far each pixel is from its 3x3 neighbourhood mean."""
    return ImageChops.difference(band, band.filter(ImageFilter.BoxBlur(1)))


def _windows(band):
    """Mean of every window of 2x2 cells (the band cut into GRID x GRID cells; windows overlap), row by row."""
    cells = band.convert('F').reduce(band.width // GRID)
    # A bilinear resize at scale 1, shifted by half a cell, averages exactly 2x2 neighbouring cells.
    windows = cells.resize((GRID - 1, GRID - 1), Image.Resampling.BILINEAR, box=(0.5, 0.5, GRID - 0.5, GRID - 0.5))
    return _pixels(windows)


def _pixels(img):
    return list(img.get_flattened_data() if hasattr(img, 'get_flattened_data') else img.getdata())


def _gradients(sig):
    """Horizontal and vertical differences (twice the central gradient) of a signature's motion luma,
    and their normal matrix (the sums of products a least-squares translation needs); computed once."""
    if sig.gradients is None:
        n = MOTION_SIZE
        values = sig.motion
        zeros = [0] * n
        grad_x = list(map(operator.sub, values[1:] + b'\0', b'\0' + values[:-1]))
        # No central difference across the left and right border (the neighbours there wrap rows).
        grad_x[0::n] = zeros
        grad_x[n - 1 :: n] = zeros
        grad_y = list(map(operator.sub, values[n:] + bytes(n), bytes(n) + values[:-n]))
        grad_y[:n] = zeros
        grad_y[-n:] = zeros
        mul = operator.mul
        normal = (sum(map(mul, grad_x, grad_x)), sum(map(mul, grad_y, grad_y)), sum(map(mul, grad_x, grad_y)))
        sig.gradients = (grad_x, grad_y, normal)
    return sig.gradients


def _translation(a, b):
    """One Lucas-Kanade step: the translation from a to b that explains their difference by a's
    gradients, in % of the width (a 1 % shift is 0.3 px at MOTION_SIZE: the linear regime)."""
    grad_x, grad_y, (sxx, syy, sxy) = _gradients(a)
    det = sxx * syy - sxy * sxy
    if det <= 1e-9 * max(1.0, sxx * syy):
        # A flat (or one-directional) picture: no motion can be measured, nor seen.
        return 0.0
    diff = list(map(operator.sub, b.motion, a.motion))
    sxt = sum(map(operator.mul, grad_x, diff))
    syt = sum(map(operator.mul, grad_y, diff))
    # The differences are twice the gradient, hence the factor 2.
    dx = 2.0 * (sxy * syt - syy * sxt) / det
    dy = 2.0 * (sxy * sxt - sxx * syt) / det
    return 100.0 * math.hypot(dx, dy) / MOTION_SIZE


def _structure(a, b):
    # The larger of the two activities: an edge in either photo can explain a re-encoding error there.
    denominators = list(map(max, a.denominators, b.denominators))
    luma, lightness = (_windows(ImageChops.difference(p, q)) for p, q in zip(a.blurred, b.blurred))
    # A window counts with the smaller of its luma and its lightness difference.
    return max(map(operator.truediv, map(min, luma, lightness), denominators))


_LEVELS = tuple(range(256))
_SQUARES = tuple(v * v for v in range(256))
_CHROMA = tuple(abs(v - 128) for v in range(256))


def _band_mean(hist, weights=_LEVELS, count=None):
    count = sum(hist) if count is None else count
    return sum(map(operator.mul, hist, weights)) / float(count) if count else 0.0


def _lab_stats(hist):
    """Mean L*, the spread of L* and the mean chroma (|a*| + |b*|) from a LAB histogram."""
    lightness, red_green, blue_yellow = hist[:256], hist[256:512], hist[512:]
    count = sum(lightness)
    mean_l = _band_mean(lightness, count=count)
    spread = math.sqrt(max(0.0, _band_mean(lightness, _SQUARES, count) - mean_l * mean_l))
    chroma = _band_mean(red_green, _CHROMA, count) + _band_mean(blue_yellow, _CHROMA, count)
    return mean_l, spread, chroma


def _cast(a, b):
    """Shift of the mean a* and b* over the pixels lit in both photos."""
    mask = ImageChops.darker(a.lit, b.lit)
    if mask.histogram()[255] >= CAST_MIN_FRACTION * mask.width * mask.height:
        hist_a, hist_b = a.lab.histogram(mask), b.lab.histogram(mask)
    else:
        hist_a, hist_b = a.lab_hist, b.lab_hist
    shifts = [abs(_band_mean(hist_a[i : i + 256]) - _band_mean(hist_b[i : i + 256])) for i in (256, 512)]
    return max(shifts)


def _log_ratio(p, q, offset):
    return abs(math.log((p + offset) / (q + offset)))


def components(desired: bytes | Image.Image | _Signature, current: bytes | Image.Image | _Signature) -> dict[str, float]:
    """The raw measurements (before scaling), for diagnostics and calibration."""
    a = desired if isinstance(desired, _Signature) else signature(desired)
    b = current if isinstance(current, _Signature) else signature(current)
    stats_a, stats_b = _lab_stats(a.lab_hist), _lab_stats(b.lab_hist)
    return {
        'aspect': abs(math.log(a.aspect / b.aspect)),
        'structure': _structure(a, b),
        'motion': _translation(a, b),
        'brightness': _log_ratio(stats_a[0], stats_b[0], BRIGHTNESS_OFFSET),
        'contrast': _log_ratio(stats_a[1], stats_b[1], CONTRAST_OFFSET),
        'chroma': _log_ratio(stats_a[2], stats_b[2], CHROMA_OFFSET),
        'cast': _cast(a, b),
    }


def distance_from_components(comp: dict[str, float]) -> float:
    if comp['aspect'] > ASPECT_TOLERANCE:
        # Ours is always square; a non-square current photo was uploaded by something else.
        return ASPECT_MISMATCH_DISTANCE
    return max(comp[name] / scale for name, scale in SCALES.items())


def photo_distance(desired: bytes | Image.Image | _Signature, current: bytes | Image.Image | _Signature) -> float:
    """0 for identical pixels; above THRESHOLD means the current photo is a different photo.

    ``desired`` and ``current`` are image bytes or PIL images (or signatures).
    Raises ImageError if either cannot be decoded.
    """
    return distance_from_components(components(desired, current))


def is_same_photo(distance: float) -> bool:
    return distance <= THRESHOLD


def describe_metric() -> str:
    return (
        'max over 6 checks at %dx%d px (each scaled so 1.0 is its boundary): local structure (8x8 windows, '
        'min(|d luma|, |d lightness|) / (%.1f * edge activity + %.0f) / %.3g), motion (least-squares translation, '
        '%% of width / %.3g), brightness (|log ratio of mean L*| / %.3g), contrast (|log ratio of L* spread| / %.3g), '
        'colourfulness (|log ratio of mean chroma| / %.3g), colour cast (|d mean a*, b*| / %.3g); changed when > %.2f'
        % (
            COMPARE_SIZE,
            COMPARE_SIZE,
            ACTIVITY_WEIGHT,
            FLOOR,
            STRUCTURE_SCALE,
            MOTION_SCALE,
            BRIGHTNESS_SCALE,
            CONTRAST_SCALE,
            CHROMA_SCALE,
            CAST_SCALE,
            THRESHOLD,
        )
    )
