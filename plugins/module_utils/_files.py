# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Writing files so that a reader (another module run, a killed run's successor) sees either the
old content or the new one, never half a file."""

from __future__ import annotations

import os
import stat
import tempfile


def write_atomic(path: str, data: bytes | str, mode: int | None = None) -> None:
    """Write ``data`` (bytes or str) to ``path`` through a temporary file in the same directory.

    ``mode`` (e.g. 0o600) is set before the content is written, so secrets are never readable
    by others, not even briefly."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix='.tmp-')
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data.encode('utf-8') if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def unreadable_source(src: str, exc: OSError) -> str:
    """The one message for a source image file that cannot be read (without the user: callers
    that report per user add it)."""
    if isinstance(exc, FileNotFoundError):
        return 'source file %s not found (relative paths are searched in the role and playbook files/ directories)' % src
    if isinstance(exc, IsADirectoryError):
        return 'source %s is a directory, not an image file' % src
    return 'cannot read source file %s: %s' % (src, exc.strerror)


def special_source(src: str) -> str | None:
    """A message when ``src`` exists but is not a regular file (FIFO, socket, device, directory),
    found with stat alone: opening a FIFO blocks, reading a device never ends. None otherwise."""
    try:
        mode = os.stat(src).st_mode
    except OSError:
        return None  # the read reports it (unreadable_source)
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return 'source %s is a directory, not an image file' % src
    if stat.S_ISFIFO(mode):
        kind = 'a FIFO (named pipe)'
    elif stat.S_ISSOCK(mode):
        kind = 'a socket'
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = 'a device'
    else:
        kind = 'not a regular file'
    return 'source %s is %s, not an image file; refused without opening it' % (src, kind)
