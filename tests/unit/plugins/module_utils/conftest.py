# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the module_utils unit tier: a Graph client over the recording stub, small photos."""

from __future__ import annotations

import io

import pytest
from ansible_collections.m365.photos.tests.unit.plugins.module_utils import graph_stub
from PIL import Image


@pytest.fixture
def stub():
    """(GraphClient, FakeTenantHttp, RecordingSleep)."""
    return graph_stub.make_client()


def jpeg_bytes(colour=(200, 40, 40), size=(300, 300), pattern=True) -> bytes:
    """A JPEG with some structure (a diagonal band), so comparisons have edges to work on."""
    image = Image.new('RGB', size, colour)
    if pattern:
        pixels = image.load()
        for x in range(size[0]):
            for y in range(max(0, x - 20), min(size[1], x + 20)):
                pixels[x, y] = (255 - colour[0], 255 - colour[1], 255 - colour[2])
    out = io.BytesIO()
    image.save(out, 'JPEG', quality=92)
    return out.getvalue()


@pytest.fixture
def make_jpeg():
    return jpeg_bytes
