# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""summary.md rendering, and a bulk run over the recording stub with a state file."""

from __future__ import annotations

import json
import os

from ansible_collections.m365.photos.plugins.module_utils._sync.bulk import BulkRun, summarise
from ansible_collections.m365.photos.plugins.module_utils._sync.inventory import Entry
from ansible_collections.m365.photos.plugins.module_utils._sync.report import ThumbnailStore, render_summary, terse_diff, write_reports
from ansible_collections.m365.photos.plugins.module_utils._sync.state_file import StateFile

SETTINGS = {'size': 256, 'crop': 'center', 'background': '#ffffff', 'quality': 90, 'max_bytes': 4194304}


def record(user, action, msg=None, backup_file=None):
    return {'user': user, 'action': action, 'changed': action in ('uploaded', 'removed'), 'msg': msg, 'backup_file': backup_file}


RESULTS = [
    record('a@c.example', 'uploaded', 'uploaded: the user had no photo'),
    record('b@c.example', 'removed', 'removed | purged', backup_file='/backups/b.jpg'),
    record('c@c.example', 'unchanged'),
    record('d@c.example', 'failed', 'source file d.jpg not found'),
]


def test_summary_counts_and_rows():
    text = render_summary(summarise(RESULTS), RESULTS, check_mode=False, marker='m365-photos')
    lines = text.splitlines()
    assert lines[0] == '<!-- m365-photos -->' and lines[1] == '## m365.photos: sync result'
    assert '**1 uploaded, 1 removed, 1 unchanged, 1 failed** (4 users)' in lines
    for row in ('| uploaded | 1 |', '| removed | 1 |', '| unchanged | 1 |', '| failed | 1 |', '| **total** | **4** |'):
        assert row in lines
    assert '| b@c.example | removed | removed \\| purged (backup: `/backups/b.jpg`) |' in lines
    assert not any(line.startswith('| c@c.example') for line in lines)  # unchanged users are not listed
    assert 'Backups of the replaced or removed photos (1) are in `/backups`.' in lines


def test_plan_in_check_mode_and_row_limit():
    results = [record('u%d@c.example' % n, 'uploaded') for n in range(5)]
    text = render_summary(summarise(results), results, check_mode=True, max_rows=2, stopped='the preflight\nfailed')
    lines = text.splitlines()
    assert lines[0] == '## m365.photos: plan (check mode, nothing written)'
    assert '> **Stopped**: the preflight failed' in lines and '| to upload | 5 |' in lines
    assert '| u0@c.example | would be uploaded |  |' in lines and '| ... | | 3 more in report.json |' in lines


def test_nothing_to_change_and_calls_table():
    results = [record('a@c.example', 'unchanged')]
    calls = [{'label': 'chunk 1', 'report_dir': '/r/chunks/001', 'summary': {'uploaded': 2, 'failed': 1, 'skipped': 1}}]
    text = render_summary({'unchanged': 1, 'total': 1, 'skipped': 0}, results, False, calls=calls, report_dir='/r')
    assert 'Nothing to change: every declared photo is already in place.' in text and '(1 user)' in text
    assert '| chunk 1 | 2 | 0 | 0 | 2 | `chunks/001/report.html` |' in text.splitlines()


def test_terse_diff():
    diffs = [
        (
            1,
            {
                'before_header': 'b (Microsoft 365)',
                'before': 'sha256: %s\ndimensions: 9x9\nbytes: 5\n' % ('f' * 64),
                'after': 'state: absent\n',
            },
        ),
        (0, {'before_header': 'a (Microsoft 365)', 'before': 'state: absent\n', 'after': 'dimensions: 1x1\n'}),
    ]
    assert terse_diff(diffs)['prepared'] == '-a  no photo\n+a  1x1\n-b  sha256 ffffffffffff  9x9  5 bytes\n+b  no photo\n'
    assert terse_diff([]) is None


def test_bulk_run_uploads_then_costs_one_read_per_user(stub, make_jpeg, tmp_path):
    graph, http, dummy = stub
    http.add_user('a@c.example')
    http.add_user('b@c.example', photo=b'old photo')
    http.add_user('gone@c.example', photo=b'photo')
    src = tmp_path / 'a.jpg'
    src.write_bytes(make_jpeg())
    state_path = str(tmp_path / 'state.json')

    def entries():
        return [
            Entry('a@c.example', src=str(src)),
            Entry('b@c.example', src=str(src)),
            Entry('gone@c.example', 'absent', purged=True),
            Entry('bad@c.example', error='declared more than once'),
            Entry('missing@c.example', src=str(tmp_path / 'none.jpg')),
        ]

    state = StateFile(state_path)
    run = BulkRun(
        graph,
        SETTINGS,
        cache_dir=str(tmp_path / 'cache'),
        state=state,
        backup='removals',
        backup_dir=str(tmp_path / 'bk'),
        workers=2,
        processes=1,
    )
    results = run.run(entries())
    state.save()
    assert [(r['user'], r['action']) for r in results] == [
        ('a@c.example', 'uploaded'),
        ('b@c.example', 'uploaded'),
        ('gone@c.example', 'removed'),
        ('bad@c.example', 'failed'),
        ('missing@c.example', 'failed'),
    ]
    assert results[2]['msg'] == 'removed: not declared, member of the purge group' and results[2]['backup_file']
    assert results[4]['msg'].startswith('source file %s not found' % (tmp_path / 'none.jpg'))
    assert summarise(results) == {'uploaded': 2, 'removed': 1, 'unchanged': 0, 'failed': 2, 'skipped': 0, 'total': 5}
    assert len(run.diffs) == 3

    http.calls.clear()
    second = BulkRun(graph, SETTINGS, cache_dir=str(tmp_path / 'cache'), state=StateFile(state_path), workers=2, processes=1)
    results = second.run(entries()[:2])
    assert [(r['action'], r['msg']) for r in results] == [('unchanged', 'unchanged: the photo ETag matches the state file')] * 2
    assert sorted(http.requests_made()) == [('GET', '/v1.0/users/a@c.example/photo'), ('GET', '/v1.0/users/b@c.example/photo')]


def test_write_reports(tmp_path):
    write_reports(str(tmp_path), summarise(RESULTS), RESULTS, False, ThumbnailStore(str(tmp_path)))
    with open(os.path.join(str(tmp_path), 'report.json')) as handle:
        assert json.load(handle)['summary']['total'] == 4
    with open(os.path.join(str(tmp_path), 'summary.md')) as handle:
        assert handle.read() == render_summary(summarise(RESULTS), RESULTS, False, report_dir=str(tmp_path))
