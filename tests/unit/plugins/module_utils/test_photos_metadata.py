"""Photo metadata as Graph has returned it over the years."""

import pytest
from ansible_collections.m365.photos.plugins.module_utils._graph.photos import PhotoMetadata


def test_legacy_placeholder_means_no_photo():
    payload = {'@odata.mediaContentType': 'image/gif', '@odata.mediaEtag': '', 'id': '1x1', 'width': 1, 'height': 1}
    assert PhotoMetadata.from_graph(payload) is None


@pytest.mark.parametrize(
    'payload',
    [
        # A real 1x1 photo (a user uploaded a tiny image elsewhere) is still a photo: the placeholder is known by its
        # GIF content type and empty ETag, never by its size alone, or a 1x1 source would upload on every run.
        {'@odata.mediaContentType': 'image/jpeg', '@odata.mediaEtag': '"E1"', 'id': '1X1', 'width': 1, 'height': 1},
        {'id': '1X1', 'width': 1, 'height': 1, '@odata.mediaEtag': '"E2"'},
    ],
)
def test_one_pixel_photo_is_not_the_placeholder(payload):
    meta = PhotoMetadata.from_graph(payload)
    assert meta is not None and meta.width == 1


@pytest.mark.parametrize(
    'payload,etag',
    [
        (
            {'@odata.mediaContentType': 'image/jpeg', '@odata.mediaEtag': '"BA09D118"', 'id': '648x648', 'width': 648, 'height': 648},
            '"BA09D118"',
        ),
        ({'@odata.mediaContentType': 'image/jpeg', 'id': 'default', 'width': 256, 'height': 256}, None),
    ],
)
def test_real_photo_metadata(payload, etag):
    meta = PhotoMetadata.from_graph(payload)
    assert meta is not None and meta.etag == etag and meta.width == payload['width']
    assert meta.as_dict()['content_type'] == 'image/jpeg'
