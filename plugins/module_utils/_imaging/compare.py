# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decide whether the photo Microsoft Graph holds is the photo we want there.

Graph re-encodes every upload (unknown JPEG quality, chroma subsampling,
metadata stripped, maybe downscaled), so bytes never match. We compare decoded
pixels at a small common size where re-encoding noise has averaged away, with
three checks; each is scaled so that 1.0 is its own decision boundary:

* structure: in every 8x8 window of the 64x64 luma images, the mean absolute
  difference divided by the local edge activity (re-encoding and resampling
  errors grow with edge contrast; real edits do not need edges);
  the maximum over windows, so a 1 % patch counts as much as a global change;
* brightness: log ratio of mean luma (a +-10 % exposure edit);
* colourfulness: difference of mean chroma (a colour photo turned grey).

See docs/change-detection.md for the measurements behind the constants.
"""

from __future__ import annotations

# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the m365.photos
# collection and may not remain stable to outside uses.
import math
import traceback

try:
    from PIL import Image, ImageChops, ImageFilter, ImageStat

    HAS_PIL = True
    PIL_IMPORT_ERROR = None
except ImportError:
    HAS_PIL = False
    PIL_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError, load_image

# Common resolution: at 64 px a 648 px JPEG's 8x8 blocks are averaged ~10x10,
# which removes compression noise but keeps a 1 % patch (6 px) and a 2 % shift.
COMPARE_SIZE = 64
# Windows are 2x2 cells of COMPARE_SIZE / GRID px, sliding by one cell.
GRID = 16
# Light blur before differencing: the service's resampling filter moves edges
# by a fraction of a pixel; this turns that into a small, bounded error.
BLUR_RADIUS = 0.5
# Structure: window score = mean |dY| / (ACTIVITY_WEIGHT * activity + FLOOR).
ACTIVITY_WEIGHT = 0.6
FLOOR = 3.0
# Each component is divided by its scale so that 1.0 sits in the middle
# (geometric mean) of the measured gap between "same" and "changed".
STRUCTURE_SCALE = 0.56
BRIGHTNESS_SCALE = 0.0194
CHROMA_SCALE = 4.2
# Offset in the brightness ratio so near-black photos do not explode it.
BRIGHTNESS_OFFSET = 16.0
# Distance reported when the two photos do not even have the same shape.
ASPECT_MISMATCH_DISTANCE = 100.0
ASPECT_TOLERANCE = 0.02

THRESHOLD = 1.0


class _Signature:
    """What the comparison needs from one photo, computed once."""

    __slots__ = ('aspect', 'luma', 'activity', 'mean_luma', 'chroma')

    def __init__(self, aspect, luma, activity, mean_luma, chroma):
        self.aspect = aspect
        self.luma = luma
        self.activity = activity
        self.mean_luma = mean_luma
        self.chroma = chroma


def _as_image(photo):
    if isinstance(photo, (bytes, bytearray)):
        # Decode at reduced scale: we only need COMPARE_SIZE pixels.
        return load_image(bytes(photo))
    if HAS_PIL and isinstance(photo, Image.Image):
        return photo if photo.mode == 'RGB' else photo.convert('RGB')
    raise TypeError('expected image bytes or a PIL image, got %s' % type(photo).__name__)


def reduce_for_compare(photo):
    """The COMPARE_SIZE image a photo is compared at. Comparing it gives exactly the distance of
    the photo itself, so callers may keep it instead of the photo (the bulk module caches it for
    every declared photo and skips a full decode per user)."""
    if not HAS_PIL:
        raise ImageError('the Python library Pillow is required to compare photos (pip install Pillow)')
    return _as_image(photo).resize((COMPARE_SIZE, COMPARE_SIZE), Image.Resampling.BOX)


def signature(photo):
    """Reduce a photo (bytes or PIL image) to the small summary that distances are computed from."""
    if not HAS_PIL:
        raise ImageError('the Python library Pillow is required to compare photos (pip install Pillow)')
    img = _as_image(photo)
    aspect = img.width / float(img.height)
    # BOX = area average: every source pixel counts once, whatever the source size.
    small = img.resize((COMPARE_SIZE, COMPARE_SIZE), Image.Resampling.BOX)
    luma = small.convert('L')
    # Edge activity: how far each pixel is from its 3x3 neighbourhood mean.
    activity = ImageChops.difference(luma, luma.filter(ImageFilter.BoxBlur(1)))
    activity_windows = _windows(_cells(activity.convert('F')))
    ycc = small.convert('YCbCr')
    grey = Image.new('L', small.size, 128)
    chroma = sum(ImageStat.Stat(ImageChops.difference(ycc.getchannel(band), grey)).mean[0] for band in ('Cb', 'Cr'))
    return _Signature(aspect, luma.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)), activity_windows, ImageStat.Stat(luma).mean[0], chroma)


def _cells(img_f):
    """Mean of each of the GRID x GRID cells, row by row."""
    cells = img_f.resize((GRID, GRID), Image.Resampling.BOX)
    return list(cells.get_flattened_data() if hasattr(cells, 'get_flattened_data') else cells.getdata())


def _windows(cells):
    """Mean of every 2x2 block of cells (overlapping windows)."""
    out = []
    for y in range(GRID - 1):
        row = y * GRID
        for x in range(GRID - 1):
            i = row + x
            out.append((cells[i] + cells[i + 1] + cells[i + GRID] + cells[i + GRID + 1]) / 4.0)
    return out


def components(desired, current):
    """The three raw measurements (before scaling), for diagnostics and calibration."""
    a = desired if isinstance(desired, _Signature) else signature(desired)
    b = current if isinstance(current, _Signature) else signature(current)
    diff_windows = _windows(_cells(ImageChops.difference(a.luma, b.luma).convert('F')))
    # The larger of the two activities: an edge in either photo can explain a re-encoding error there.
    structure = max(d / (ACTIVITY_WEIGHT * max(p, q) + FLOOR) for d, p, q in zip(diff_windows, a.activity, b.activity))
    brightness = abs(math.log((a.mean_luma + BRIGHTNESS_OFFSET) / (b.mean_luma + BRIGHTNESS_OFFSET)))
    return {
        'aspect': abs(math.log(a.aspect / b.aspect)),
        'structure': structure,
        'brightness': brightness,
        'chroma': abs(a.chroma - b.chroma),
    }


def distance_from_components(comp):
    if comp['aspect'] > ASPECT_TOLERANCE:
        # Ours is always square; a non-square current photo was uploaded by something else.
        return ASPECT_MISMATCH_DISTANCE
    return max(comp['structure'] / STRUCTURE_SCALE, comp['brightness'] / BRIGHTNESS_SCALE, comp['chroma'] / CHROMA_SCALE)


def photo_distance(desired, current):
    """0 for identical pixels; above THRESHOLD means the current photo is a different photo.

    ``desired`` and ``current`` are image bytes or PIL images (or signatures).
    Raises ImageError if either cannot be decoded.
    """
    return distance_from_components(components(desired, current))


def is_same_photo(distance):
    return distance <= THRESHOLD


def describe_metric():
    return (
        'max over 3 checks at %dx%d px (each scaled so 1.0 is its boundary): local luma structure '
        '(8x8 windows, |dY| / (%.1f * edge activity + %.0f) / %.2f), brightness (|log ratio of mean luma| / %.4f), '
        'colourfulness (|d mean chroma| / %.1f); changed when > %.2f'
        % (COMPARE_SIZE, COMPARE_SIZE, ACTIVITY_WEIGHT, FLOOR, STRUCTURE_SCALE, BRIGHTNESS_SCALE, CHROMA_SCALE, THRESHOLD)
    )
