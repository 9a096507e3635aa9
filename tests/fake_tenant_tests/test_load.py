import threading
import time

import pytest
import requests
from conftest import make_image


def _parallel(client, count, path='/v1.0/users/alice@contoso.example/photo'):
    token = client.token()
    results = [None] * count
    barrier = threading.Barrier(count)

    def worker(index):
        session = requests.Session()
        session.trust_env = False
        barrier.wait()
        try:
            results[index] = session.get(
                client.tenant.graph_url + path, headers={'Authorization': 'Bearer ' + token}, verify=client.ca, timeout=30
            )
        except requests.ConnectionError as exc:
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrency_cap(make_tenant):
    tenant, client = make_tenant(latency_ms=200, concurrency_cap=4)
    client.put_photo('alice@contoso.example', make_image((64, 64)))
    tenant.reset_stats()
    started = time.time()
    results = _parallel(client, 12)
    assert time.time() - started >= 0.2
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) >= 4 and codes.count(429) >= 1 and set(codes) <= {200, 429}
    throttled = [r for r in results if r.status_code == 429]
    assert all(0 < float(r.headers['Retry-After']) <= 1 for r in throttled)
    assert throttled[0].json()['error'] == {
        **throttled[0].json()['error'],
        'code': 'ApplicationThrottled',  # the live code of the MailboxConcurrency 429 (issue 9, item 12)
        'message': 'Application is over its MailboxConcurrency limit.',
    }
    stats = tenant.stats()
    assert stats['peak_concurrency'] <= 4
    assert max(stats['peak_concurrency_by_app'].values()) <= 4
    assert stats['throttled'] == codes.count(429)
    # Token requests are never capped.
    assert client.token_response().status_code == 200


def test_runtime_config_changes(make_tenant):
    tenant, client = make_tenant()
    config = tenant.set_config(latency_ms=300)
    assert config['latency_ms'] == 300
    started = time.time()
    assert client.get('/v1.0/users/alice@contoso.example').status_code == 200
    assert time.time() - started >= 0.3
    tenant.set_config(latency_ms=0)
    bad = client.admin('POST', 'config', json={'no_such_option': 1})
    assert bad.status_code == 400
    assert client.admin('POST', 'config', json={'fault_503_rate': 2}).status_code == 400
    assert tenant.get_config()['mode'] == 'realistic'


def test_503_faults_reproducible(make_tenant):
    outcomes = []
    for dummy_attempt in range(2):
        tenant, client = make_tenant(fault_503_rate=0.5, fault_seed=42)
        token = client.token()
        run = [client.get('/v1.0/users/alice@contoso.example', token=token) for dummy in range(20)]
        outcomes.append([r.status_code for r in run])
        failures = [r for r in run if r.status_code == 503]
        assert 0 < len(failures) < 20
        with_header = [r for r in failures if 'Retry-After' in r.headers]
        assert abs(len(with_header) - (len(failures) - len(with_header))) <= 1
        assert failures[0].json()['error']['code'] == 'ServiceUnavailable'
        assert tenant.stats()['faults_injected']['503'] == len(failures)
        tenant.stop()
    assert outcomes[0] == outcomes[1]


def test_drop_faults(make_tenant):
    tenant, client = make_tenant(fault_drop_rate=1.0)
    token = client.token()  # the login host is never faulted
    with pytest.raises(requests.ConnectionError):
        client.get('/v1.0/users/alice@contoso.example', token=token)
    assert tenant.stats()['faults_injected']['drop'] == 1
    tenant.set_config(fault_drop_rate=0.0)
    assert client.get('/v1.0/users/alice@contoso.example', token=token).status_code == 200


def test_stats_counts(make_tenant):
    tenant, client = make_tenant()
    tenant.reset_stats()
    client.token()
    client.put_photo('alice@contoso.example', make_image((64, 64)))
    client.get('/v1.0/users/alice@contoso.example/photo')
    client.get('/v1.0/users/bob@contoso.example/photo')
    client.get('/v1.0/users/alice@contoso.example/photos/48x48/$value')
    client.get('/v1.0/users', token=None)
    client.get('/v1.0/nothing')
    stats = tenant.stats()
    assert stats['by_route']['PUT /v1.0/users/{id}/photo/$value'] == {'200': 1}
    assert stats['by_route']['GET /v1.0/users/{id}/photo'] == {'200': 1, '404': 1}
    assert stats['by_route']['GET /v1.0/users/{id}/photos/{size}/$value'] == {'200': 1}
    assert stats['by_route']['POST /{tenant}/oauth2/v2.0/token'] == {'200': 1}
    assert stats['by_route']['GET /v1.0/users'] == {'401': 1}
    assert stats['by_route']['OTHER'] == {'400': 1}
    assert stats['token_requests'] == 1 and stats['total'] == 7
    assert stats['by_method'] == {'POST': 1, 'PUT': 1, 'GET': 5}
    assert stats['bytes_in'] > 100 and stats['bytes_out'] > 100
    assert stats['peak_concurrency'] == 1
