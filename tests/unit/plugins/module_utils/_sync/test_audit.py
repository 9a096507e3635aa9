# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tenant photo audit over the recording stub: classes, what is downloaded, the reports."""

from __future__ import annotations

import json
import os

from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import ImageCache
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import normalise_image
from ansible_collections.m365.photos.plugins.module_utils._sync import audit
from ansible_collections.m365.photos.plugins.module_utils._sync.inventory import build_inventory
from ansible_collections.m365.photos.tests.unit.plugins.module_utils.graph_stub import graph_error

SETTINGS = {'size': 256, 'crop': 'center', 'background': '#ffffff', 'quality': 90, 'max_bytes': 4194304}


def test_audit_classes_and_reads(stub, make_jpeg, tmp_path):
    graph, http, dummy = stub
    source = make_jpeg()
    (tmp_path / 'same.jpg').write_bytes(source)
    (tmp_path / 'other.jpg').write_bytes(make_jpeg(colour=(10, 80, 220)))
    http.add_user('same@c.example', photo=normalise_image(source, **SETTINGS).data)
    http.add_user('other@c.example', photo=normalise_image(source, **SETTINGS).data)
    http.add_user('missing@c.example')
    http.add_user('extra@c.example', photo=b'\xff\xd8x')
    http.add_user('bare@c.example')
    http.add_user('broken@c.example', photo=b'x')
    entries, dummy_ignored = build_inventory(
        [
            {'user': 'same@c.example', 'src': str(tmp_path / 'same.jpg')},
            {'user': 'other@c.example', 'src': str(tmp_path / 'other.jpg')},
            {'user': 'missing@c.example', 'src': str(tmp_path / 'same.jpg')},
            {'user': 'broken@c.example', 'src': str(tmp_path / 'nope.jpg')},
            {'user': 'dup@c.example', 'src': 'a'},
            {'user': 'DUP@c.example', 'src': 'b'},
        ]
    )
    declared = audit.Declared(entries, cache=ImageCache(str(tmp_path / 'cache'), SETTINGS))
    assert [e['user'] for e in declared.errors] == ['dup@c.example', 'dup@c.example']
    users = [{'userPrincipalName': u, 'id': http.users[u]['id']} for u in http.users]
    records = audit.run_audit(graph, users, declared, SETTINGS, workers=2)
    by_user = dict((r['user'], r) for r in records)
    assert by_user['same@c.example']['class'] == 'matches' and by_user['same@c.example']['distance'] is not None
    assert by_user['other@c.example']['class'] == 'differs'
    assert by_user['missing@c.example']['class'] == 'declared_missing'
    assert by_user['extra@c.example']['class'] == 'undeclared_photo'
    assert by_user['bare@c.example']['class'] == 'no_photo'
    assert by_user['broken@c.example']['error'].startswith('broken@c.example: source file %s not found' % (tmp_path / 'nope.jpg'))
    # undeclared users are not downloaded
    assert http.requests_made('GET', '/extra@c.example/photo/$value') == []
    summary = audit.summarise_audit(records, compared=True)
    assert summary['users'] == 6 and summary['with_photo'] == 4 and summary['without_photo'] == 2 and summary['failed'] == 1
    assert summary['classes'] == {'matches': 1, 'differs': 1, 'no_photo': 1, 'undeclared_photo': 1, 'declared_missing': 1}

    paths = audit.write_audit_reports(str(tmp_path / 'report'), summary, records, 'all_users', True)
    with open(os.path.join(str(tmp_path / 'report'), 'audit.json')) as handle:
        assert len(json.load(handle)['users']) == 6
    markdown = audit.render_audit_md(summary, records, 'all_users', True)
    assert 'other@c.example' in markdown and paths


def test_audit_saves_photos_and_reports_failures(stub, tmp_path):
    graph, http, dummy = stub
    http.add_user('a@c.example', photo=b'\xff\xd8jpeg')
    http.add_user('b@c.example')
    http.queue(graph_error(403, 'ErrorAccessDenied', 'denied'), 'GET', '/c@c.example/photo')
    records = audit.run_audit(
        graph,
        [{'userPrincipalName': 'a@c.example'}, {'userPrincipalName': 'b@c.example'}, {'user': 'c@c.example'}],
        None,
        None,
        str(tmp_path),
    )
    assert records[0]['path'] == str(tmp_path / 'a@c.example.jpg') and (tmp_path / 'a@c.example.jpg').read_bytes() == b'\xff\xd8jpeg'
    assert records[1]['has_photo'] is False and 'path' not in records[1]
    assert records[2]['has_photo'] is None and 'HTTP 403' in records[2]['error']
    summary = audit.summarise_audit(records, compared=False)
    assert 'classes' not in summary and summary['coverage'] == 33.3
    page = audit.render_audit_html(summary, records, 'group', False)
    assert 'c@c.example' in page and 'b@c.example' in page
