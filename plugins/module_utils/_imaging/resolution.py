# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Small sources: the 'never downgrade' comparison and the 'will look soft' warning.

An Active Directory thumbnail (96 px is customary) of the photo HR uploaded at 648 px is the same
picture, but the plain comparison (compare.photo_distance) sees the thumbnail's own resampling and
JPEG noise at its 64 px working size and can call it changed: uploading it would replace a sharp
photo with a soft copy. When the declared photo is smaller than the current one, the current
photo is therefore first reduced to the declared photo's size, as a thumbnail of it would be,
and then compared with the usual metric against DOWNGRADE_THRESHOLD.

Measured by tests/unit/plugins/module_utils/test_resolution.py over the corpus's photos
(tests/unit/corpus; the current photo is the 648 px upload re-encoded at quality 75, the thumbnail
is normalised as the modules normalise a source): 96 px thumbnails of the same picture (this
collection's normalisation at quality 90 and 75, Pillow LANCZOS at quality 60, BICUBIC at 95) score
at most 1.35; a mirrored photo at least 3.33, 10 % darker 3.62, a high-contrast 1 % patch 6.0,
another photo 3.97 (metric of commit 2ecccf4). DOWNGRADE_THRESHOLD sits between them; the test
requires a margin of 1.15 on each side, so a change of the metric that breaks it fails there.
Subtle retouches (5 % brightness, contrast 15 %, saturation 30 %, white balance 8 %, thin glasses)
are not reliably visible in a 96 px thumbnail at any threshold: they count as the same picture.
"""

from __future__ import annotations

import math

try:
    from PIL import Image
except ImportError:
    Image = None  # type: ignore[assignment]

from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import ASPECT_MISMATCH_DISTANCE, ASPECT_TOLERANCE, photo_distance
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import load_image

# "Same picture" for a smaller source, in the units of compare.photo_distance (see above).
DOWNGRADE_THRESHOLD = 2.0
# Below this a photo looks soft where Teams and Outlook show it (up to 648 px).
SOFT_BELOW = 240


def soft_warning(width: int, height: int) -> str | None:
    """The warning for a photo that will be uploaded below SOFT_BELOW pixels, or None."""
    if min(width, height) >= SOFT_BELOW:
        return None
    return (
        'the photo is %dx%d px: below %d px it will look soft in Teams and Outlook, which show photos up to 648 px; '
        'use a larger source where one exists' % (width, height, SOFT_BELOW)
    )


def is_higher_resolution(desired_width: int, desired_height: int, current_width: int | None, current_height: int | None) -> bool:
    """Whether the current photo is larger than the declared one on both sides."""
    if not current_width or not current_height:
        return False
    return current_width > desired_width and current_height > desired_height


def distance_at_source_size(desired: bytes, current: bytes) -> float:
    """Distance between the declared (smaller) photo and the current one reduced to its size.
    Raises normalise.ImageError when either does not decode."""
    small = load_image(desired)
    big = load_image(current)
    if abs(math.log((big.width / big.height) / (small.width / small.height))) > ASPECT_TOLERANCE:
        return ASPECT_MISMATCH_DISTANCE  # another shape is another picture, as in photo_distance
    if big.size != small.size:
        big = big.resize(small.size, Image.Resampling.LANCZOS)
    return photo_distance(small, big)


def distance_at_source_size_from_file(path: str, current: bytes) -> float:
    """Worker: distance_at_source_size for a declared photo cached at ``path``."""
    with open(path, 'rb') as handle:
        return distance_at_source_size(handle.read(), current)
