# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""The worker-process pool of a bulk run, and the comparers reconcile() is given: one that
compares in this process, one that sends the work to the pool (the CPU work then uses every
core and leaves this process's GIL to the HTTP threads)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import DesiredPhoto, compare_reference_at
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import photo_distance
from ansible_collections.m365.photos.plugins.module_utils._imaging.resolution import (
    distance_at_source_size,
    distance_at_source_size_from_file,
)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of worker processes; fork keeps the module's import path (it runs from a zip)."""
    context = multiprocessing.get_context('fork') if 'fork' in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def distance_to_cached(image_path: str, compare_path: str, current: bytes) -> float:
    """Worker: distance between a cached photo (its comparison image, made now if need be) and
    the current photo's bytes."""
    return photo_distance(compare_reference_at(image_path, compare_path), current)


class InProcessComparer:
    """Compares in the calling process."""

    def distance(self, desired: DesiredPhoto, current: bytes) -> float:
        """Distance between a DesiredPhoto and the stored photo's bytes (ImageError when they do not decode)."""
        return photo_distance(desired.compare_reference(), current)

    def distance_at_source_size(self, desired: DesiredPhoto, current: bytes) -> float:
        """Distance with the current photo first reduced to the (smaller) desired photo's size
        (resolution.distance_at_source_size: the never-downgrade check)."""
        return distance_at_source_size(desired.data, current)


class PoolComparer:
    """Compares in a worker process when the desired photo has a cached comparison image."""

    def __init__(self, pool: Executor) -> None:
        self.pool = pool

    def distance(self, desired: DesiredPhoto, current: bytes) -> float:
        if desired.compare_path is None or desired.path is None:
            return InProcessComparer().distance(desired, current)
        return self.pool.submit(distance_to_cached, desired.path, desired.compare_path, current).result()

    def distance_at_source_size(self, desired: DesiredPhoto, current: bytes) -> float:
        if desired.path is None:
            return InProcessComparer().distance_at_source_size(desired, current)
        return self.pool.submit(distance_at_source_size_from_file, desired.path, current).result()
