"""The m365.photos.sync playbook (role photo_sync) as a GitOps job runs it."""

import json

from conftest import run_collection_playbook
from sample_photos import write_samples

PUT = 'PUT /v1.0/users/{id}/photo/$value'


def sync(tenant, repo, *args):
    return run_collection_playbook(tenant, repo, 'm365.photos.sync', *args)


def recap_changed(output):
    line = [text for text in output.splitlines() if text.startswith('localhost')][-1]
    return int(line.split('changed=')[1].split()[0])


def test_gitops_plan_apply_and_converge(tenant, tmp_path):
    repo = tmp_path / 'repo'
    (repo / 'home').mkdir(parents=True)
    write_samples(str(repo / 'photos'), ['%s@contoso.example' % u for u in ('alice', 'bob', 'carol')])
    (repo / 'photos.yml').write_text(
        json.dumps(
            {
                'photo_sync_src_dir': 'photos',
                'photo_sync_report_dir': 'reports',
                'photo_sync_chunk_size': 2,
                'photo_sync_photos': [{'user': 'dave@contoso.example', 'state': 'absent'}],
            }
        )
    )

    plan = sync(tenant, repo, '--check', '--diff')
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert 'chunk 1/2' in plan.stdout and 'chunk 2/2' in plan.stdout
    assert tenant.writes() == 0
    summary = (repo / 'reports' / 'summary.md').read_text()
    assert '## m365.photos: plan (check mode, nothing written)' in summary
    assert '| to upload | 3 |' in summary and '| failed | 0 |' in summary and '| **total** | **4** |' in summary
    for user in ('alice', 'bob', 'carol'):
        assert '| %s@contoso.example | would be uploaded |' % user in summary

    apply = sync(tenant, repo)
    assert apply.returncode == 0, apply.stdout + apply.stderr
    assert tenant.count(PUT) == 3
    tenant.reset_stats()
    again = sync(tenant, repo)
    assert again.returncode == 0 and recap_changed(again.stdout) == 0, again.stdout
    assert tenant.count(PUT) == 0
