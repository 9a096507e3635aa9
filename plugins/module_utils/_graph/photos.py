# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""The user profile photo calls of Microsoft Graph v1.0 and their quirks: a missing photo is a
404 today but was a 200 with a 1x1 GIF and an empty mediaEtag before; DELETE answers 200 or 204.

The legacy placeholder is recognised by its GIF content type and empty ETag together, never by
its 1x1 size alone: a real photo that small must not read as "no photo" (it would be uploaded on
every run). A 2xx answer of the wrong kind (HTML, a JSON list, text where an image belongs)
raises UnexpectedAnswer.

Every "no photo" answer (404 ImageNotFound, the placeholder) is confirmed once per run with the
directory before it is trusted: live tenants give it for unknown users too. An unknown user raises
directory.UnknownUser ("user ... does not exist in the tenant") in every module."""

from __future__ import annotations

import hashlib

from ansible_collections.m365.photos.plugins.module_utils._graph.client import GraphClient, unexpected_answer, user_path
from ansible_collections.m365.photos.plugins.module_utils._graph.directory import USER_NOT_FOUND, UnknownUser, require_user
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
        """None when the payload describes the legacy 'no photo' placeholder: a GIF with an empty
        mediaEtag. Neither alone means "no photo" (treating it so would re-upload forever)."""
        etag = payload.get('@odata.mediaEtag') or None
        content_type = payload.get('@odata.mediaContentType') or 'image/jpeg'
        if is_placeholder(content_type, etag):
            return None
        width, height = payload.get('width'), payload.get('height')
        return cls(etag, width if isinstance(width, int) else None, height if isinstance(height, int) else None, content_type)

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


def _empty_etag(etag) -> bool:
    return not etag or etag.strip() in ('""', 'W/""', '"\\"\\""')


def is_placeholder(content_type: str | None, etag: str | None) -> bool:
    """The legacy 'no photo' answer: GIF content type and an empty ETag."""
    return (content_type or '').split(';')[0].strip().lower() == 'image/gif' and _empty_etag(etag)


def _no_photo(graph, user: str) -> None:
    """None, once the directory confirms the user exists (UnknownUser otherwise)."""
    require_user(graph, user)


def _user_missing(exc: GraphError, user: str) -> GraphError:
    """The photo endpoints' own "no such user" (Request_ResourceNotFound) said the same way as a confirmed one."""
    if exc.status == 404 and exc.code in USER_NOT_FOUND:
        return UnknownUser(
            'user %s does not exist in the tenant (check the userPrincipalName or object id, and tenant_id)' % user,
            status=404,
            code=exc.code,
            request_id=exc.request_id,
        )
    return exc


def read_metadata(graph: GraphClient, user: str) -> PhotoMetadata | None:
    """PhotoMetadata, or None when the user has no photo. Other failures raise GraphError."""
    try:
        meta = PhotoMetadata.from_graph(graph.get_json(user_path(user) + '/photo', user=user))
    except GraphError as exc:
        if not exc.is_no_photo:
            raise _user_missing(exc, user) from None
        meta = None
    if meta is None:
        _no_photo(graph, user)
    return meta


def read_content(graph: GraphClient, user: str) -> PhotoContent | None:
    """PhotoContent of the stored photo, or None when there is none."""
    try:
        response = graph.request('GET', user_path(user) + '/photo/$value', user=user)
    except GraphError as exc:
        if not exc.is_no_photo:
            raise _user_missing(exc, user) from None
        _no_photo(graph, user)
        return None
    content_type = (response.headers.get('Content-Type') or '').split(';')[0].strip().lower()
    if not content_type.startswith('image/') or not response.content:
        raise unexpected_answer(response, 'GET', user_path(user) + '/photo/$value', 'image bytes')
    if is_placeholder(content_type, response.headers.get('ETag')):
        _no_photo(graph, user)
        return None  # legacy 'no photo' placeholder
    return PhotoContent(response.content, response.headers.get('ETag'), content_type)


def upload(graph: GraphClient, user: str, data: bytes, content_type: str = 'image/jpeg') -> None:
    try:
        graph.request('PUT', user_path(user) + '/photo/$value', data=data, headers={'Content-Type': content_type}, user=user)
    except GraphError as exc:
        if exc.status == 404:
            require_user(graph, user)  # an unknown user's PUT answers ImageNotFound live: say what it means
        raise _user_missing(exc, user) from None


def remove(graph: GraphClient, user: str) -> bool:
    """Delete the photo; False when there was none to delete."""
    try:
        graph.request('DELETE', user_path(user) + '/photo/$value', user=user)
    except GraphError as exc:
        if exc.is_no_photo:
            _no_photo(graph, user)
            return False
        raise _user_missing(exc, user) from None
    return True
