# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The comparers reconcile() is given: in process, or in an executor from the image cache's files."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import DesiredPhoto, ImageCache, cache_key, normalise_into_cache
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import is_same_photo
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import normalise_image
from ansible_collections.m365.photos.plugins.module_utils._imaging.pool import InProcessComparer, PoolComparer

SETTINGS = {'size': 256, 'crop': 'center', 'background': '#ffffff', 'quality': 90, 'max_bytes': 4194304}


def test_pool_comparer_reads_the_cached_reference_and_agrees_with_in_process(tmp_path, make_jpeg):
    source = make_jpeg()
    other = make_jpeg(colour=(20, 90, 200))
    key = cache_key('f' * 64, SETTINGS)
    assert normalise_into_cache(str(tmp_path), SETTINGS, key, None, source) == (key, None)
    cached = ImageCache(str(tmp_path), SETTINGS).get(key)
    assert cached.compare_path and cached.path and cached.data == normalise_image(source, **SETTINGS).data
    in_memory = DesiredPhoto.from_image(normalise_image(source, **SETTINGS))
    with ThreadPoolExecutor(1) as pool:
        comparer = PoolComparer(pool)
        same = comparer.distance(cached, in_memory.data)
        changed = comparer.distance(cached, normalise_image(other, **SETTINGS).data)
        assert is_same_photo(same) and not is_same_photo(changed)
        assert abs(same - InProcessComparer().distance(cached, in_memory.data)) < 1e-9
        # no cached files: compared in process
        assert comparer.distance(in_memory, in_memory.data) == InProcessComparer().distance(in_memory, in_memory.data)
        assert comparer.distance_at_source_size(cached, in_memory.data) == InProcessComparer().distance_at_source_size(
            in_memory, in_memory.data
        )
        assert comparer.distance_at_source_size(in_memory, in_memory.data) == InProcessComparer().distance_at_source_size(
            in_memory, in_memory.data
        )


def test_a_source_that_does_not_normalise_is_reported(tmp_path):
    key, error = normalise_into_cache(str(tmp_path), SETTINGS, 'k', None, b'<html>')
    assert key == 'k' and error and ImageCache(str(tmp_path), SETTINGS).get('k') is None
