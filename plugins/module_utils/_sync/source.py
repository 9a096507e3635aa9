# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""From a declared source (a file, or base64 ``content``) to the DesiredPhoto to upload, with
errors that name the user and the file, so one bad file is easy to find in a run over thousands."""

from __future__ import annotations

import base64
import binascii

from ansible_collections.m365.photos.plugins.module_utils._files import special_source, unreadable_source
from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import DesiredPhoto
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError, normalise_image, validate_options

NORMALISE_OPTIONS = ('size', 'crop', 'background', 'quality', 'max_bytes')

__all__ = [
    'DesiredPhoto',
    'SourceError',
    'decode_content',
    'normalise_argument_spec',
    'normalise_settings',
    'read_source',
    'source_settings',
]


class SourceError(Exception):
    """A declared source that cannot become a photo; nothing was written for that user."""


def normalise_argument_spec() -> dict:
    """The argument spec of the normalisation options (documented in the m365.photos.normalise fragment)."""
    return dict(
        size=dict(type='int', default=648),
        crop=dict(type='str', default='center', choices=['center', 'top', 'none', 'face']),
        background=dict(type='str', default='#ffffff'),
        quality=dict(type='int', default=90),
        max_bytes=dict(type='int', default=4194304),
    )


def normalise_settings(params: dict) -> dict:
    """The normalisation options as a dict, validated (ValueError with a clear message)."""
    settings = dict((name, params[name]) for name in NORMALISE_OPTIONS)
    validate_options(**settings)
    return settings


def source_settings(params: dict, user: str) -> dict:
    """normalise_settings for one user's task: SourceError naming the user."""
    try:
        return normalise_settings(params)
    except ValueError as exc:
        raise SourceError('%s: %s' % (user, exc)) from None


def decode_content(text: str) -> bytes:
    """The image bytes of a ``content`` option: base64 text, whitespace and line breaks allowed
    (LDIF and wrapped output). ValueError with a message that never quotes the text."""
    if not isinstance(text, str):
        raise ValueError('content must be base64 text, got %s' % type(text).__name__)
    compact = ''.join(text.split())
    if not compact:
        raise ValueError('content is empty; give the image bytes base64-encoded')
    try:
        return base64.b64decode(compact.encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ValueError(
            'content is not valid base64 (%d characters); give the image bytes base64-encoded, for example '
            "ansible.builtin.slurp's content or community.general.ldap_search with base64_attributes" % len(compact)
        ) from None


def read_source(user: str, settings: dict, src: str | None = None, content: bytes | None = None) -> DesiredPhoto:
    """The DesiredPhoto for ``user`` from the file ``src`` or, when given, the image bytes
    ``content`` (``src`` then only names it in messages). SourceError on any problem."""
    if content is None:
        if not src:
            raise SourceError('%s: no src given for state=present' % user)
        special = special_source(src)
        if special:
            raise SourceError('%s: %s' % (user, special))
        try:
            with open(src, 'rb') as handle:
                content = handle.read()
        except OSError as exc:
            raise SourceError('%s: %s' % (user, unreadable_source(src, exc))) from None
    try:
        image = normalise_image(content, **settings)
    except ImageError as exc:
        raise SourceError('%s: %s: %s' % (user, src or 'content', exc)) from None
    return DesiredPhoto.from_image(image)
