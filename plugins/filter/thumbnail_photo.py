# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""m365.photos.thumbnail_photo: image bytes (base64) to the square JPEG Active Directory keeps in
``thumbnailPhoto`` (base64). Documentation: thumbnail_photo.yml next to this file."""

from __future__ import annotations

import base64
import binascii

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import (
    HAS_PIL,
    ImageError,
    normalise_image,
)

# AD's rangeUpper for thumbnailPhoto (MS-ADA3 2.307): a larger value is refused by the domain controller.
AD_THUMBNAIL_MAX_BYTES = 102400
DEFAULT_SIZE = 96
DEFAULT_MAX_BYTES = 10240
_WHITESPACE = b' \t\r\n'


def _decode(data):
    """Base64 text (whitespace and line breaks allowed, as in LDIF or PEM-style wrapping) to bytes."""
    if isinstance(data, (bytes, bytearray)):
        raw = bytes(data)
    elif isinstance(data, str):
        try:
            raw = data.encode('ascii')
        except UnicodeEncodeError:
            raise AnsibleFilterError('thumbnail_photo: input is not base64 text (it has non-ASCII characters)') from None
    else:
        raise AnsibleFilterError('thumbnail_photo: input must be base64 text of an image, got %s' % type(data).__name__)
    raw = raw.translate(None, _WHITESPACE)
    if not raw:
        raise AnsibleFilterError('thumbnail_photo: input is empty; expected base64 image bytes')
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise AnsibleFilterError(
            'thumbnail_photo: input is not valid base64 (%d characters); pass image bytes through ansible.builtin.b64encode '
            "or a module's base64 output (for example community.general.ldap_search's base64_attributes)" % len(raw)
        ) from None


def _check_int(name, value, low, high, why=''):
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise AnsibleFilterError('thumbnail_photo: %s must be an integer from %d to %d%s, got %r' % (name, low, high, why, value))


def thumbnail_photo(data, size=DEFAULT_SIZE, max_bytes=DEFAULT_MAX_BYTES, crop='center', background='#ffffff', quality=90):
    """Base64 image bytes to a base64 square JPEG of ``size`` pixels and at most ``max_bytes`` bytes."""
    _check_int('max_bytes', max_bytes, 1024, AD_THUMBNAIL_MAX_BYTES, " (Active Directory's thumbnailPhoto holds at most 102400 bytes)")
    if not HAS_PIL:
        raise AnsibleFilterError('thumbnail_photo: the Python library Pillow is required on the controller (pip install Pillow)')
    image = _decode(data)
    try:
        result = normalise_image(image, size=size, crop=crop, background=background, quality=quality, max_bytes=max_bytes)
    except ValueError as exc:
        raise AnsibleFilterError('thumbnail_photo: %s' % exc) from None
    except ImageError as exc:
        raise AnsibleFilterError('thumbnail_photo: %s' % exc) from None
    if crop == 'face':
        for warning in result.warnings:
            if 'crop=face' in warning:
                Display().warning('thumbnail_photo: %s' % warning)
    return base64.b64encode(result.data).decode('ascii')


class FilterModule:
    def filters(self):
        return {'thumbnail_photo': thumbnail_photo}
