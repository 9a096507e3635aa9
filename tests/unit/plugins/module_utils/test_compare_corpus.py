# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change detection against the generated corpus (tests/unit/corpus).

One test builds a representative part of the corpus (TEST_BASES: the photos that come
closest to the threshold); the API tests use a few pairs. Run
tools/measure_corpus.py for the whole corpus (9,190 pairs) and its margins table.
"""

from __future__ import annotations

import io

import pytest
from ansible_collections.m365.photos.plugins.module_utils._imaging import compare as _compare
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError, load_image_scaled, normalise_image
from ansible_collections.m365.photos.tests.unit.corpus import margins, photo_corpus
from PIL import Image

# Every category must stay at least this factor away from THRESHOLD: a change that still
# decides the corpus correctly but eats the safety margin fails here. Measured on the whole
# corpus: x1.17 on the "same" side and x1.29 on the "changed" side against the full photo, x1.22
# and x1.21 against the 240 rendition (see docs/change-detection.md).
MIN_SAFETY_FACTOR = {'full': 1.15, '240': 1.15}
# The part of the corpus the unit test builds: every photo that sets a check's largest "same"
# value or its closest "changed" one on the whole corpus (either rendition), and the closest
# pairs overall, plus a real portrait and a dark synthetic one.
TEST_BASES = (
    'brick',
    'cell',
    'china',
    'clock_motion',
    'grace_hopper',
    'hubble_deep_field',
    'moon',
    'motorcycle_left',
    'rocket',
    'synth05-dark',
    'synth15-flat',
    'logo2',
)
# The classes every base gets (the first generation's, and the tenant's copy of our upload)...
EXPECTED_CATEGORIES = {
    'same:reencode',
    'same:downscale',
    'same:generations',
    'same:resaved-source',
    'same:png-current',
    'same:png-to-jpeg-elsewhere',
    'same:tenant',
    'changed:other-photo',
    'changed:mirror',
    'changed:brighter10',
    'changed:darker10',
    'changed:greyscale',
    'changed:crop-shift-2pct',
    'changed:patch-high-contrast',
    'changed:patch-subtle',
    'changed:patch-glasses',
    'changed:viewpoint',
}
# ... and the second generation's (issue 11), built on the real photographs.
SECOND_GENERATION_CATEGORIES = {
    'same:progressive',
    'same:half-size-source',
    'same:exif-orientation',
    'same:icc-adobe-rgb',
    'changed:brighter5',
    'changed:darker5',
    'changed:contrast+15',
    'changed:contrast-15',
    'changed:saturation+30',
    'changed:saturation-30',
    'changed:white-balance-warmer8',
    'changed:white-balance-cooler8',
    'changed:crop-shift-1pct',
    'changed:rotate-3deg',
    'changed:patch-dark-0.5pct',
}


def _wrong_decisions(scored, rendition):
    wrong = [s for s in scored if s.pair.rendition == rendition and s.wrong]
    return [
        '%s %s %s (%s): distance %.3f %r' % (s.pair.base, s.pair.category, s.pair.variant, rendition, s.distance, s.components)
        for s in wrong
    ]


def _thin_margins(scored, rendition):
    low = _compare.THRESHOLD / MIN_SAFETY_FACTOR[rendition]
    high = _compare.THRESHOLD * MIN_SAFETY_FACTOR[rendition]
    thin = []
    for category, row in margins.summarise(scored, rendition).items():
        if category.startswith('same:') and row['closest'] > low:
            thin.append('%s (%s): closest same %.3f > %.3f' % (category, rendition, row['closest'], low))
        if category.startswith('changed:') and row['closest'] < high:
            thin.append('%s (%s): closest changed %.3f < %.3f' % (category, rendition, row['closest'], high))
    return thin


def test_corpus_decisions_and_margins():
    """The corpus in one test, so that under pytest-xdist only one worker builds it (~40 s)."""
    bases = photo_corpus.all_bases()
    expected = set(EXPECTED_CATEGORIES)
    if photo_corpus.skimage_data_dir() is not None:
        # Real photographs come from scikit-image's sample data (test-only dependency).
        assert sum(1 for b in bases if b.kind == 'real') >= 15 and len(bases) >= 30
        bases = [b for b in bases if b.name in TEST_BASES]
        assert len(bases) >= 12, [b.name for b in bases]
        expected |= SECOND_GENERATION_CATEGORIES
    else:
        assert sum(1 for b in bases if b.kind == 'synthetic') >= 20
    bases, pairs = photo_corpus.build_corpus(bases)
    categories = {p.category for p in pairs}
    assert categories >= expected, expected - categories
    # The second-generation classes are built on real photographs only (issue 11).
    synthetic = {b.name for b in bases if b.kind == 'synthetic'}
    assert not [p for p in pairs if p.base in synthetic and p.category in SECOND_GENERATION_CATEGORIES]
    assert sum(1 for p in pairs if p.same) >= 500

    scored = margins.score_pairs(pairs)
    tables = '\n\n'.join(margins.format_table(scored, rendition) for rendition in ('full', '240'))
    print('\n' + tables)

    # 1. Zero wrong decisions, against the full photo and against the 240 rendition.
    wrong = _wrong_decisions(scored, 'full') + _wrong_decisions(scored, '240')
    assert not wrong, '%d wrong decisions (threshold %.3f):\n%s\n\n%s' % (len(wrong), _compare.THRESHOLD, '\n'.join(wrong[:30]), tables)

    # 2. No category creeps up to the threshold.
    thin = _thin_margins(scored, 'full') + _thin_margins(scored, '240')
    assert not thin, 'safety margin eaten:\n%s\n\n%s' % ('\n'.join(thin), tables)

    # 3. THRESHOLD sits within 25 % of the geometric middle of the full-photo gap.
    o = margins.overall(scored, 'full')
    middle = (o['max_same'] * o['min_changed']) ** 0.5
    assert 0.8 < _compare.THRESHOLD / middle < 1.25, o


@pytest.fixture(scope='module')
def sample():
    """A few pairs from two synthetic bases: cheap, for the API tests below."""
    bases = photo_corpus.synthetic_bases(count=2)
    pairs = []
    for i, base in enumerate(bases):
        desired = photo_corpus.normalised(base.source)
        pairs.extend(photo_corpus.same_pairs(base, desired))
        pairs.extend(photo_corpus.changed_pairs(base, desired, seed=i))
    return bases, pairs


def test_signature_path_matches_public_api(sample):
    _bases, pairs = sample
    for pair in pairs[::7]:
        direct = _compare.photo_distance(pair.desired, pair.current)
        via = _compare.distance_from_components(_compare.components(_compare.signature(pair.desired), _compare.signature(pair.current)))
        assert direct == pytest.approx(via)
        assert _compare.is_same_photo(direct) == pair.same


def test_accepts_pil_images(sample):
    """A PIL image is compared from all its pixels, JPEG bytes from libjpeg's scaled decode: same decisions."""
    for pair in sample[1][::5]:
        img_a = Image.open(io.BytesIO(pair.desired))
        img_b = Image.open(io.BytesIO(pair.current)).convert('RGB')
        from_images = _compare.photo_distance(img_a, img_b)
        assert _compare.is_same_photo(from_images) == pair.same
        assert _compare.is_same_photo(_compare.photo_distance(pair.desired, pair.current)) == pair.same


