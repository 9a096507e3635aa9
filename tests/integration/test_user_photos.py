"""m365.photos.user_photos: whole-inventory runs against the fake tenant (realistic mode)."""

import json
import os
import re

import images
from conftest import bulk_task
from PIL import Image
from sample_photos import write_samples

PUT = 'PUT /v1.0/users/{id}/photo/$value'
DELETE = 'DELETE /v1.0/users/{id}/photo/$value'
STAFF = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']


def test_200_users_via_src_dir_then_nothing_to_do(tenant_factory, playbook, tmp_path):
    tenant = tenant_factory(seed={'generated_users': {'count': 200, 'prefix': 'user', 'domain': 'contoso.example'}})
    users = ['user%05d@contoso.example' % n for n in range(1, 201)]
    write_samples(str(tmp_path / 'photos'), users)
    task = bulk_task(src_dir=str(tmp_path / 'photos'), report_dir=str(tmp_path / 'report'), cache_dir=str(tmp_path / 'cache'))
    first = playbook(task, tenant, save=['sync'])
    summary = first.result('sync')['summary']
    assert summary == {'uploaded': 200, 'removed': 0, 'unchanged': 0, 'failed': 0, 'skipped': 0, 'total': 200}, first.stdout
    assert tenant.count(PUT) == 200
    tenant.reset_stats()
    second = playbook(task, tenant, save=['sync'])
    assert second.result('sync')['summary']['unchanged'] == 200
    assert not second.result('sync')['changed'] and second.recap()['changed'] == 0
    assert tenant.count(PUT) == 0


def test_state_file_skips_downloads_but_catches_drift(tenant, playbook, tmp_path):
    write_samples(str(tmp_path / 'photos'), ['%s@contoso.example' % u for u in STAFF])
    task = bulk_task(src_dir=str(tmp_path / 'photos'), state_file=str(tmp_path / 'state.json'), cache_dir=str(tmp_path / 'c'))
    assert playbook(task, tenant, save=['sync']).result('sync')['summary']['uploaded'] == 6
    tenant.reset_stats()
    run = playbook(task, tenant, save=['sync'])
    assert run.result('sync')['summary']['unchanged'] == 6
    assert tenant.count('GET /v1.0/users/{id}/photo/$value') == 0
    assert tenant.count('GET /v1.0/users/{id}/photo') == 6
    # Someone changes Bob's photo elsewhere: the ETag moves, the module compares and fixes it.
    tenant.set_photo_out_of_band('bob@contoso.example', images.jpeg('intruder'))
    tenant.reset_stats()
    run = playbook(task, tenant, save=['sync'])
    results = dict((r['user'], r) for r in run.result('sync')['results'])
    assert results['bob@contoso.example']['action'] == 'uploaded'
    assert run.result('sync')['summary']['unchanged'] == 5 and tenant.count(PUT) == 1


def test_check_mode_writes_nothing_and_summary_is_a_plan(tenant, playbook, tmp_path):
    write_samples(str(tmp_path / 'photos'), ['%s@contoso.example' % u for u in STAFF[:4]])
    task = bulk_task(
        src_dir=str(tmp_path / 'photos'), report_dir=str(tmp_path / 'report'), photos=[{'user': 'erin@contoso.example', 'state': 'absent'}]
    )
    run = playbook(task, tenant, save=['sync'], check=True, diff=True)
    result = run.result('sync')
    assert result['changed'] and result['summary']['uploaded'] == 4 and result['summary']['unchanged'] == 1
    assert tenant.writes() == 0
    summary = (tmp_path / 'report' / 'summary.md').read_text()
    assert 'plan' in summary and '| to upload | 4 |' in summary and '| to remove | 0 |' in summary
    assert '| unchanged | 1 |' in summary and 'alice@contoso.example' in summary
    assert json.loads((tmp_path / 'report' / 'report.json').read_text())['summary']['total'] == 5
    # The terse diff: one line before and one after per changed user, nothing for the unchanged one.
    assert re.search(r'^-alice@contoso\.example  no photo$', run.stdout, re.M), run.stdout
    assert re.search(r'^\+alice@contoso\.example  sha256 [0-9a-f]{12}  648x648  \d+ bytes$', run.stdout, re.M), run.stdout
    assert re.search(r'^[-+]erin@contoso\.example', run.stdout, re.M) is None


