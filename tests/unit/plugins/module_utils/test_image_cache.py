"""The bulk module's image cache: normalised once, compared from a reduced copy."""

import io
import os

from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import ImageCache, cache_key, file_sha256, normalise_into_cache
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import photo_distance
from PIL import Image

SETTINGS = {'size': 648, 'crop': 'center', 'background': '#ffffff', 'quality': 90, 'max_bytes': 4194304}


def _jpeg(colour, quality=90):
    image = Image.new('RGB', (900, 700), colour)
    for x in range(0, 900, 40):
        image.paste((255 - colour[0], 80, 30), (x, 100, x + 15, 500))
    buffer = io.BytesIO()
    image.save(buffer, format='JPEG', quality=quality)
    return buffer.getvalue()


def test_cached_reference_gives_the_same_distance_as_the_photo(tmp_path):
    src = tmp_path / 'a.jpg'
    src.write_bytes(_jpeg((30, 120, 200)))
    key = cache_key(file_sha256(str(src)), SETTINGS)
    assert normalise_into_cache(str(tmp_path / 'cache'), SETTINGS, key, str(src)) == (key, None)
    cached = ImageCache(str(tmp_path / 'cache'), SETTINGS).get(key)
    assert cached.width == cached.height == 648 and cached.size == len(cached.data)
    current = Image.open(io.BytesIO(cached.data)).resize((240, 240))
    buffer = io.BytesIO()
    current.save(buffer, format='JPEG', quality=70)
    other = _jpeg((200, 40, 40))
    assert os.path.getsize(cached.compare_path) == 64 * 64 * 3  # made by normalising, raw RGB
    for photo in (buffer.getvalue(), other):
        assert photo_distance(cached.compare_reference(), photo) == photo_distance(cached.data, photo)
    # One missing (a cache from an older version) is made again by the first comparison and kept.
    os.unlink(cached.compare_path)
    assert photo_distance(cached.compare_reference(), other) == photo_distance(cached.data, other)
    assert os.path.getsize(cached.compare_path) == 64 * 64 * 3


def test_comparison_image_that_cannot_be_written_still_compares(tmp_path):
    src = tmp_path / 'a.jpg'
    src.write_bytes(_jpeg((30, 120, 200)))
    key = cache_key(file_sha256(str(src)), SETTINGS)
    normalise_into_cache(str(tmp_path / 'cache'), SETTINGS, key, str(src))
    cached = ImageCache(str(tmp_path / 'cache'), SETTINGS).get(key)
    os.unlink(cached.compare_path)
    os.makedirs(cached.compare_path)  # a directory where the file would go: the write fails
    other = _jpeg((200, 40, 40))
    assert photo_distance(cached.compare_reference(), other) == photo_distance(cached.data, other)


def test_unreadable_source_is_reported_not_raised(tmp_path):
    src = tmp_path / 'bad.jpg'
    src.write_bytes(b'not an image at all')
    key = cache_key(file_sha256(str(src)), SETTINGS)
    returned_key, error = normalise_into_cache(str(tmp_path / 'cache'), SETTINGS, key, str(src))
    assert returned_key == key and 'not an image' in error
    assert ImageCache(str(tmp_path / 'cache'), SETTINGS).get(key) is None
