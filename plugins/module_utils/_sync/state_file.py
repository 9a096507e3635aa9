# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""What the last run confirmed per user: the source fingerprint and the photo ETag the
service reported after the upload or check. While both still match, the user costs one
metadata read and no download. The service stays the truth: another ETag means the photo was
changed elsewhere, and the user is compared and fixed as usual."""

from __future__ import annotations

import json
import os

from ansible_collections.m365.photos.plugins.module_utils._files import write_atomic

VERSION = 1


class StateFile:
    def __init__(self, path):
        self.path = path
        self.users = {}
        if path and os.path.exists(path):
            try:
                with open(path, encoding='utf-8') as handle:
                    data = json.load(handle)
                if data.get('version') == VERSION:
                    self.users = data.get('users', {})
            except (OSError, ValueError):
                self.users = {}  # unreadable state only costs downloads, never correctness

    def known_etag(self, user: str, source_key: str | None) -> str | None:
        record = self.users.get(user.lower())
        if record and record.get('source') == source_key:
            return record.get('etag')
        return None

    def record(self, user: str, source_key: str | None, etag: str | None) -> None:
        if etag and source_key:
            self.users[user.lower()] = {'source': source_key, 'etag': etag}
        else:
            self.users.pop(user.lower(), None)

    def forget(self, user: str) -> None:
        self.users.pop(user.lower(), None)

    def save(self) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        write_atomic(self.path, json.dumps({'version': VERSION, 'users': self.users}, sort_keys=True, separators=(',', ':')))
