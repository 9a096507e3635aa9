"""Bulk runs converge in each of the fake tenant's load models with few throttled answers
(issue 10). Counts from the tenant's stats, never times: how fast is for `make bench`."""

import json

import pytest
from conftest import bulk_task
from sample_photos import write_samples

# Finding the pace costs a handful of 429s whatever the run's size (slow start overshoots by up to
# twice the service's room, the burst of the bucket hiding it at first): enough users that the
# share is about the holding, not the start.
USERS = 600
PUT = 'PUT /v1.0/users/{id}/photo/$value'

MODELS = {
    # Model A: at most C in flight per app, 429 beyond it.
    'A': {'load_model': 'A', 'latency_ms': 10, 'concurrency_cap': 4},
    # Model B: 4 in flight per mailbox, a tenant-wide request bucket and a write bucket.
    'B': {'load_model': 'B', 'latency_ms': 50, 'request_rate': 100, 'request_burst': 10, 'write_rate': 40, 'write_burst': 10},
}


def throttled_share(stats):
    return stats['throttled'] / float(stats['ops'] + stats['throttled'])


@pytest.mark.parametrize('model', sorted(MODELS))
def test_bulk_run_converges_with_few_throttled_answers(model, tenant_factory, playbook, tmp_path):
    tenant = tenant_factory(seed={'generated_users': {'count': USERS, 'prefix': 'user', 'domain': 'contoso.example'}})
    tenant.set_config(**MODELS[model])
    users = ['user%05d@contoso.example' % n for n in range(1, USERS + 1)]
    write_samples(str(tmp_path / 'photos'), users)
    task = bulk_task(src_dir=str(tmp_path / 'photos'), cache_dir=str(tmp_path / 'cache'), report_dir=str(tmp_path / 'report'))

    tenant.reset_stats()
    first = playbook(task, tenant, save=['sync'])
    stats = tenant.stats()
    summary = first.result('sync')['summary']
    assert summary['uploaded'] == USERS and summary['failed'] == 0, first.stdout
    assert stats['writes'] == USERS
    assert throttled_share(stats) <= 0.03, stats['throttled_by_reason']
    # Never more than one request in flight per user: the mailbox limit of 4 is never what throttles.
    assert stats['throttled_by_reason'].get('mailbox_concurrency', 0) == 0
    if model == 'B':
        assert stats['peak_concurrency_per_user'] == 1
    report = json.loads((tmp_path / 'report' / 'report.json').read_text())
    assert report['throttled'] == stats['throttled']

    tenant.reset_stats()
    second = playbook(task, tenant, save=['sync'])
    stats = tenant.stats()
    assert second.result('sync')['summary']['unchanged'] == USERS, second.stdout
    assert tenant.count(PUT) == 0
    assert throttled_share(stats) <= 0.03, stats['throttled_by_reason']
