# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""The declared inventory of a bulk run: explicit ``photos`` entries and files in ``src_dir``,
checked locally (duplicates, missing files) before any call to the service.

Users are compared by ``identity.identity_key`` (NFC, case-folded). ``src_dir`` is read without
following a symlink out of it, and without opening anything that is not a regular file: every entry
skipped is returned with its reason (``ignored_files``)."""

from __future__ import annotations

import os
import stat
import unicodedata
from typing import Callable

from ansible_collections.m365.photos.plugins.module_utils._sync.identity import identity_key, is_object_id
from ansible_collections.m365.photos.plugins.module_utils._sync.source import decode_content

IMAGE_EXTENSIONS = frozenset(['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp', '.tif', '.tiff'])


class Entry:
    """One declared user. ``error`` set means the entry is invalid and gets no service call."""

    def __init__(self, user, state='present', src=None, origin='photos', error=None, purged=False, content=None):
        self.user = user
        self.state = state
        self.src = src
        self.content = content  # decoded image bytes of a photos[].content entry (dropped once normalised)
        self.from_content = content is not None
        self.origin = origin
        self.error = error
        self.purged = purged
        self.source_key = None  # cache key of the normalised source
        self.desired = None  # the cached normalised image, once known
        self.resolved = None  # the UPN of an entry declared by object id, once looked up

    @property
    def key(self) -> str:
        return identity_key(self.user)

    @property
    def source_name(self) -> str | None:
        """How messages name the source: the file, or ``content``."""
        return 'content' if self.from_content else self.src


def inventory_argument_spec() -> dict:
    """The inventory options user_photos takes, and user_photo_info's compare_to: declared once so both read it alike."""
    return dict(
        photos=dict(
            type='list',
            elements='dict',
            default=[],
            options=dict(
                user=dict(type='str', required=True),
                src=dict(type='path'),
                # Not secret, but large: no_log keeps it out of the invocation that -vvv, job event stores and syslog record.
                content=dict(type='str', no_log=True),
                state=dict(type='str', default='present', choices=['present', 'absent']),
            ),
        ),
        src_dir=dict(type='path'),
        match=dict(type='str', default='upn', choices=['upn', 'mail_nickname', 'mail']),
    )