def test_reduced_reference_gives_the_same_distance(sample):
    """What the bulk module caches (reduce_for_compare, stored as PNG) compares exactly like the photo."""
    for pair in sample[1][::5]:
        buffer = io.BytesIO()
        _compare.reduce_for_compare(pair.desired).save(buffer, 'PNG')
        reference = Image.open(io.BytesIO(buffer.getvalue())).convert('RGB')
        assert _compare.photo_distance(reference, pair.current) == pytest.approx(_compare.photo_distance(pair.desired, pair.current))


def test_identical_photo_has_zero_distance(sample):
    desired = sample[1][0].desired
    assert _compare.photo_distance(desired, desired) == 0.0


def test_non_square_current_photo_is_changed(sample):
    base = sample[0][0]
    desired = photo_corpus.normalised(base.source)
    wide = base.source.resize((base.source.width, base.source.height // 2))
    distance = _compare.photo_distance(desired, photo_corpus.encode_jpeg(wide, 80))
    assert distance == _compare.ASPECT_MISMATCH_DISTANCE
    assert not _compare.is_same_photo(distance)


def test_undecodable_current_photo_raises():
    desired = normalise_image(photo_corpus.encode_bmp(Image.new('RGB', (100, 100), (10, 20, 30)))).data
    with pytest.raises(ImageError):
        _compare.photo_distance(desired, b'<html>error</html>')
    with pytest.raises(TypeError):
        _compare.photo_distance(desired, 42)


def test_is_same_photo_boundary():
    assert _compare.is_same_photo(0.0)
    assert _compare.is_same_photo(_compare.THRESHOLD)
    assert not _compare.is_same_photo(_compare.THRESHOLD + 1e-9)


def test_compares_colour_managed_pixels(sample):
    """An Adobe RGB photo with its profile is the same photo; the same pixels without the profile are not."""
    pair = next(p for p in sample[1] if p.variant == 'as-uploaded')
    decoded = Image.open(io.BytesIO(pair.desired)).convert('RGB')
    adobe = photo_corpus.to_adobe_rgb(decoded)
    adobe.info = {}  # only the explicit profile below, none carried over from the conversion
    with_profile = photo_corpus.encode_with_icc(adobe, 'PNG')
    assert _compare.is_same_photo(_compare.photo_distance(pair.desired, with_profile))
    without_profile = photo_corpus.encode_png(adobe)
    assert not _compare.is_same_photo(_compare.photo_distance(pair.desired, without_profile))


def test_scaled_decode_keeps_the_geometry():
    """A JPEG whose side is not a multiple of the DCT scale is decoded padded; the box undoes that."""
    bases = photo_corpus.synthetic_bases(count=1)
    source = bases[0].source.resize((517, 517))
    jpeg = photo_corpus.encode_jpeg(source, 92, 0)
    img, box = load_image_scaled(jpeg, _compare.DECODE_MIN_SIZE)
    assert img.width < 517 and box[2] == pytest.approx(517 / round(517 / img.width)) and box[2] < img.width
    lossless = photo_corpus.encode_png(Image.open(io.BytesIO(jpeg)).convert('RGB'))
    assert _compare.components(jpeg, lossless)['motion'] < 0.1
    assert _compare.is_same_photo(_compare.photo_distance(jpeg, lossless))


def test_distance_is_nearly_symmetric(sample):
    for pair in sample[1][::9]:
        there = _compare.photo_distance(pair.desired, pair.current)
        back = _compare.photo_distance(pair.current, pair.desired)
        assert _compare.is_same_photo(there) == _compare.is_same_photo(back) == pair.same
