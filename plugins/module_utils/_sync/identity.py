# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""One spelling per person: the key that file names, UPNs and object ids are compared by.

Unicode NFC first (macOS writes file names decomposed, NFD: ``ju\u0308rgen``), then case folding
(``ß`` and ``SS``, ``İ``), so one user never appears as two entries, or as declared and purged at once."""

from __future__ import annotations

import re
import unicodedata

GUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def identity_key(name: str) -> str:
    """The comparison key of a UPN, object id or file name stem: NFC, then casefold (then NFC again,
    since folding can decompose)."""
    return unicodedata.normalize('NFC', unicodedata.normalize('NFC', name).casefold())


def is_object_id(name: str) -> bool:
    return bool(GUID.match(name or ''))
