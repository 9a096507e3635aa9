"""Load models A and B (service/load.py): counts and answers only, no timings asserted."""

import threading
import time

import requests
from conftest import make_image
from fake_tenant import FakeTenantProcess
from fake_tenant.service import seed

ALICE = 'alice@contoso.example'
PHOTO = '/v1.0/users/%s/photo'


class InFlight:
    """Requests sent from their own threads on warmed-up connections; joined at the end."""

    def __init__(self, client):
        self.client = client
        self.token = client.token()
        self.results = []
        self.threads = []

    def start(self, path, method='GET', **kwargs):
        session = requests.Session()
        session.trust_env = False
        headers = {'Authorization': 'Bearer ' + self.token}
        # Warm the connection up first (TLS handshake) on the admin API: no latency, no load model.
        assert session.get(self.client.tenant.graph_url + '/_fake/info', verify=self.client.ca, timeout=60).ok
        index = len(self.results)
        self.results.append(None)

        def run():
            self.results[index] = session.request(
                method,
                self.client.tenant.graph_url + path,
                headers=dict(headers, **kwargs.pop('headers', {})),
                verify=self.client.ca,
                timeout=60,
                **kwargs,
            )

        thread = threading.Thread(target=run)
        thread.start()
        self.threads.append(thread)

    def join(self):
        for thread in self.threads:
            thread.join()
        return self.results


def _wait_in_flight(tenant, count):
    """Until the tenant reports ``count`` requests in flight (each holds its slot for the latency)."""
    for dummy in range(600):
        if tenant.stats()['in_flight'] == count:
            return
        time.sleep(0.01)
    raise AssertionError('never %d in flight: %s' % (count, tenant.stats()))


def test_defaults_are_model_a_without_buckets(tenant):
    config = tenant.get_config()
    assert (config['load_model'], config['request_rate'], config['write_rate'], config['mailbox_concurrency']) == ('A', 0.0, 0.0, 4)


def test_model_options_are_validated(make_tenant):
    tenant, client = make_tenant(load_model='b', request_rate=5)
    assert tenant.get_config()['load_model'] == 'B'
    assert client.admin('POST', 'config', json={'load_model': 'C'}).status_code == 400
    assert client.admin('POST', 'config', json={'request_rate': -1}).status_code == 400
    assert client.admin('POST', 'config', json={'write_burst': 'many'}).status_code == 400


def test_model_b_caps_each_mailbox_at_four_and_only_that_mailbox(make_tenant):
    tenant, client = make_tenant(load_model='B', latency_ms=3000)
    tenant.set_config(latency_ms=0)
    assert client.put_photo(ALICE, make_image((64, 64))).status_code == 200
    uploads = tenant.photo_info(ALICE)['upload_count']
    tenant.set_config(latency_ms=3000)
    tenant.reset_stats()
    alice_id = seed.user_id(tenant.tenant_id, ALICE)
    flight = InFlight(client)
    # Four to Alice's mailbox, addressed by UPN and by id: one mailbox.
    for path in (PHOTO % ALICE, PHOTO % alice_id, PHOTO % ALICE.upper(), PHOTO % alice_id + '/$value'):
        flight.start(path)
    _wait_in_flight(tenant, 4)
    fifth = client.get(PHOTO % ALICE)
    assert fifth.status_code == 429
    assert fifth.json()['error']['code'] == 'ApplicationThrottled'
    assert fifth.json()['error']['message'] == 'Application is over its MailboxConcurrency limit.'
    assert float(fifth.headers['Retry-After']) > 0
    # A refused write does no work.
    refused = client.put_photo(ALICE, make_image((80, 80)))
    assert refused.status_code == 429
    # Other mailboxes are not affected, and there is no per-app cap: six in flight for the app.
    flight.start(PHOTO % 'bob@contoso.example')
    flight.start(PHOTO % 'carol@contoso.example')
    _wait_in_flight(tenant, 6)
    assert [r.status_code for r in flight.join()] == [200, 200, 200, 200, 404, 404]
    stats = tenant.stats()
    assert stats['peak_concurrency_per_user'] == 4
    assert stats['peak_concurrency'] == 6
    assert stats['throttled'] == 2 and stats['throttled_by_reason'] == {'mailbox_concurrency': 2}
    assert stats['ops'] == 6 and stats['writes'] == 0
    assert tenant.photo_info(ALICE)['upload_count'] == uploads


