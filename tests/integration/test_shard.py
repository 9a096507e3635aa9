"""photo_sync_shard (issue 10): shards k/n of one inventory split the users by a stable hash, keep a
state file and reports each, and the combined report merges them."""

import hashlib
import json

from conftest import run_collection_playbook
from sample_photos import write_samples

USERS = ['user%05d@contoso.example' % n for n in range(1, 25)]
PUT = 'PUT /v1.0/users/{id}/photo/$value'


def shard_of(user, count):
    """1-based shard of a user: the documented rule (SHA-1 of the lower-cased name, first 8 hex digits, modulo n)."""
    return int(hashlib.sha1(user.lower().encode('utf-8')).hexdigest()[:8], 16) % count + 1


def sync(tenant, repo, *args):
    return run_collection_playbook(tenant, repo, 'm365.photos.sync', *args)


def test_two_shards_split_the_users_and_merge_their_reports(tenant_factory, tmp_path):
    tenant = tenant_factory(seed={'generated_users': {'count': len(USERS), 'prefix': 'user', 'domain': 'contoso.example'}})
    repo = tmp_path / 'repo'
    (repo / 'home').mkdir(parents=True)
    write_samples(str(repo / 'photos'), USERS)
    (repo / 'photos.yml').write_text(
        json.dumps(
            {
                'photo_sync_src_dir': 'photos',
                'photo_sync_report_dir': 'reports',
                'photo_sync_state_file': 'state.json',
                'photo_sync_chunk_size': 5,
            }
        )
    )
    expected = {k: sorted(u for u in USERS if shard_of(u, 2) == k) for k in (1, 2)}
    assert expected[1] and expected[2]

    first = sync(tenant, repo, '-e', 'photo_sync_shard=1/2')
    assert first.returncode == 0, first.stdout + first.stderr
    shard1 = json.loads((repo / 'reports' / 'shard-1-of-2' / 'report.json').read_text())
    assert sorted(r['user'] for r in shard1['results']) == expected[1]
    assert tenant.count(PUT) == len(expected[1])
    for user in expected[2]:
        assert not tenant.photo_info(user)['has_photo']
    # The combined report so far holds shard 1 only, and says so.
    combined = json.loads((repo / 'reports' / 'report.json').read_text())
    assert combined['shards'] == ['shard-1-of-2'] and combined['summary']['total'] == len(expected[1])
    assert (repo / 'state.shard-1-of-2.json').exists() and not (repo / 'state.json').exists()

    second = sync(tenant, repo, '-e', 'photo_sync_shard=2/2')
    assert second.returncode == 0, second.stdout + second.stderr
    assert tenant.count(PUT) == len(USERS)
    assert all(tenant.photo_info(user)['has_photo'] for user in USERS)
    assert (repo / 'state.shard-2-of-2.json').exists()
    combined = json.loads((repo / 'reports' / 'report.json').read_text())
    assert combined['shards'] == ['shard-1-of-2', 'shard-2-of-2']
    assert combined['summary']['uploaded'] == len(USERS) and combined['summary']['total'] == len(USERS)
    assert sorted(r['user'] for r in combined['results']) == sorted(USERS)
    summary = (repo / 'reports' / 'summary.md').read_text()
    assert 'shard-2-of-2' in summary

    # Shard 2 again: its own state file makes it a no-change run; shard 1's users are not touched.
    tenant.reset_stats()
    again = sync(tenant, repo, '-e', 'photo_sync_shard=2/2')
    assert again.returncode == 0, again.stdout + again.stderr
    assert tenant.count(PUT) == 0
    assert tenant.count('GET /v1.0/users/{id}/photo') == len(expected[2])
    assert tenant.count('GET /v1.0/users/{id}/photo/$value') == 0


def test_bad_shard_is_refused_before_any_request(tenant, tmp_path):
    repo = tmp_path / 'repo'
    (repo / 'home').mkdir(parents=True)
    write_samples(str(repo / 'photos'), ['alice@contoso.example'])
    (repo / 'photos.yml').write_text(json.dumps({'photo_sync_src_dir': 'photos'}))
    tenant.reset_stats()
    for bad in ('3/2', '0/2', 'half'):
        run = sync(tenant, repo, '-e', 'photo_sync_shard=%s' % bad)
        assert run.returncode != 0
        assert "photo_sync_shard must be 'k/n'" in run.stdout, run.stdout
    assert tenant.count(PUT) == 0
