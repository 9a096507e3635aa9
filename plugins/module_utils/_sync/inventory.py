# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""The declared inventory of a bulk run: explicit ``photos`` entries and files in ``src_dir``,
checked locally (duplicates, missing files) before any call to the service."""

from __future__ import annotations

import os

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

    @property
    def key(self):
        return self.user.lower()

    @property
    def source_name(self):
        """How messages name the source: the file, or ``content``."""
        return 'content' if self.from_content else self.src


def scan_src_dir(src_dir: str) -> tuple[dict[str, list[str]], list[str]]:
    """{file stem: [paths]} of the image files in src_dir (not recursive), and ignored names."""
    found = {}
    ignored = []
    for name in sorted(os.listdir(src_dir)):
        path = os.path.join(src_dir, name)
        stem, ext = os.path.splitext(name)
        if name.startswith('.') or not os.path.isfile(path):
            continue
        if ext.lower() not in IMAGE_EXTENSIONS:
            ignored.append(name)
            continue
        found.setdefault(stem.lower(), []).append(path)
    return found, ignored


def build_inventory(photos: list[dict] | None, src_dir: str | None = None, resolve_stem=None) -> tuple[list[Entry], list[str]]:
    """List of Entry from explicit entries and src_dir files; explicit entries win.

    ``resolve_stem(stem)`` maps a file name stem to a user (UPN), or None when no user matches
    (only for match modes other than upn)."""
    entries = []
    by_key = {}
    for item in photos or []:
        entry = Entry(item['user'], item.get('state') or 'present', item.get('src'), origin='photos')
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
    ignored = []
    if src_dir:
        files, ignored = scan_src_dir(src_dir)
        for stem, paths in files.items():
            user = resolve_stem(stem) if resolve_stem else stem
            if user is None:
                entries.append(
                    Entry(
                        os.path.basename(paths[0]), src=paths[0], origin='src_dir', error='file %s matches no user in the tenant' % paths[0]
                    )
                )
                continue
            if user.lower() in by_key:
                if by_key[user.lower()].origin == 'photos':
                    continue  # explicit entries win over files
                entry = by_key[user.lower()]
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
    declared = set(e.key for e in entries) | set(u.lower() for u in declared_users)
    for member in members:
        if member['userPrincipalName'].lower() in declared or member['id'].lower() in declared:
            continue
        entries.append(Entry(member['userPrincipalName'], 'absent', origin='purge', purged=True))
