# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""msal token cache persisted between module runs, so a playbook signs in once.

One file per (authority host, tenant, client, credential): tokens of different apps or clouds never mix.
The file is created readable by its owner only and replaced atomically, so concurrent module
runs (forks) never read a half-written cache; the worst case of a race is one extra sign-in."""

from __future__ import annotations

import hashlib
import os

from ansible_collections.m365.photos.plugins.module_utils._files import write_atomic

try:
    import msal
except ImportError:
    msal = None

DEFAULT_CACHE_DIR = os.path.join('~', '.ansible', 'm365_photos', 'token_cache')


class PersistentTokenCache:
    def __init__(self, directory, authority_host, tenant, client, credential='', warn=None):
        self.directory = os.path.expanduser(directory or DEFAULT_CACHE_DIR)
        self.warn = warn
        # The credential is part of the key: a rotated or mistyped secret must sign in (and fail
        # loudly) instead of riding on a token another credential obtained.
        key = '\n'.join([authority_host.lower(), (tenant or '').lower(), (client or '').lower(), credential or ''])
        self.path = os.path.join(self.directory, hashlib.sha256(key.encode('utf-8')).hexdigest()[:32] + '.json')

    def load(self) -> msal.SerializableTokenCache:
        """A SerializableTokenCache filled from the file (empty when missing or unreadable)."""
        cache = msal.SerializableTokenCache()
        self.tighten()
        try:
            with open(self.path, encoding='utf-8') as handle:
                cache.deserialize(handle.read())
        except (OSError, ValueError):
            pass  # No cache yet, or a corrupt one: sign in again and overwrite it.
        return cache

    def tighten(self) -> None:
        """An existing cache file that its group or others may read is set to 0600, with a warning."""
        try:
            mode = os.stat(self.path).st_mode & 0o777
        except OSError:
            return
        if mode & 0o077:
            try:
                os.chmod(self.path, 0o600)
            except OSError as exc:
                if self.warn:
                    self.warn(
                        'The token cache file %s is readable by others (mode %04o) and cannot be tightened: %s'
                        % (self.path, mode, exc.strerror)
                    )
                return
            if self.warn:
                self.warn(
                    'The token cache file %s had mode %04o (group or others could read access tokens); set to 0600.' % (self.path, mode)
                )

    def save(self, cache: msal.SerializableTokenCache) -> None:
        if not cache.has_state_changed:
            return
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        write_atomic(self.path, cache.serialize(), mode=0o600)
        cache.has_state_changed = False

    def drop(self) -> None:
        """Forget the cached tokens (the service rejected one)."""
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
