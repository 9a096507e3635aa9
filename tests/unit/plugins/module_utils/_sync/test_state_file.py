# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state file: round trip, validation on load, merge on save, pending uploads."""

from __future__ import annotations

import json
import os
import stat

import pytest
from ansible_collections.m365.photos.plugins.module_utils._sync.state_file import StateFile, StateFileError


def test_round_trip_by_identity_key(tmp_path):
    path = str(tmp_path / 'state.json')
    state = StateFile(path)
    assert state.users == {} and state.warnings() == []
    state.record('Jürgen@C.example', 'key-1', 'W/"1"')
    state.save()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = StateFile(path)
    assert again.known_etag('JÜRGEN@c.example', 'key-1') == 'W/"1"'
    assert again.known_etag('jürgen@c.example', 'other source') is None
    assert again.record_for('nobody@c.example') is None


def test_two_runs_sharing_the_file_lose_nothing(tmp_path):
    path = str(tmp_path / 'state.json')
    first, second = StateFile(path), StateFile(path)
    first.record('a@c.example', 'k', 'e1')
    second.record('b@c.example', 'k', 'e2')
    first.save()
    second.save()
    assert sorted(StateFile(path).users) == ['a@c.example', 'b@c.example']
    forget = StateFile(path)
    forget.forget('a@c.example')
    forget.record('b@c.example', None, None)  # nothing to record: forgotten too
    forget.save()
    assert StateFile(path).users == {}


@pytest.mark.parametrize(
    'content, problem',
    [
        ('{not json', 'cannot be read as JSON (invalid JSON)'),
        ('[]', 'is not a state file of this collection (no "users" object)'),
        ('{"version": 2, "users": {}}', 'has version 2, not 1'),
    ],
)
def test_a_broken_file_is_ignored_with_a_warning(tmp_path, content, problem):
    path = tmp_path / 'state.json'
    path.write_text(content)
    state = StateFile(str(path))
    assert state.users == {}
    assert state.warnings() == [
        'state_file %s %s; it is ignored and will be rewritten (this run downloads and compares every photo).' % (path, problem)
    ]


def test_malformed_records_are_dropped(tmp_path):
    path = tmp_path / 'state.json'
    users = {
        'good@c.example': {'source': 's', 'etag': 'e'},
        'extra@c.example': {'source': 's', 'etag': 'e', 'junk': 1},
        'bad@c.example': {'source': 5},
        'list@c.example': [],
        'pending@c.example': {'pending': {'source': 's', 'etag_before': None, 'time': 5}},
        'badpending@c.example': {'pending': {'source': 's', 'time': True}},
    }
    path.write_text(json.dumps({'version': 1, 'users': users}))
    state = StateFile(str(path))
    assert sorted(state.users) == ['extra@c.example', 'good@c.example', 'pending@c.example']
    assert state.users['extra@c.example'] == {'source': 's', 'etag': 'e'}
    assert state.warnings() == ['state_file %s: 4 record(s) not of the expected shape were dropped; the file is rewritten clean.' % path]


def test_pending_upload_window(tmp_path):
    state = StateFile(str(tmp_path / 'state.json'))
    state.record_pending('a@c.example', 'k', 'W/"before"', now=1000.0)
    assert state.pending_for('a@c.example', 'k', now=1000.0 + 60) == {'source': 'k', 'etag_before': 'W/"before"', 'time': 1000.0}
    assert state.pending_for('a@c.example', 'k', now=1000.0 + 7 * 3600) is None
    assert state.pending_for('a@c.example', 'other', now=1001.0) is None
    assert state.known_etag('a@c.example', 'k') is None


def test_check_writable(tmp_path):
    StateFile(str(tmp_path / 'new' / 'state.json')).check_writable()
    with pytest.raises(StateFileError, match='is a directory'):
        StateFile(str(tmp_path)).check_writable()


@pytest.mark.skipif(os.geteuid() == 0, reason='root writes anywhere')
def test_unwritable_directory(tmp_path):
    locked = tmp_path / 'locked'
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(StateFileError, match=r'^state_file .*state.json cannot be written: Permission denied'):
            StateFile(str(locked / 'state.json')).check_writable()
        state = StateFile(str(locked / 'state.json'))
        state.record('a@c.example', 'k', 'e')
        with pytest.raises(StateFileError, match='^cannot write state_file'):
            state.save()
    finally:
        locked.chmod(0o700)
