# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory building and matching, and reading a declared source."""

from __future__ import annotations

import base64
import os

import pytest
from ansible_collections.m365.photos.plugins.module_utils._sync import source
from ansible_collections.m365.photos.plugins.module_utils._sync.identity import identity_key, is_object_id
from ansible_collections.m365.photos.plugins.module_utils._sync.inventory import add_purged, build_inventory, merge_by_object_id

SETTINGS = {'size': 96, 'crop': 'center', 'background': '#ffffff', 'quality': 90, 'max_bytes': 4194304}
OBJECT_ID = '0f8fad5b-d9cb-469f-a165-70867728950e'


def touch(directory, name, data=b'x'):
    path = os.path.join(str(directory), name)
    with open(path, 'wb') as handle:
        handle.write(data)
    return path


def test_identity_key_folds_case_and_normalisation():
    assert identity_key('JU\u0308RGEN@C.example') == identity_key('jürgen@c.example')
    assert identity_key('STRASSE') == identity_key('straße')
    assert is_object_id(OBJECT_ID) and not is_object_id('a@c.example') and not is_object_id(None)


def test_src_dir_files_become_entries_and_others_are_listed(tmp_path):
    alice = touch(tmp_path, 'alice@c.example.jpg')
    touch(tmp_path, 'notes.txt')
    touch(tmp_path, '.hidden.jpg')
    os.mkdir(str(tmp_path / 'sub.jpg'))
    os.symlink('/etc/hostname', str(tmp_path / 'out.jpg'))
    os.symlink(str(tmp_path / 'missing.jpg'), str(tmp_path / 'broken.jpg'))
    entries, ignored = build_inventory(None, str(tmp_path))
    assert [(e.user, e.src, e.origin, e.error) for e in entries] == [('alice@c.example', alice, 'src_dir', None)]
    assert dict((i['file'], i['reason']) for i in ignored) == {
        '.hidden.jpg': 'hidden file',
        'broken.jpg': 'broken symlink',
        'notes.txt': 'not an image file name (extension .txt; expected .bmp, .gif, .jpeg, .jpg, .png, .tif, .tiff, .webp)',
        'out.jpg': 'symlink pointing outside src_dir (not followed)',
        'sub.jpg': 'directory',
    }


def test_explicit_entries_win_and_duplicates_fail(tmp_path):
    touch(tmp_path, 'alice@c.example.jpg')
    touch(tmp_path, 'bob@c.example.jpg')
    touch(tmp_path, 'bob@c.example.png')
    photos = [
        {'user': 'Alice@c.example', 'src': '/elsewhere/alice.png'},
        {'user': 'carol@c.example', 'state': 'absent'},
        {'user': 'dave@c.example'},
        {'user': 'erin@c.example', 'src': 'e.jpg', 'content': 'AAAA'},
    ]
    entries, dummy = build_inventory(photos, str(tmp_path))
    by_user = dict((e.user, e) for e in entries)
    assert by_user['Alice@c.example'].src == '/elsewhere/alice.png' and len(entries) == 5
    assert by_user['carol@c.example'].error is None and by_user['carol@c.example'].state == 'absent'
    assert by_user['dave@c.example'].error == 'no src or content given for state=present'
    assert by_user['erin@c.example'].error == 'src and content are mutually exclusive; give one'
    assert by_user['bob@c.example'].error.startswith('several files for this user in src_dir: ')


def test_a_user_declared_twice_fails_under_one_spelling():
    entries, dummy = build_inventory([{'user': 'a@c.example', 'src': '1.jpg'}, {'user': 'A@C.EXAMPLE', 'src': '2.jpg'}])
    assert [(e.user, e.error) for e in entries] == [('a@c.example', 'declared more than once in photos; keep one entry per user')] * 2


def test_content_entries_are_decoded():
    entries, dummy = build_inventory([{'user': 'a@c.example', 'content': 'aGVs\nbG8='}, {'user': 'b@c.example', 'content': '!!'}])
    assert entries[0].content == b'hello' and entries[0].source_name == 'content'
    assert entries[1].error.startswith('content is not valid base64 (2 characters)')


