# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""What the last run confirmed per user: the source fingerprint and the photo ETag the
service reported after the upload or check. While both still match, the user costs one
metadata read and no download. The service stays the truth: another ETag means the photo was
changed elsewhere, and the user is compared and fixed as usual.

A state file that never lies:

* validated on load: a record not of the shape below is dropped (with a warning) and the file
  is rewritten clean by the next save, instead of crashing every later run;
* ``check_writable()`` before the first write to Graph, so an unwritable location fails the
  task with nothing written;
* written atomically (a temporary file renamed over it), under an exclusive lock
  (``<state_file>.lock``), merging with what is on disk: only the users this run touched are
  replaced, so two runs sharing the file lose no records.

File format (version 1)::

    {"version": 1, "users": {"<user key>": RECORD}}

    RECORD = {"source": "<cache key of the source>", "etag": "<@odata.mediaEtag seen>"}
             optionally with "pending": {"source": "<cache key>", "etag_before": "<ETag before the write>" | null,
                                         "time": <seconds since the epoch>}
             (an upload started and not yet confirmed); a record may hold "pending" alone.

User keys are ``identity.identity_key`` of the user as declared (NFC, case-folded)."""

from __future__ import annotations

import json
import os
import threading
import time

try:
    import fcntl
except ImportError:  # not on the platforms Ansible modules run on; saving then merges without a lock
    fcntl = None  # type: ignore[assignment]

from ansible_collections.m365.photos.plugins.module_utils._files import write_atomic
from ansible_collections.m365.photos.plugins.module_utils._sync.identity import identity_key

VERSION = 1
# How long an upload stays "pending" (the service may still show the photo from before it: uploads are
# processed asynchronously, reference notes section 4). After this the user is compared as usual.
PENDING_WINDOW = 6 * 3600.0


class StateFileError(Exception):
    """The state file cannot be written; the message names it."""


def _is_text(value) -> bool:
    return isinstance(value, str) and bool(value) and len(value) <= 1024


def valid_pending(pending: object) -> bool:
    return (
        isinstance(pending, dict)
        and _is_text(pending.get('source'))
        and (pending.get('etag_before') is None or _is_text(pending.get('etag_before')))
        and isinstance(pending.get('time'), (int, float))
        and not isinstance(pending.get('time'), bool)
    )


def clean_record(record: object) -> dict | None:
    """The record with only its known, well-formed fields; None when nothing valid is left."""
    if not isinstance(record, dict):
        return None
    clean = {}
    if _is_text(record.get('source')) and _is_text(record.get('etag')):
        clean['source'] = record['source']
        clean['etag'] = record['etag']
    if 'pending' in record and valid_pending(record['pending']):
        clean['pending'] = dict((k, record['pending'].get(k)) for k in ('source', 'etag_before', 'time'))
    return clean or None


def read_records(path: str) -> tuple[dict, int, str | None]:
    """(valid records by user key, number of records dropped, what was wrong with the file as a whole or None)."""
    try:
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}, 0, None
    except (OSError, ValueError) as exc:
        return {}, 0, 'cannot be read as JSON (%s)' % (exc.strerror if isinstance(exc, OSError) else 'invalid JSON')
    if not isinstance(data, dict) or not isinstance(data.get('users'), dict):
        return {}, 0, 'is not a state file of this collection (no "users" object)'
    if data.get('version') != VERSION:
        return {}, 0, 'has version %r, not %d' % (data.get('version'), VERSION)
    records = {}
    dropped = 0
    for user, record in data['users'].items():
        clean = clean_record(record) if isinstance(user, str) and user else None
        if clean is None or clean != record:
            dropped += 1
        if clean is not None:
            records[identity_key(user)] = clean
    return records, dropped, None


class StateFile:
    def __init__(self, path):
        self.path = path
        self.users = {}
        self.changes = {}  # user key -> record, or None for a forgotten user: what this run merges on save
        self.dropped = 0
        self.problem = None
        self._lock = threading.Lock()
        if path:
            self.users, self.dropped, self.problem = read_records(path)

    def warnings(self) -> list[str]:
        """What was wrong with the file on load (the next save writes it clean)."""
        if self.problem:
            return [
                'state_file %s %s; it is ignored and will be rewritten (this run downloads and compares every photo).'
                % (self.path, self.problem)
            ]
        if self.dropped:
            return [
                'state_file %s: %d record(s) not of the expected shape were dropped; the file is rewritten clean.'
                % (self.path, self.dropped)
            ]
        return []

    def check_writable(self) -> None:
        """StateFileError unless a file can be created (and renamed) in the state file's directory,
        and an existing state file is a regular file. Called before the first write to Graph."""
        directory = os.path.dirname(os.path.abspath(self.path))
        if os.path.isdir(self.path):
            raise StateFileError('state_file %s is a directory' % self.path)
        try:
            os.makedirs(directory, exist_ok=True)
            write_atomic(os.path.join(directory, '.m365-photos-write-test-%d' % os.getpid()), b'')
            os.unlink(os.path.join(directory, '.m365-photos-write-test-%d' % os.getpid()))
        except OSError as exc:
            raise StateFileError(
                'state_file %s cannot be written: %s (directory %s)' % (self.path, exc.strerror or exc, directory)
            ) from None

    def record_for(self, user: str) -> dict | None:
        return self.users.get(identity_key(user))

    def known_etag(self, user: str, source_key: str | None) -> str | None:
        record = self.users.get(identity_key(user))
        if record and record.get('source') == source_key:
            return record.get('etag')
        return None

    def _set(self, key, record):
        with self._lock:
            if record is None:
                self.users.pop(key, None)
            else:
                self.users[key] = record
            self.changes[key] = record

    def record(self, user: str, source_key: str | None, etag: str | None) -> None:
        if etag and source_key:
            self._set(identity_key(user), {'source': source_key, 'etag': etag})
        else:
            self._set(identity_key(user), None)

    def record_pending(self, user: str, source_key: str, etag_before: str | None, now: float | None = None) -> None:
        """An upload of ``source_key`` was sent and the service still shows ``etag_before`` (None: no photo)."""
        pending = {'source': source_key, 'etag_before': etag_before or None, 'time': time.time() if now is None else now}
        self._set(identity_key(user), {'pending': pending})

    def pending_for(self, user: str, source_key: str | None, now: float | None = None, window: float = PENDING_WINDOW) -> dict | None:
        """The pending upload of this same source, while it is younger than ``window`` seconds; else None."""
        record = self.users.get(identity_key(user))
        pending = record.get('pending') if record else None
        if not pending or not source_key or pending.get('source') != source_key:
            return None
        age = (time.time() if now is None else now) - pending['time']
        return pending if 0 <= age <= window else None

    def forget(self, user: str) -> None:
        self._set(identity_key(user), None)

    def save(self) -> None:
        """Merge this run's changes into the file on disk, atomically, under the lock.
        StateFileError (naming the file) when that fails."""
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            with _FileLock(self.path + '.lock'):
                on_disk, dummy, dummy_problem = read_records(self.path)
                with self._lock:
                    for key, record in self.changes.items():
                        if record is None:
                            on_disk.pop(key, None)
                        else:
                            on_disk[key] = record
                write_atomic(
                    self.path,
                    json.dumps({'version': VERSION, 'users': on_disk}, sort_keys=True, separators=(',', ':')),
                    mode=0o600,
                )
                self.users = on_disk
        except OSError as exc:
            raise StateFileError('cannot write state_file %s: %s' % (self.path, exc.strerror or exc)) from None


class _FileLock:
    """An exclusive flock on a side file (the state file itself is replaced by rename, so it cannot carry the lock)."""

    def __init__(self, path):
        self.path = path
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        return False
