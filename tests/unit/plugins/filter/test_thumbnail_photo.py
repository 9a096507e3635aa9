"""m365.photos.thumbnail_photo: base64 image in, base64 square JPEG for AD's thumbnailPhoto out."""

import base64
import io
import os
import sys

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.m365.photos.plugins.filter.thumbnail_photo import FilterModule, thumbnail_photo
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'tools'))
from sample_photos import portrait


def _b64(image, fmt='JPEG', **save):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return base64.b64encode(buffer.getvalue()).decode('ascii')


def _decode(text):
    data = base64.b64decode(text, validate=True)
    image = Image.open(io.BytesIO(data))
    image.load()
    return data, image


@pytest.fixture(scope='module')
def hr_photo():
    return _b64(portrait('alice', width=800, height=1000), quality=95)


def test_registered_under_its_name():
    assert FilterModule().filters()['thumbnail_photo'] is thumbnail_photo


def test_default_is_a_96_px_jpeg_within_10_kb(hr_photo):
    data, image = _decode(thumbnail_photo(hr_photo))
    assert image.format == 'JPEG' and image.size == (96, 96) and image.mode == 'RGB'
    assert len(data) <= 10240
    assert not image.info.get('exif') and not image.info.get('icc_profile')


@pytest.mark.parametrize('size,max_bytes', [(48, 1024), (128, 20480), (240, 40960), (648, 102400)])
def test_size_and_max_bytes_are_honoured(hr_photo, size, max_bytes):
    data, image = _decode(thumbnail_photo(hr_photo, size=size, max_bytes=max_bytes))
    assert image.size == (size, size)
    assert len(data) <= max_bytes


def test_tight_max_bytes_lowers_quality_instead_of_failing(hr_photo):
    roomy = _decode(thumbnail_photo(hr_photo, size=240, max_bytes=102400))[0]
    tight, image = _decode(thumbnail_photo(hr_photo, size=240, max_bytes=8192))
    assert len(roomy) > 8192 >= len(tight) and image.size == (240, 240)


def test_deterministic_same_input_same_bytes(hr_photo):
    assert thumbnail_photo(hr_photo) == thumbnail_photo(hr_photo)
    # Line breaks in the base64 text (LDIF, wrapped output) change nothing.
    wrapped = '\n'.join(hr_photo[i : i + 76] for i in range(0, len(hr_photo), 76))
    assert thumbnail_photo(wrapped) == thumbnail_photo(hr_photo)


def test_different_photo_gives_different_bytes(hr_photo):
    assert thumbnail_photo(hr_photo) != thumbnail_photo(_b64(portrait('bob', width=800, height=1000), quality=95))


def test_above_ad_limit_refused(hr_photo):
    with pytest.raises(AnsibleFilterError, match='102400'):
        thumbnail_photo(hr_photo, max_bytes=102401)
    with pytest.raises(AnsibleFilterError, match='max_bytes'):
        thumbnail_photo(hr_photo, max_bytes=500)


def test_crop_and_background_as_in_the_modules():
    wide = Image.new('RGBA', (400, 100), (0, 0, 0, 0))
    wide.paste((200, 0, 0, 255), (0, 0, 400, 100))
    padded = _decode(thumbnail_photo(_b64(wide, 'PNG'), crop='none', background='#0000ff'))[1]
    assert padded.size == (96, 96)
    top_r, top_g, top_b = padded.getpixel((48, 2))
    mid_r, _mid_g, mid_b = padded.getpixel((48, 48))
    assert top_b > 200 and top_r < 60  # padding is the background colour
    assert mid_r > 150 and mid_b < 60  # the picture itself in the middle
    tall = Image.new('RGB', (100, 300), (0, 160, 0))
    tall.paste((250, 250, 0), (0, 0, 100, 100))
    top = _decode(thumbnail_photo(_b64(tall, 'PNG'), crop='top'))[1]
    centre = _decode(thumbnail_photo(_b64(tall, 'PNG'), crop='center'))[1]
    assert top.getpixel((48, 48))[0] > 200 and centre.getpixel((48, 48))[0] < 60


def test_small_source_is_not_upscaled():
    data, image = _decode(thumbnail_photo(_b64(portrait('carol', width=64, height=64))))
    assert image.size == (64, 64)


@pytest.mark.parametrize(
    'value,message',
    [
        ('not base64 at all!', 'not valid base64'),
        ('', 'empty'),
        (base64.b64encode(b'%PDF-1.7 a document').decode(), 'PDF'),
        ('caf\u00e9', 'non-ASCII'),
    ],
)
def test_bad_input_is_a_clear_error(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        thumbnail_photo(value)


def test_bad_options_are_clear_errors(hr_photo):
    with pytest.raises(AnsibleFilterError, match='crop must be one of'):
        thumbnail_photo(hr_photo, crop='left')
    with pytest.raises(AnsibleFilterError, match='size must be an integer'):
        thumbnail_photo(hr_photo, size=10)
    with pytest.raises(AnsibleFilterError, match='background'):
        thumbnail_photo(hr_photo, background='not-a-colour')
