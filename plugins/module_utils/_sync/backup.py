# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Saving a user's current photo before it is replaced or removed."""

from __future__ import annotations

import os
import re
import tempfile
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ansible_collections.m365.photos.plugins.module_utils._graph.photos import PhotoContent

DEFAULT_BACKUP_DIR = os.path.join('~', '.ansible', 'm365_photos', 'backups')
EXTENSIONS = {'image/jpeg': '.jpg', 'image/pjpeg': '.jpg', 'image/png': '.png', 'image/gif': '.gif', 'image/bmp': '.bmp'}


def safe_name(user: str) -> str:
    """A file name part from a UPN or id: keeps it recognisable, drops path separators."""
    return re.sub(r'[^A-Za-z0-9@._-]', '_', user)


def save_backup(backup_dir: str | None, user: str, content: PhotoContent, now: float | None = None) -> str:
    """Write the photo bytes to backup_dir, named by user, time and content; return the file path.

    Never overwrites: the bytes go to a temporary file that is hard-linked to the first free name
    (``..._2``, ``_3`` ... when two backups of one user fall in the same second), which fails
    instead of replacing when another run took that name in between."""
    directory = os.path.expanduser(backup_dir or DEFAULT_BACKUP_DIR)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))
    base = '%s_%s_%s' % (safe_name(user), stamp, content.sha256[:8])
    extension = EXTENSIONS.get(content.content_type, '.jpg')
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.tmp-')
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(content.data)
        for number in range(1, 1000):
            path = os.path.join(directory, base + ('' if number == 1 else '_%d' % number) + extension)
            try:
                os.link(tmp, path)
            except FileExistsError:
                continue
            return path
        raise OSError(17, 'no free backup file name for %s in %s' % (base, directory))
    finally:
        os.unlink(tmp)
