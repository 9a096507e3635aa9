"""Tenant photo audit (issue 14): user_photo_info with group / all_users scopes and compare_to, its
reports, and the m365.photos.audit playbook, against the fake tenant (realistic mode)."""

import json
import os

import images
from conftest import run_collection_playbook
from sample_photos import write_samples

META = 'GET /v1.0/users/{id}/photo'
VALUE = 'GET /v1.0/users/{id}/photo/$value'
EXTRA_USERS = [
    {'userPrincipalName': 'gone@contoso.example', 'displayName': 'Gina Gone', 'accountEnabled': False},
    {'userPrincipalName': 'visitor_fabrikam.example#EXT#@contoso.example', 'displayName': 'Vic Visitor', 'userType': 'Guest'},
]


def task(**options):
    lines = ['- name: Audit', '  m365.photos.user_photo_info:']
    for key, value in options.items():
        lines.append('    %s: %s' % (key, json.dumps(value)))
    lines += ['  register: audit']
    return '\n'.join(lines) + '\n'


def sync_task(src_dir):
    return '- name: Sync\n  m365.photos.user_photos:\n    src_dir: %s\n  register: sync\n' % json.dumps(src_dir)


def prepare(tenant_factory, playbook, tmp_path):
    """alice, bob and carol synced from photos/; carol's photo then changed elsewhere; dave given a
    photo nobody declared; erin declared in photos/ afterwards but never synced."""
    tenant = tenant_factory(seed={'users': EXTRA_USERS})
    photos = tmp_path / 'photos'
    write_samples(str(photos), ['%s@contoso.example' % u for u in ('alice', 'bob', 'carol')])
    assert playbook(sync_task(str(photos)), tenant, save=['sync']).result('sync')['summary']['uploaded'] == 3
    tenant.set_photo_out_of_band('carol@contoso.example', images.jpeg('someone else'))
    tenant.set_photo_out_of_band('dave@contoso.example', images.jpeg('dave'))
    write_samples(str(photos), ['erin@contoso.example'])
    tenant.reset_stats()
    return tenant, photos


def test_all_users_audit_classes_every_user_and_reads_content_only_where_needed(tenant_factory, playbook, tmp_path):
    tenant, photos = prepare(tenant_factory, playbook, tmp_path)
    run = playbook(task(all_users=True, compare_to={'src_dir': str(photos)}, report_dir=str(tmp_path / 'audit')), tenant, save=['audit'])
    assert run.rc == 0, run.stdout + run.stderr
    result = run.result('audit')
    assert not result['changed']
    by_user = dict((r['user'], r) for r in result['photos'])
    # Enabled members only: the disabled account and the guest are not in scope.
    assert 'gone@contoso.example' not in by_user and not [u for u in by_user if '#EXT#' in u]
    classes = dict((user, record['class']) for user, record in by_user.items() if not record.get('error'))
    assert classes['alice@contoso.example'] == classes['bob@contoso.example'] == 'matches'
    assert classes['carol@contoso.example'] == 'differs'
    assert classes['dave@contoso.example'] == 'undeclared_photo'
    assert classes['erin@contoso.example'] == 'declared_missing'
    assert classes['frank@contoso.example'] == 'no_photo'
    assert by_user['alice@contoso.example']['has_photo'] and by_user['alice@contoso.example']['width'] == 648
    assert by_user['alice@contoso.example']['etag'] and by_user['frank@contoso.example']['has_photo'] is False
    summary = result['summary']
    assert summary['users'] == len(by_user) == 8
    assert summary['classes']['matches'] == 2 and summary['classes']['declared_missing'] == 1
    # One metadata read per user; the photo itself only for the three declared users who have one.
    assert tenant.count(META) == 8
    assert tenant.count(VALUE) == 3
    audit_md = (tmp_path / 'audit' / 'audit.md').read_text()
    with_photo = summary['with_photo']
    assert 'Coverage: %d of 8 users have a photo' % with_photo in audit_md
    assert '| differs | 1 |' in audit_md and 'carol@contoso.example' in audit_md
    page = (tmp_path / 'audit' / 'report.html').read_text()
    assert 'Coverage: %d of 8 users have a photo' % with_photo in page and '<script' not in page
    # A card per user to look at (not for those who match), filterable by class.
    assert '<div class="card differs"><div class="user">carol@contoso.example</div>' in page
    assert '<div class="card declared_missing"><div class="user">erin@contoso.example</div>' in page
    assert 'alice@contoso.example' not in page and '<label for="undeclared_photo">undeclared_photo (1)</label>' in page
    assert result['report_files']['html'] == str(tmp_path / 'audit' / 'report.html')
    document = json.loads((tmp_path / 'audit' / 'audit.json').read_text())
    assert document['summary'] == summary and len(document['users']) == 8
    assert oct(os.stat(tmp_path / 'audit' / 'audit.json').st_mode & 0o777) == '0o600'


def test_guests_on_request_and_group_scope_with_nested_members(tenant_factory, playbook, tmp_path):
    seed = {
        'users': EXTRA_USERS,
        'groups': [
            {'displayName': 'Audit Inner', 'members': ['erin@contoso.example']},
            {'displayName': 'Audit Outer', 'members': ['alice@contoso.example']},
        ],
    }
    tenant = tenant_factory(seed=seed)
    guests = playbook(task(all_users=True, include_guests=True), tenant, save=['audit']).result('audit')
    assert [u['user'] for u in guests['photos'] if '#EXT#' in u['user']], guests
    assert 'gone@contoso.example' not in [u['user'] for u in guests['photos']]
    group = playbook(task(group='Photo Managed Staff'), tenant, save=['audit']).result('audit')
    assert sorted(u['user'] for u in group['photos']) == sorted(
        '%s@contoso.example' % u for u in ('alice', 'bob', 'carol', 'dave', 'erin', 'frank')
    )
    assert group['summary'] == {'users': 6, 'with_photo': 0, 'without_photo': 6, 'failed': 0, 'coverage': 0.0}


def test_exactly_one_scope(tenant, playbook):
    run = playbook(task(all_users=True, group='Photo Managed Staff') + '  ignore_errors: true\n', tenant, save=['audit'])
    assert 'exactly one scope' in run.result('audit')['msg']


def test_audit_playbook(tenant_factory, playbook, tmp_path):
    tenant, photos = prepare(tenant_factory, playbook, tmp_path)
    repo = tmp_path / 'repo'
    (repo / 'home').mkdir(parents=True)
    os.rename(str(photos), str(repo / 'photos'))
    (repo / 'photos.yml').write_text(json.dumps({'photo_sync_src_dir': 'photos', 'photo_sync_report_dir': 'reports'}))
    done = run_collection_playbook(tenant, repo, 'm365.photos.audit')
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'users have a photo' in done.stdout
    document = json.loads((repo / 'reports' / 'audit.json').read_text())
    assert document['summary']['classes'] == {'matches': 2, 'differs': 1, 'no_photo': 2, 'undeclared_photo': 1, 'declared_missing': 1}
    assert tenant.writes() == 0
