# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Never downgrade (issue 12): a small source is judged against the current photo reduced to its
size. Measured over the corpus's photos, so a change to the comparison metric that breaks the
calibration of DOWNGRADE_THRESHOLD fails here, not in a tenant."""

from __future__ import annotations

import io
import random

import pytest
from ansible_collections.m365.photos.plugins.module_utils._imaging import resolution
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import normalise_image
from ansible_collections.m365.photos.tests.unit.corpus import photo_corpus
from PIL import Image

THUMB = 96
MARGIN = 1.15


def _jpeg(image, quality):
    buffer = io.BytesIO()
    image.save(buffer, format='JPEG', quality=quality)
    return buffer.getvalue()


def _as_source(data):
    """What the modules compare: the declared source normalised (a 96 px source stays 96 px)."""
    return normalise_image(data).data


def _measured():
    """(same-picture distances, different-picture distances) with labels, over every corpus photo."""
    bases = photo_corpus.all_bases()
    same, different = [], []
    thumbs = {}
    for index, base in enumerate(bases):
        # What the service holds after the 648 px upload: re-encoded at quality 75 (the corpus's service model).
        stored = photo_corpus.service(photo_corpus.normalised(base.source))
        stored_image = Image.open(io.BytesIO(stored)).convert('RGB')
        source = photo_corpus.encode_bmp(base.source)
        variants = {
            'normalised-q90': normalise_image(source, size=THUMB, quality=90).data,
            'normalised-q75': normalise_image(source, size=THUMB, quality=75).data,
            'lanczos-q60': _jpeg(stored_image.resize((THUMB, THUMB), Image.Resampling.LANCZOS), 60),
            'bicubic-q95': _jpeg(stored_image.resize((THUMB, THUMB), Image.Resampling.BICUBIC), 95),
        }
        for label, thumb in variants.items():
            same.append((resolution.distance_at_source_size(_as_source(thumb), stored), base.name, label))
        thumbs[base.name] = (variants['normalised-q90'], stored)
        rng = random.Random(5000 + index)
        for edit in ('mirror', 'darker10', 'patch-high-contrast'):
            edited = photo_corpus.EDITS[edit](base.source, rng)
            if photo_corpus.visibly_changed(base.source, edited, whole_image=not edit.startswith('patch')):
                thumb = normalise_image(photo_corpus.encode_bmp(edited), size=THUMB).data
                different.append((resolution.distance_at_source_size(_as_source(thumb), stored), base.name, edit))
    names = sorted(thumbs)
    for position, name in enumerate(names):
        other = names[(position + 1) % len(names)]
        different.append((resolution.distance_at_source_size(thumbs[other][0], thumbs[name][1]), name, 'other-photo:' + other))
    return same, different


def test_threshold_separates_same_picture_thumbnails_from_real_changes():
    """One test, so the corpus is measured once per run (pytest-xdist would repeat it per worker)."""
    same, different = _measured()
    assert len(same) >= 4 * 30 and len(different) >= 3 * 30
    worst = max(same)
    assert worst[0] <= resolution.DOWNGRADE_THRESHOLD, 'a same-picture thumbnail would replace the photo: %r' % (worst,)
    closest = min(different)
    assert closest[0] > resolution.DOWNGRADE_THRESHOLD, 'a different picture would be kept out: %r' % (closest,)
    # At least 15 % on either side, so noise in a real tenant does not flip a decision.
    assert worst[0] * MARGIN <= resolution.DOWNGRADE_THRESHOLD <= closest[0] / MARGIN, (worst, closest)


def test_another_shape_is_another_picture():
    square = normalise_image(_jpeg(Image.new('RGB', (300, 300), (120, 80, 40)), 90), size=THUMB).data
    wide = _jpeg(Image.new('RGB', (648, 400), (120, 80, 40)), 90)
    assert resolution.distance_at_source_size(square, wide) > resolution.DOWNGRADE_THRESHOLD


@pytest.mark.parametrize(
    'width,height,expected',
    [(96, 96, True), (239, 239, True), (240, 240, False), (648, 648, False), (239, 648, True)],
)
def test_soft_warning_below_240(width, height, expected):
    warning = resolution.soft_warning(width, height)
    assert (warning is not None) == expected
    if warning:
        assert '%dx%d' % (width, height) in warning and 'soft in Teams and Outlook' in warning


@pytest.mark.parametrize(
    'desired,current,expected',
    [((96, 96), (648, 648), True), ((648, 648), (648, 648), False), ((96, 96), (None, None), False), ((240, 240), (96, 96), False)],
)
def test_is_higher_resolution(desired, current, expected):
    assert resolution.is_higher_resolution(desired[0], desired[1], current[0], current[1]) is expected