def test_purge_removes_exactly_undeclared_members_with_backup(tenant, playbook, tmp_path):
    everyone = ['%s@contoso.example' % u for u in STAFF]
    write_samples(str(tmp_path / 'all'), everyone)
    assert playbook(bulk_task(src_dir=str(tmp_path / 'all')), tenant, save=['sync']).result('sync')['summary']['uploaded'] == 6
    before = dict((u, tenant.photo_info(u)) for u in everyone)
    write_samples(str(tmp_path / 'kept'), everyone[:4])
    tenant.reset_stats()
    task = bulk_task(
        src_dir=str(tmp_path / 'kept'),
        purge=True,
        purge_group='Photo Managed Staff',
        backup_dir=str(tmp_path / 'backups'),
        report_dir=str(tmp_path / 'report'),
    )
    run = playbook(task, tenant, save=['sync'])
    result = run.result('sync')
    assert result['summary']['removed'] == 2 and result['summary']['unchanged'] == 4, result
    assert tenant.count(DELETE) == 2 and tenant.count(PUT) == 0
    removed = dict((r['user'], r) for r in result['results'] if r['action'] == 'removed')
    assert sorted(removed) == everyone[4:]
    for user, record in removed.items():
        assert 'purge' in record['msg']
        import hashlib

        with open(record['backup_file'], 'rb') as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == before[user]['sha256']
    sheet = Image.open(tmp_path / 'report' / 'contact-sheet.png')
    sheet.verify()


def test_purge_without_scope_is_refused(tenant, playbook, tmp_path):
    run = playbook(bulk_task(photos=[], purge=True), tenant, save=['sync'])
    result = run.result('sync')
    assert result['failed'] and 'purge_group' in result['msg']
    assert tenant.writes() == 0


def test_mixed_failures_do_not_stop_good_users(tenant, playbook, tmp_path):
    write_samples(str(tmp_path / 'p'), ['alice@contoso.example', 'bob@contoso.example', 'onprem@contoso.example'])
    photos = [
        {'user': 'alice@contoso.example', 'src': str(tmp_path / 'p' / 'alice@contoso.example.jpg')},
        {'user': 'bob@contoso.example', 'src': str(tmp_path / 'p' / 'bob@contoso.example.jpg')},
        {'user': 'carol@contoso.example', 'src': str(tmp_path / 'p' / 'missing.jpg')},
        {'user': 'ghost@contoso.example', 'src': str(tmp_path / 'p' / 'alice@contoso.example.jpg')},
        {'user': 'onprem@contoso.example', 'src': str(tmp_path / 'p' / 'onprem@contoso.example.jpg')},
    ]
    run = playbook(bulk_task(photos=photos), tenant, save=['sync'])
    result = run.result('sync')
    assert result['failed']
    assert result['summary']['uploaded'] == 2 and result['summary']['failed'] == 3
    assert tenant.count(PUT) == 2
    for user, words in (
        ('carol@contoso.example', 'not found'),
        ('ghost@contoso.example', 'does not exist'),
        ('onprem@contoso.example', 'on-premises'),
    ):
        assert user in result['msg']
        record = [r for r in result['results'] if r['user'] == user][0]
        assert record['action'] == 'failed' and words in record['msg'], record


def test_duplicates_and_unmatched_files_are_reported(tenant, playbook, tmp_path):
    write_samples(str(tmp_path / 'p'), ['alice', 'zed'], name_by=lambda u: u)
    write_samples(str(tmp_path / 'p'), ['alice'], fmt='PNG')
    photos = [
        {'user': 'bob@contoso.example', 'src': str(tmp_path / 'p' / 'zed.jpg')},
        {'user': 'BOB@contoso.example', 'src': str(tmp_path / 'p' / 'zed.jpg')},
    ]
    run = playbook(bulk_task(src_dir=str(tmp_path / 'p'), match='mail_nickname', photos=photos), tenant, save=['sync'])
    result = run.result('sync')
    messages = ' '.join(r['msg'] for r in result['results'])
    assert 'more than once' in messages and 'several files' in messages and 'matches no user' in messages
    assert tenant.writes() == 0


def test_contact_sheet_is_a_grid_of_changed_users(tenant, playbook, tmp_path):
    write_samples(str(tmp_path / 'p'), ['%s@contoso.example' % u for u in STAFF[:3]])
    run = playbook(bulk_task(src_dir=str(tmp_path / 'p'), report_dir=str(tmp_path / 'r')), tenant, save=['sync'])
    assert run.result('sync')['summary']['uploaded'] == 3
    sheet = Image.open(os.path.join(str(tmp_path / 'r'), 'contact-sheet.png'))
    assert sheet.format == 'PNG'
    from ansible_collections.m365.photos.plugins.module_utils._sync.report import CELL_HEIGHT, CELL_WIDTH, SHEET_HEADER, SHEET_PAD

    # One row of three before/after pairs.
    assert sheet.size == (3 * CELL_WIDTH + SHEET_PAD, SHEET_HEADER + CELL_HEIGHT + SHEET_PAD)
