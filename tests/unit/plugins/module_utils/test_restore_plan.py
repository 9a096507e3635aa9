"""Which backup a restore picks (issue 14): latest per user, latest before a time, listed users,
the names save_backup writes (including _2 for a second backup in the same second)."""

import hashlib
import os

import pytest
from ansible_collections.m365.photos.plugins.module_utils._sync.backup import save_backup
from ansible_collections.m365.photos.plugins.module_utils._sync.restore import latest_backups, parse_before


class Content:
    content_type = 'image/jpeg'

    def __init__(self, data):
        self.data = data
        self.sha256 = hashlib.sha256(data).hexdigest()


JAN = 1767254400  # 2026-01-01T08:00:00Z
MAR = 1772352000  # 2026-03-01T08:00:00Z


def test_latest_before_and_listed_users(tmp_path):
    directory = str(tmp_path)
    jan = save_backup(directory, 'bob@contoso.com', Content(b'bob-jan'), now=JAN)
    mar = save_backup(directory, 'bob@contoso.com', Content(b'bob-mar'), now=MAR)
    carol = save_backup(directory, 'carol@contoso.com', Content(b'carol'), now=JAN)
    os.makedirs(os.path.join(directory, 'pre-restore'))
    save_backup(os.path.join(directory, 'pre-restore'), 'bob@contoso.com', Content(b'newer'), now=MAR + 60)
    (tmp_path / 'notes.txt').write_text('not a backup')

    plan, times, missing = latest_backups(directory)
    assert plan == [{'user': 'bob@contoso.com', 'src': mar}, {'user': 'carol@contoso.com', 'src': carol}]
    assert times == {'bob@contoso.com': '2026-03-01T08:00:00Z', 'carol@contoso.com': '2026-01-01T08:00:00Z'}
    assert missing == []

    plan, times, missing = latest_backups(directory, before='2026-02-01T00:00:00Z')
    assert [p['src'] for p in plan] == [jan, carol]

    plan, times, missing = latest_backups(directory, users=['BOB@contoso.com', 'frank@contoso.com'], before='2026-02-01')
    assert plan == [{'user': 'BOB@contoso.com', 'src': jan}] and missing == ['frank@contoso.com']


def test_a_second_backup_in_the_same_second_wins(tmp_path):
    first = save_backup(str(tmp_path), 'bob@contoso.com', Content(b'one'), now=JAN)
    second = save_backup(str(tmp_path), 'bob@contoso.com', Content(b'one'), now=JAN)
    assert first != second
    assert latest_backups(str(tmp_path))[0] == [{'user': 'bob@contoso.com', 'src': second}]


def test_before_forms():
    assert parse_before('2026-05-01T08:00:00Z').isoformat() == '2026-05-01T08:00:00+00:00'
    assert parse_before('2026-05-01T10:00:00+02:00').isoformat() == '2026-05-01T08:00:00+00:00'
    assert parse_before('2026-05-01').isoformat() == '2026-05-01T00:00:00+00:00'
    assert parse_before('') is None
    with pytest.raises(ValueError, match='ISO 8601'):
        parse_before('last tuesday')
