# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""The user profile photo calls of Microsoft Graph v1.0 and their quirks: a missing photo is a
404 today but was a 200 with a 1x1 GIF and an empty mediaEtag before; DELETE answers 200 or 204."""

from __future__ import annotations

import hashlib

from ansible_collections.m365.photos.plugins.module_utils._graph.client import user_path
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError


class PhotoMetadata:
    """What GET /users/{id}/photo says about the stored photo."""

    def __init__(self, etag, width, height, content_type):
        self.etag = etag
        self.width = width
        self.height = height
        self.content_type = content_type

    @classmethod
    def from_graph(cls, payload: dict) -> PhotoMetadata | None:
        """None when the payload describes the legacy 'no photo' placeholder (a 1x1 image).
        A missing mediaEtag alone does not mean "no photo": treating it so would re-upload forever."""
        etag = payload.get('@odata.mediaEtag') or None
        if payload.get('id') == '1x1' or (payload.get('width'), payload.get('height')) == (1, 1):
            return None
        return cls(etag, payload.get('width'), payload.get('height'), payload.get('@odata.mediaContentType') or 'image/jpeg')

    def as_dict(self) -> dict:
        return {'etag': self.etag, 'width': self.width, 'height': self.height, 'content_type': self.content_type}


class PhotoContent:
    def __init__(self, data, etag, content_type):
        self.data = data
        self.etag = etag
        self.content_type = content_type

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_metadata(graph, user: str) -> PhotoMetadata | None:
    """PhotoMetadata, or None when the user has no photo. Other failures raise GraphError."""
    try:
        return PhotoMetadata.from_graph(graph.get_json(user_path(user) + '/photo', user=user))
    except GraphError as exc:
        if exc.is_no_photo:
            return None
        raise


def read_content(graph, user: str) -> PhotoContent | None:
    """PhotoContent of the stored photo, or None when there is none."""
    try:
        response = graph.request('GET', user_path(user) + '/photo/$value', user=user)
    except GraphError as exc:
        if exc.is_no_photo:
            return None
        raise
    content_type = response.headers.get('Content-Type', 'image/jpeg').split(';')[0].strip()
    if content_type == 'image/gif' and len(response.content) < 100:
        return None  # legacy 1x1 placeholder
    return PhotoContent(response.content, response.headers.get('ETag'), content_type)


def upload(graph, user: str, data: bytes, content_type: str = 'image/jpeg') -> None:
    graph.request('PUT', user_path(user) + '/photo/$value', data=data, headers={'Content-Type': content_type}, user=user)


def remove(graph, user: str) -> bool:
    """Delete the photo; False when there was none to delete."""
    try:
        graph.request('DELETE', user_path(user) + '/photo/$value', user=user)
    except GraphError as exc:
        if exc.is_no_photo:
            return False
        raise
    return True
