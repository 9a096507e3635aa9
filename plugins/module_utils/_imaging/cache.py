# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Normalised photos cached on disk by source hash and options, so unchanged sources are not
processed again, and a bulk run holds no image in memory longer than one user's turn.
Cache misses are processed in worker processes (see pool.py) to use every core."""

from __future__ import annotations

import hashlib
import json
import os
from typing import cast

from ansible_collections.m365.photos.plugins.module_utils._files import unreadable_source, write_atomic
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import COMPARE_SIZE, reduce_for_compare
from ansible_collections.m365.photos.plugins.module_utils._imaging.face import detector_id
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError, NormalisedImage, normalise_image
from ansible_collections.m365.photos.plugins.module_utils._imaging.resolution import soft_warning

try:
    from PIL import Image
except ImportError:
    Image = None  # type: ignore[assignment]

# Bump when the normalisation output changes, so old cache entries are not reused.
PIPELINE_VERSION = '3'
# The comparison image beside each cached photo: COMPARE_SIZE x COMPARE_SIZE RGB pixels.
REFERENCE_BYTES = COMPARE_SIZE * COMPARE_SIZE * 3
DEFAULT_CACHE_DIR = os.path.join('~', '.ansible', 'm365_photos', 'image_cache')


class DesiredPhoto:
    """The photo a user should have: JPEG bytes (in memory, or read lazily from the cache), their
    size and SHA-256, the reference the comparison works on, and what normalising warned about.
    One shape for the single-user path (``from_image``) and the bulk path (``ImageCache.get``)."""

    def __init__(self, sha256, width, height, size, warnings=(), data=None, path=None, compare_path=None):
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.size = size
        self.warnings = list(warnings)
        soft = soft_warning(width, height)
        if soft and soft not in self.warnings:
            self.warnings.append(soft)
        self.path = path
        self.compare_path = compare_path
        self._data = data

    @classmethod
    def from_image(cls, image: NormalisedImage) -> DesiredPhoto:
        """An in-memory DesiredPhoto from a freshly normalised image."""
        return cls(image.sha256, image.width, image.height, len(image.data), image.warnings, data=image.data)

    @property
    def data(self) -> bytes:
        if self._data is not None:
            return self._data
        with open(self.path, 'rb') as handle:
            return handle.read()

    def compare_reference(self):
        """What the comparison starts from: the reduced image kept beside the cached JPEG (see
        compare_reference_at), or the JPEG bytes."""
        if self.path and self.compare_path:
            return compare_reference_at(self.path, self.compare_path)
        return self.data


def compare_reference_at(image_path: str, compare_path: str):
    """The reduced image (compare.reduce_for_compare) the comparison of a cached photo starts from,
    kept beside its JPEG as raw RGB. Normalising makes it; one that is missing or damaged (a cache
    written by an older version) is made again by the first comparison that needs it."""
    try:
        with open(compare_path, 'rb') as handle:
            pixels = handle.read(REFERENCE_BYTES + 1)
        if len(pixels) == REFERENCE_BYTES:
            return Image.frombytes('RGB', (COMPARE_SIZE, COMPARE_SIZE), pixels)
    except OSError:
        pass
    with open(image_path, 'rb') as handle:
        return store_compare_reference(handle.read(), compare_path)


def store_compare_reference(jpeg: bytes, compare_path: str):
    """Reduce a normalised JPEG for comparison and keep the result at ``compare_path``."""
    # From the JPEG bytes, not from the pixels they were encoded from: the current photo is reduced
    # from its JPEG the same way (libjpeg's 1/8 scale), and a reference reduced another way puts an
    # identical photo 0.28 away. Raw RGB, not PNG: lossless like it, and 0.4 ms less per photo.
    reference = reduce_for_compare(jpeg).convert('RGB')
    try:
        write_atomic(compare_path, reference.tobytes())
    except OSError:
        pass  # a cache that cannot be written still compares, at the cost of reducing again
    return reference


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def cache_key(source_sha256: str, settings: dict) -> str:
    """The cache key of a source under the normalisation ``settings`` (the crop mode among them). With
    crop=face it names the face detector too, so installing or upgrading OpenCV renormalises."""
    payload: dict[str, object] = {'source': source_sha256, 'settings': settings, 'pipeline': PIPELINE_VERSION}
    if settings.get('crop') == 'face':
        payload['face_detector'] = detector_id()
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


class ImageCache:
    def __init__(self, directory, settings):
        self.directory = os.path.expanduser(directory or DEFAULT_CACHE_DIR)
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self.settings = settings

    def _paths(self, key):
        base = os.path.join(self.directory, key[:2], key)
        return base + '.jpg', base + '.json', base + '.compare.rgb'

    def get(self, key: str) -> DesiredPhoto | None:
        image_path, meta_path, compare_path = self._paths(key)
        try:
            with open(meta_path, encoding='utf-8') as handle:
                meta = json.load(handle)
        except (OSError, ValueError):
            return None
        if not os.path.exists(image_path):
            return None
        return DesiredPhoto(
            meta['sha256'],
            meta['width'],
            meta['height'],
            meta['bytes'],
            meta.get('warnings', []),
            path=image_path,
            compare_path=compare_path,
        )


def normalise_into_cache(directory: str, settings: dict, key: str, src: str | None, content: bytes | None = None) -> tuple[str, str | None]:
    """Worker: normalise ``src`` (or the image bytes ``content``, when given) and store it under
    ``key``. Returns (key, error message or None)."""
    cache = ImageCache(directory, settings)
    image_path, meta_path, compare_path = cache._paths(key)
    try:
        data = content
        if data is None:
            with open(cast(str, src), 'rb') as handle:  # a source is a file or content
                data = handle.read()
        image = normalise_image(data, **settings)
    except ImageError as exc:
        return key, str(exc)
    except OSError as exc:
        return key, unreadable_source(src or 'content', exc)
    os.makedirs(os.path.dirname(image_path), exist_ok=True)
    write_atomic(image_path, image.data)
    store_compare_reference(image.data, compare_path)
    meta = {
        'sha256': image.sha256,
        'width': image.width,
        'height': image.height,
        'bytes': len(image.data),
        'warnings': list(image.warnings),
    }
    write_atomic(meta_path, json.dumps(meta).encode('utf-8'))
    return key, None
