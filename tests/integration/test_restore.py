"""Restore (issue 14): the m365.photos.restore playbook puts back what a purge removed, end to end
against the fake tenant (realistic mode: the service re-encodes every photo)."""

import json
import os
import pathlib

import images
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import is_same_photo, photo_distance
from conftest import run_collection_playbook
from sample_photos import write_samples

PUT = 'PUT /v1.0/users/{id}/photo/$value'
STAFF = ['%s@contoso.example' % u for u in ('alice', 'bob', 'carol', 'dave', 'erin', 'frank')]


def ansible_playbook(tenant, repo, playbook, *args):
    return run_collection_playbook(tenant, repo, playbook, *args)


def current_photos(playbook, tenant, dest):
    task = '- m365.photos.user_photo_info:\n    users: %s\n    dest: %s\n  register: info\n' % (json.dumps(STAFF), json.dumps(str(dest)))
    info = playbook(task, tenant, save=['info']).result('info')
    return dict((p['user'], pathlib.Path(p['path']).read_bytes()) for p in info['photos'] if p['has_photo'])


def test_purge_then_restore_puts_the_same_photos_back_and_a_second_restore_changes_nothing(tenant, playbook, tmp_path):
    repo = tmp_path / 'repo'
    (repo / 'home').mkdir(parents=True)
    write_samples(str(repo / 'photos'), STAFF)
    (repo / 'photos.yml').write_text(json.dumps({'photo_sync_src_dir': 'photos', 'photo_sync_backup_dir': 'backups'}))
    assert ansible_playbook(tenant, repo, 'm365.photos.sync').returncode == 0
    before = current_photos(playbook, tenant, tmp_path / 'before')
    assert sorted(before) == STAFF

    # Only alice stays declared; the purge removes the five others, backing each up first.
    for user in STAFF[1:]:
        os.remove(str(repo / 'photos' / (user + '.jpg')))
    (repo / 'photos.yml').write_text(
        json.dumps(
            {
                'photo_sync_src_dir': 'photos',
                'photo_sync_backup_dir': 'backups',
                'photo_sync_purge': True,
                'photo_sync_purge_group': 'Photo Managed Staff',
                'photo_sync_report_dir': 'reports',
            }
        )
    )
    purge = ansible_playbook(tenant, repo, 'm365.photos.sync')
    assert purge.returncode == 0, purge.stdout + purge.stderr
    assert sorted(current_photos(playbook, tenant, tmp_path / 'purged')) == STAFF[:1]
    assert len(os.listdir(str(repo / 'backups'))) == 5

    # Check mode: the plan, nothing written.
    tenant.reset_stats()
    plan = ansible_playbook(tenant, repo, 'm365.photos.restore', '--check', '--diff')
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert '5 to restore' in plan.stdout and tenant.writes() == 0

    restore = ansible_playbook(tenant, repo, 'm365.photos.restore')
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert '5 restored' in restore.stdout
    assert tenant.count(PUT) == 5
    after = current_photos(playbook, tenant, tmp_path / 'after')
    assert sorted(after) == STAFF
    for user in STAFF:
        distance = photo_distance(before[user], after[user])
        assert is_same_photo(distance), (user, distance)
    # The restored users had no photo: nothing to back up before the restore.
    assert not os.path.isdir(str(repo / 'backups' / 'pre-restore')) or not os.listdir(str(repo / 'backups' / 'pre-restore'))

    tenant.reset_stats()
    again = ansible_playbook(tenant, repo, 'm365.photos.restore')
    assert again.returncode == 0, again.stdout + again.stderr
    assert '0 restored, 5 already as backed up' in again.stdout
    assert tenant.writes() == 0


def test_restore_before_a_time_and_for_listed_users_backs_up_what_it_replaces(tenant, playbook, tmp_path):
    repo = tmp_path / 'repo'
    (repo / 'home').mkdir(parents=True)
    backups = repo / 'backups'
    backups.mkdir()
    # Two backups of bob from earlier runs (square, as the service serves photos, under the names
    # save_backup writes), and one of carol.
    for name, seed in (
        ('bob@contoso.example_20260101T080000Z_0000aaaa.jpg', 'bob in january'),
        ('bob@contoso.example_20260301T080000Z_0000bbbb.jpg', 'bob in march'),
        ('carol@contoso.example_20260301T080000Z_0000cccc.jpg', 'carol in march'),
    ):
        (backups / name).write_bytes(images.jpeg(seed, size=(648, 648)))
    # bob has a photo now (the March one): restoring January's replaces it, after backing it up.
    (repo / 'now').mkdir()
    (repo / 'now' / 'bob@contoso.example.jpg').write_bytes((backups / 'bob@contoso.example_20260301T080000Z_0000bbbb.jpg').read_bytes())
    sync = '- m365.photos.user_photos:\n    src_dir: %s\n' % json.dumps(str(repo / 'now'))
    assert playbook(sync, tenant).rc == 0
    (repo / 'photos.yml').write_text(
        json.dumps(
            {
                'photo_sync_backup_dir': 'backups',
                'photo_sync_restore_users': ['bob@contoso.example'],
                'photo_sync_restore_before': '2026-02-01T00:00:00Z',
            }
        )
    )
    tenant.reset_stats()
    restore = ansible_playbook(tenant, repo, 'm365.photos.restore')
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert '1 restored' in restore.stdout and tenant.count(PUT) == 1
    now = current_photos(playbook, tenant, tmp_path / 'now-photos')
    january = (backups / 'bob@contoso.example_20260101T080000Z_0000aaaa.jpg').read_bytes()
    assert is_same_photo(photo_distance(january, now['bob@contoso.example']))
    assert 'carol@contoso.example' not in now
    saved = os.listdir(str(backups / 'pre-restore'))
    assert len(saved) == 1 and saved[0].startswith('bob@contoso.example_')

    # A user without a backup: refused before any change, naming the user.
    (repo / 'photos.yml').write_text(
        json.dumps({'photo_sync_backup_dir': 'backups', 'photo_sync_restore_users': ['frank@contoso.example']})
    )
    tenant.reset_stats()
    refused = ansible_playbook(tenant, repo, 'm365.photos.restore')
    assert refused.returncode != 0 and 'frank@contoso.example' in refused.stdout
    assert tenant.writes() == 0