def _not_regular(mode) -> str | None:
    """Why a file of this ``st_mode`` is not read as a photo, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return 'directory'
    if stat.S_ISFIFO(mode):
        return 'FIFO (named pipe), not a regular file'
    if stat.S_ISSOCK(mode):
        return 'socket, not a regular file'
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return 'device, not a regular file'
    return 'not a regular file'


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def classify_entry(src_dir: str, name: str) -> str | None:
    """Why the entry ``name`` of ``src_dir`` is skipped, or None when it is a photo to read.
    Nothing is opened: symlinks are resolved by name and the file type is read with stat."""
    path = os.path.join(src_dir, name)
    ext = os.path.splitext(name)[1]
    try:
        info = os.lstat(path)
    except OSError as exc:
        return 'cannot be examined: %s' % (exc.strerror or exc)
    if stat.S_ISLNK(info.st_mode):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == 40:  # ELOOP
                return 'symlink loop'
            return 'broken symlink'
        target = os.path.realpath(path)
        if not _inside(target, os.path.realpath(src_dir)):
            return 'symlink pointing outside src_dir (not followed)'
        info = os.stat(path)
    if name.startswith('.'):
        return 'hidden file'
    problem = _not_regular(info.st_mode)
    if problem:
        return problem
    if ext.lower() not in IMAGE_EXTENSIONS:
        return 'not an image file name (extension %s; expected %s)' % (ext or 'none', ', '.join(sorted(IMAGE_EXTENSIONS)))
    if not os.access(path, os.R_OK):
        return 'unreadable (permission denied)'
    return None


def scan_src_dir(src_dir: str) -> tuple[dict[str, list[str]], list[dict]]:
    """{file stem key: [paths]} of the image files in src_dir (not recursive), and the entries
    skipped, each ``{'file': name, 'reason': why}``."""
    found: dict[str, list[str]] = {}
    ignored = []
    for name in sorted(os.listdir(src_dir)):
        reason = classify_entry(src_dir, name)
        if reason:
            ignored.append({'file': name, 'reason': reason})
            continue
        stem = os.path.splitext(name)[0]
        found.setdefault(identity_key(stem), []).append(os.path.join(src_dir, name))
    return found, ignored


def _stem_user(path: str) -> str:
    """The user a src_dir file names: its stem in NFC (macOS writes names decomposed)."""
    return unicodedata.normalize('NFC', os.path.splitext(os.path.basename(path))[0])


def build_inventory(
    photos: list[dict] | None, src_dir: str | None = None, resolve_stem: Callable[[str], str | None] | None = None
) -> tuple[list[Entry], list[dict]]:
    """List of Entry from explicit entries and src_dir files; explicit entries win.

    ``resolve_stem(stem)`` maps a file name stem to a user (UPN), or None when no user matches
    (only for match modes other than upn)."""
    entries = []
    by_key: dict[str, Entry] = {}
    for item in photos or []:
        # NFC: a UPN taken from a file name written decomposed (macOS, or the photo_sync role's file list) is the
        # composed UPN Entra stores.
        user: str | None = unicodedata.normalize('NFC', item['user'])  # str | None: the src_dir loop below reuses the name
        entry = Entry(user, item.get('state') or 'present', item.get('src'), origin='photos')
        if item.get('content') is not None:
            if entry.src:
                entry.error = 'src and content are mutually exclusive; give one'
            else:
                try:
                    entry.content = decode_content(item['content'])
                    entry.from_content = True
                except ValueError as exc:
                    entry.error = str(exc)
        elif entry.state == 'present' and not entry.src:
            entry.error = 'no src or content given for state=present'
        if entry.key in by_key:
            first = by_key[entry.key]
            message = 'declared more than once in photos; keep one entry per user'
            first.error = entry.error = message
            entry.user = first.user  # report under one spelling
        else:
            by_key[entry.key] = entry
        entries.append(entry)
    ignored: list[dict] = []
    if src_dir:
        files, ignored = scan_src_dir(src_dir)
        for paths in files.values():
            stem = _stem_user(paths[0])
            user = resolve_stem(stem) if resolve_stem else stem
            if user is None:
                entries.append(
                    Entry(
                        os.path.basename(paths[0]), src=paths[0], origin='src_dir', error='file %s matches no user in the tenant' % paths[0]
                    )
                )
                continue
            if identity_key(user) in by_key:
                if by_key[identity_key(user)].origin == 'photos':
                    continue  # explicit entries win over files
                entry = by_key[identity_key(user)]
                entry.error = 'several files for this user in src_dir: %s' % ', '.join(sorted([entry.src] + paths))
                continue
            entry = Entry(user, 'present', paths[0], origin='src_dir')
            if len(paths) > 1:
                entry.error = 'several files for this user in src_dir: %s' % ', '.join(sorted(paths))
            by_key[entry.key] = entry
            entries.append(entry)
    return entries, ignored


def add_purged(entries: list[Entry], members: list[dict], declared_users: list[str]) -> None:
    """Append a removal for every purge-group member (``members`` from directory.purge_members)
    that is neither an entry nor in ``declared_users``."""
    declared = set(e.key for e in entries) | set(identity_key(u) for u in declared_users)
    declared |= set(identity_key(e.resolved) for e in entries if getattr(e, 'resolved', None))
    for member in members:
        if identity_key(member['userPrincipalName']) in declared or identity_key(member['id']) in declared:
            continue
        entries.append(Entry(member['userPrincipalName'], 'absent', origin='purge', purged=True))


def merge_by_object_id(entries: list[Entry], lookup: Callable[[str], str | None]) -> None:
    """Declared users are people, not spellings: entries given by object id are resolved to their
    UPN (``lookup(id)`` -> UPN or None), and an id and a UPN naming the same person are a duplicate:
    both entries fail, so nothing is written for that user. Only object-id entries cost a lookup."""
    by_key: dict[str, list[Entry]] = {}
    for entry in entries:
        if not entry.error:
            by_key.setdefault(entry.key, []).append(entry)
    for entry in entries:
        if entry.error or not is_object_id(entry.user):
            continue
        upn = lookup(entry.user)
        if not upn:
            continue  # unknown id: the user's own calls report it
        entry.resolved = upn
        others = [e for e in by_key.get(identity_key(upn), []) if e is not entry]
        if others:
            message = 'declared twice, as %s and as %s (the same user); keep one entry' % (entry.user, upn)
            entry.error = message
            for other in others:
                other.error = message