def test_resolve_stem_matches_files_to_users(tmp_path):
    touch(tmp_path, 'alice.jpg')
    touch(tmp_path, 'ghost.jpg')
    entries, dummy = build_inventory(None, str(tmp_path), resolve_stem={'alice': 'alice@c.example'}.get)
    assert [(e.user, e.error) for e in entries] == [
        ('alice@c.example', None),
        ('ghost.jpg', 'file %s matches no user in the tenant' % os.path.join(str(tmp_path), 'ghost.jpg')),
    ]


def test_purge_adds_removals_for_undeclared_members_only():
    entries, dummy = build_inventory([{'user': 'a@c.example', 'src': 'a.jpg'}, {'user': OBJECT_ID, 'src': 'x.jpg'}])
    entries[1].resolved = 'x@c.example'
    members = [
        {'id': 'i1', 'userPrincipalName': 'A@c.example'},
        {'id': 'i2', 'userPrincipalName': 'b@c.example'},
        {'id': 'i3', 'userPrincipalName': 'kept@c.example'},
        {'id': 'i4', 'userPrincipalName': 'x@c.example'},
    ]
    add_purged(entries, members, ['kept@c.example'])
    assert [(e.user, e.state, e.purged) for e in entries[2:]] == [('b@c.example', 'absent', True)]


def test_an_object_id_and_the_upn_of_one_user_are_a_duplicate():
    entries, dummy = build_inventory([{'user': OBJECT_ID, 'src': '1.jpg'}, {'user': 'a@c.example', 'src': '2.jpg'}])
    merge_by_object_id(entries, {OBJECT_ID: 'A@c.example'}.get)
    message = 'declared twice, as %s and as A@c.example (the same user); keep one entry' % OBJECT_ID
    assert [e.error for e in entries] == [message, message]
    single, dummy = build_inventory([{'user': OBJECT_ID, 'src': '1.jpg'}])
    merge_by_object_id(single, lambda object_id: None)
    assert single[0].error is None and single[0].resolved is None


def test_decode_content_messages_never_quote_the_text():
    assert source.decode_content(base64.b64encode(b'\xff\xd8').decode()) == b'\xff\xd8'
    for text, message in [
        ('   ', 'content is empty; give the image bytes base64-encoded'),
        (42, 'content must be base64 text, got int'),
        ('secret!', 'content is not valid base64 (7 characters)'),
    ]:
        with pytest.raises(ValueError) as raised:
            source.decode_content(text)
        assert str(raised.value).startswith(message) and ('secret' not in str(raised.value))


def test_read_source_names_the_user_and_the_file(tmp_path, make_jpeg):
    good = touch(tmp_path, 'a.jpg', make_jpeg())
    desired = source.read_source('a@c.example', SETTINGS, good)
    assert (desired.width, desired.height, desired.size) == (96, 96, len(desired.data))
    assert source.read_source('a@c.example', SETTINGS, 'label', content=make_jpeg()).sha256 == desired.sha256
    bad = touch(tmp_path, 'b.jpg', b'<html>')
    cases = [
        (None, 'a@c.example: no src given for state=present'),
        (str(tmp_path / 'missing.jpg'), 'a@c.example: source file %s not found' % (tmp_path / 'missing.jpg')),
        (str(tmp_path), 'a@c.example: source %s is a directory, not an image file' % tmp_path),
        (bad, 'a@c.example: %s: ' % bad),
    ]
    for src, message in cases:
        with pytest.raises(source.SourceError) as raised:
            source.read_source('a@c.example', SETTINGS, src)
        assert str(raised.value).startswith(message)
    fifo = str(tmp_path / 'pipe.jpg')
    os.mkfifo(fifo)
    with pytest.raises(source.SourceError, match='is a FIFO'):
        source.read_source('a@c.example', SETTINGS, fifo)


def test_source_settings_validate_naming_the_user():
    params = dict(SETTINGS, extra=1)
    assert source.normalise_settings(params) == SETTINGS
    assert set(source.normalise_argument_spec()) == set(source.NORMALISE_OPTIONS)
    with pytest.raises(source.SourceError, match='^a@c.example: '):
        source.source_settings(dict(SETTINGS, quality=500), 'a@c.example')
