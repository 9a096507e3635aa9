# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Which backup to put back per user: the files save_backup() wrote to a backup directory
(``<user>_<YYYYmmddTHHMMSSZ>_<sha256 prefix>.<ext>``), the latest per user, or the latest before
a point in time."""

from __future__ import annotations

import datetime
import os
import re

from ansible_collections.m365.photos.plugins.module_utils._sync.backup import DEFAULT_BACKUP_DIR, EXTENSIONS, safe_name

# save_backup() adds _2, _3 ... when one user has several backups in the same second.
BACKUP_NAME = re.compile(r'^(?P<user>.+)_(?P<stamp>\d{8}T\d{6}Z)_(?P<sha>[0-9a-f]{8})(?:_(?P<number>\d+))?(?P<ext>\.[a-z]+)$')
STAMP = '%Y%m%dT%H%M%SZ'
# Where a restore backs up the photos it replaces: inside the backup directory, so that the next
# restore from the backup directory does not pick them, and a restore from here undoes a restore.
PRE_RESTORE_DIR = 'pre-restore'


def parse_before(value: str | None) -> datetime.datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive values are UTC); None for
    none. ValueError with the value and the expected form otherwise."""
    if value is None or value == '':
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if text.endswith(('Z', 'z')):
            text = text[:-1] + '+00:00'
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError('restore_before must be an ISO 8601 date-time such as 2026-05-01T08:00:00Z, got %r' % (value,)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def list_backups(backup_dir: str | None) -> list[dict]:
    """Every backup file directly in backup_dir: user (as in the file name), time (UTC), path."""
    directory = os.path.expanduser(backup_dir or DEFAULT_BACKUP_DIR)
    found = []
    known = set(EXTENSIONS.values())
    for name in sorted(os.listdir(directory)):
        match = BACKUP_NAME.match(name)
        path = os.path.join(directory, name)
        if not match or match.group('ext') not in known or not os.path.isfile(path):
            continue
        moment = datetime.datetime.strptime(match.group('stamp'), STAMP).replace(tzinfo=datetime.timezone.utc)
        number = int(match.group('number') or 1)
        found.append({'user': match.group('user'), 'time': moment, 'number': number, 'path': path, 'mtime': os.stat(path).st_mtime})
    return found


def latest_backups(backup_dir: str | None, users: list[str] | None = None, before: str | None = None) -> tuple[list[dict], dict, list[str]]:
    """([{user, src}], {user: backup time}, [users given without a backup]): the latest backup of
    each user (of ``users`` only, when given) taken before ``before`` (ISO date-time) when given.
    Sorted by user."""
    cutoff = parse_before(before)
    wanted = None
    if users:
        wanted = dict((safe_name(user).lower(), user) for user in users)
    latest: dict[str, tuple] = {}
    for backup in list_backups(backup_dir):
        key = backup['user'].lower()
        if wanted is not None and key not in wanted:
            continue
        if cutoff is not None and backup['time'] >= cutoff:
            continue
        order = (backup['time'], backup['number'], backup['mtime'], backup['path'])
        if key not in latest or order > latest[key][0]:
            latest[key] = (order, backup)
    plan = []
    times = {}
    for key in sorted(latest):
        backup = latest[key][1]
        user = wanted[key] if wanted is not None else backup['user']
        plan.append({'user': user, 'src': backup['path']})
        times[user] = backup['time'].strftime('%Y-%m-%dT%H:%M:%SZ')
    missing = sorted(user for key, user in (wanted or {}).items() if key not in latest)
    return plan, times, missing