def test_model_b_request_bucket(make_tenant):
    tenant, client = make_tenant(load_model='B', request_rate=0.5, request_burst=3)
    token = client.token()
    tenant.reset_stats()
    answers = [client.get(PHOTO % ALICE, token=token) for dummy in range(3)]
    assert [r.status_code for r in answers] == [404, 404, 404]  # the burst: three at once
    time.sleep(0.01)  # so the bucket has refilled a visible fraction of a token (not a timing assertion)
    over = client.put_photo(ALICE, make_image((64, 64)), token=token)
    assert over.status_code == 429
    assert over.json()['error']['code'] == 'TooManyRequests'
    retry_after = over.headers['Retry-After']
    # Computed from the bucket: the time until it holds one token again, at 0.5/s at most 2 s.
    assert '.' in retry_after and 0 < float(retry_after) <= 2
    stats = tenant.stats()
    assert stats['throttled_by_reason'] == {'request_rate': 1} and stats['throttled'] == 1
    assert stats['ops'] == 3 and stats['writes'] == 0
    assert tenant.photo_info(ALICE)['upload_count'] == 0  # the refused PUT did nothing
    # The login host and /_fake are never throttled.
    assert client.token_response().status_code == 200


def test_model_b_write_bucket_leaves_reads_alone(make_tenant):
    tenant, client = make_tenant(load_model='B', write_rate=0.5, write_burst=1)
    token = client.token()
    tenant.reset_stats()
    assert client.put_photo(ALICE, make_image((64, 64)), token=token).status_code == 200
    time.sleep(0.01)  # a visible fraction of a token refilled (not a timing assertion)
    refused = client.put_photo('bob@contoso.example', make_image((64, 64)), token=token)
    assert refused.status_code == 429
    assert '.' in refused.headers['Retry-After'] and 0 < float(refused.headers['Retry-After']) <= 2
    assert client.call('DELETE', PHOTO % ALICE + '/$value', token=token).status_code == 429
    # Reads go on while writes wait.
    assert [client.get(PHOTO % ALICE, token=token).status_code for dummy in range(5)] == [200] * 5
    stats = tenant.stats()
    assert stats['throttled_by_reason'] == {'write_rate': 2}
    assert stats['ops'] == 6 and stats['writes'] == 1
    assert tenant.photo_info('bob@contoso.example')['has_photo'] is False
    assert tenant.photo_info(ALICE)['upload_count'] == 1


def test_model_a_counts_refusals_by_reason_and_ops(make_tenant):
    tenant, client = make_tenant(latency_ms=3000, concurrency_cap=2)
    tenant.reset_stats()
    flight = InFlight(client)
    flight.start(PHOTO % ALICE)
    flight.start(PHOTO % 'bob@contoso.example')
    _wait_in_flight(tenant, 2)
    refused = client.get(PHOTO % 'carol@contoso.example')  # another user, same app: the per-app cap
    assert refused.status_code == 429
    assert refused.json()['error']['message'] == 'Application is over its MailboxConcurrency limit.'
    assert [r.status_code for r in flight.join()] == [404, 404]
    stats = tenant.stats()
    assert stats['throttled_by_reason'] == {'app_concurrency': 1}
    assert stats['ops'] == 2 and stats['peak_concurrency'] == 2 and stats['in_flight'] == 0


def test_scenario_429_is_counted_as_throttled_not_as_work(make_tenant):
    tenant, client = make_tenant(seed={'users': [{'userPrincipalName': 'slow@contoso.example', 'scenario': 'throttled'}]})
    tenant.reset_stats()
    assert client.get(PHOTO % 'slow@contoso.example').status_code == 429
    stats = tenant.stats()
    assert stats['throttled_by_reason'] == {'scenario': 1} and stats['ops'] == 0


def test_batch_items_go_through_the_model(make_tenant):
    tenant, client = make_tenant(load_model='B', request_rate=0.5, request_burst=2)
    tenant.reset_stats()
    body = {'requests': [{'id': str(i), 'method': 'GET', 'url': '/users/%s/photo' % ALICE} for i in range(1, 5)]}
    answer = client.call('POST', '/v1.0/$batch', json=body)
    assert answer.status_code == 200
    statuses = sorted(item['status'] for item in answer.json()['responses'])
    assert statuses == [404, 404, 429, 429]
    assert all(float(item['headers']['Retry-After']) > 0 for item in answer.json()['responses'] if item['status'] == 429)
    stats = tenant.stats()
    assert stats['ops'] == 2 and stats['throttled_by_reason'] == {'request_rate': 2} and stats['throttled'] == 2


def test_command_line_options_reach_the_config(tmp_path):
    process = FakeTenantProcess(
        str(tmp_path / 'state'),
        load_model='B',
        latency_ms=60,
        mailbox_concurrency=2,
        request_rate=400,
        request_burst=80,
        write_rate=20,
        write_burst=5,
    )
    try:
        config = process.get_config()
    finally:
        process.stop()
    expected = {
        'load_model': 'B',
        'latency_ms': 60.0,
        'mailbox_concurrency': 2,
        'request_rate': 400.0,
        'request_burst': 80,
        'write_rate': 20.0,
        'write_burst': 5,
    }
    assert {key: config[key] for key in expected} == expected
