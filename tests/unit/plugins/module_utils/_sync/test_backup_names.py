# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups are named by user, time and content, and never overwrite one another (issue 8)."""

from __future__ import annotations

import os
import stat

from ansible_collections.m365.photos.plugins.module_utils._graph.photos import PhotoContent
from ansible_collections.m365.photos.plugins.module_utils._sync.backup import save_backup

NOW = 1795000000.0  # one fixed second for every backup below


def test_backups_of_one_photo_in_one_second_get_distinct_names(tmp_path):
    content = PhotoContent(b'\xff\xd8\xff first photo', '"etag"', 'image/jpeg')
    paths = [save_backup(str(tmp_path), 'alice@contoso.com', content, now=NOW) for dummy in range(3)]
    stem = 'alice@contoso.com_20261118T110640Z_%s' % content.sha256[:8]
    assert [os.path.basename(p) for p in paths] == [stem + '.jpg', stem + '_2.jpg', stem + '_3.jpg']
    for path in paths:
        with open(path, 'rb') as handle:
            assert handle.read() == content.data
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(os.listdir(str(tmp_path))) == sorted(os.path.basename(p) for p in paths)  # no temporary file left


def test_an_existing_file_is_never_replaced(tmp_path):
    content = PhotoContent(b'\x89PNG new', None, 'image/png')
    taken = tmp_path / ('bob_20261118T110640Z_%s.png' % content.sha256[:8])
    taken.write_bytes(b'somebody else wrote this')
    path = save_backup(str(tmp_path), 'bob', content, now=NOW)
    assert path.endswith('_2.png') and taken.read_bytes() == b'somebody else wrote this'
