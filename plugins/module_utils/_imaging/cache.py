# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Normalised photos cached on disk by source hash and options, so unchanged sources are not
processed again, and a bulk run holds no image in memory longer than one user's turn.
Cache misses are processed in worker processes to use every core."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from ansible_collections.m365.photos.plugins.module_utils._files import write_atomic
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import photo_distance, reduce_for_compare
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError, normalise_image

try:
    from PIL import Image
except ImportError:
    Image = None

# Bump when the normalisation output changes, so old cache entries are not reused.
PIPELINE_VERSION = '2'
DEFAULT_CACHE_DIR = os.path.join('~', '.ansible', 'm365_photos', 'image_cache')


class CachedImage:
    """The parts of a NormalisedImage the reconciliation uses; bytes read lazily from disk."""

    def __init__(self, path, sha256, width, height, size, warnings, compare_path=None):
        self.path = path
        self.compare_path = compare_path
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.size = size
        self.warnings = warnings

    @property
    def data(self):
        with open(self.path, 'rb') as handle:
            return handle.read()

    def compare_reference(self):
        """The reduced image the comparison works on (see compare.reduce_for_compare)."""
        if self.compare_path and os.path.exists(self.compare_path):
            with Image.open(self.compare_path) as image:
                return image.convert('RGB')
        return self.data


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def cache_key(source_sha256, settings):
    text = json.dumps({'source': source_sha256, 'settings': settings, 'pipeline': PIPELINE_VERSION}, sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


class ImageCache:
    def __init__(self, directory, settings):
        self.directory = os.path.expanduser(directory or DEFAULT_CACHE_DIR)
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self.settings = settings

    def _paths(self, key):
        base = os.path.join(self.directory, key[:2], key)
        return base + '.jpg', base + '.json', base + '.compare.png'

    def get(self, key):
        image_path, meta_path, compare_path = self._paths(key)
        try:
            with open(meta_path, encoding='utf-8') as handle:
                meta = json.load(handle)
        except (OSError, ValueError):
            return None
        if not os.path.exists(image_path):
            return None
        return CachedImage(
            image_path, meta['sha256'], meta['width'], meta['height'], meta['bytes'], meta.get('warnings', []), compare_path=compare_path
        )


def normalise_into_cache(directory, settings, key, src):
    """Worker: normalise ``src`` and store it under ``key``. Returns (key, error message or None)."""
    cache = ImageCache(directory, settings)
    image_path, meta_path, compare_path = cache._paths(key)
    try:
        with open(src, 'rb') as handle:
            data = handle.read()
        image = normalise_image(data, **settings)
    except ImageError as exc:
        return key, str(exc)
    except OSError as exc:
        return key, 'cannot read source file %s: %s' % (src, exc.strerror)
    os.makedirs(os.path.dirname(image_path), exist_ok=True)
    write_atomic(image_path, image.data)
    buffer = io.BytesIO()
    reduce_for_compare(image.data).save(buffer, format='PNG')  # lossless: distances stay exact
    write_atomic(compare_path, buffer.getvalue())
    meta = {
        'sha256': image.sha256,
        'width': image.width,
        'height': image.height,
        'bytes': len(image.data),
        'warnings': list(image.warnings),
    }
    write_atomic(meta_path, json.dumps(meta).encode('utf-8'))
    return key, None


def distance_to_cached(compare_path, current):
    """Worker: distance between a cached comparison image and the current photo's bytes."""
    with Image.open(compare_path) as image:
        reference = image.convert('RGB')
    return photo_distance(reference, current)


def process_pool(workers):
    """A pool of worker processes; fork keeps the module's import path (it runs from a zip)."""
    context = multiprocessing.get_context('fork') if 'fork' in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)
