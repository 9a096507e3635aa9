# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry and backoff decisions, and the client over the recording stub: renewal on 401, hints on 403,
answers of the wrong kind, paging."""

from __future__ import annotations

import base64
import json
import random

import pytest
import requests
from ansible_collections.m365.photos.plugins.module_utils._graph import transport
from ansible_collections.m365.photos.plugins.module_utils._graph.client import UnexpectedAnswer, user_path
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import AuthError, GraphError
from ansible_collections.m365.photos.plugins.module_utils._graph.limiter import AdaptiveLimiter
from ansible_collections.m365.photos.plugins.module_utils._graph.signin import StaticTokenCredential, token_roles
from ansible_collections.m365.photos.tests.unit.plugins.module_utils.graph_stub import graph_error, make_client, response


def jwt(roles):
    claims = base64.urlsafe_b64encode(json.dumps({'roles': roles}).encode()).decode().rstrip('=')
    return 'eyJhbGciOiJub25lIn0.%s.sig' % claims


@pytest.mark.parametrize(
    'value, cap, expected',
    [
        (None, 300.0, None),
        ('2.128', 300.0, 2.128),
        ('-4', 300.0, 0.0),
        ('9999', 300.0, 300.0),
        ('9999', None, 9999.0),
        ('Wed, 21 Oct 2015 07:28:00 GMT', 300.0, None),
        ('nan', 300.0, None),
        ('inf', 300.0, None),
    ],
)
def test_parse_retry_after(value, cap, expected):
    assert transport.parse_retry_after(value, cap=cap) == expected


def test_retry_delay_starts_at_first_wait_then_backs_off_with_jitter():
    rng = random.Random(7)
    assert transport.retry_delay(0, 3.0, rng) == 3.0
    for attempt in range(1, 8):
        ceiling = min(transport.BACKOFF_CAP, 3.0 * 2**attempt)
        for dummy in range(20):
            assert ceiling / 2 <= transport.retry_delay(attempt, 3.0, rng) <= ceiling
    for attempt in range(10):
        assert 0 <= transport.backoff_delay(attempt, rng) <= min(transport.BACKOFF_CAP, transport.BACKOFF_BASE * 2**attempt)


@pytest.mark.parametrize('value, expected', [(None, 3.0), ('0.25', 0.25), ('0', 0.0), ('-1', 3.0), ('inf', 3.0), ('soon', 3.0)])
def test_first_retry_wait_from_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(transport.FIRST_RETRY_WAIT_ENV, raising=False)
    else:
        monkeypatch.setenv(transport.FIRST_RETRY_WAIT_ENV, value)
    assert transport.first_retry_wait() == expected


def test_https_required_except_loopback():
    transport.require_https('https://graph.microsoft.com', 'graph_url')
    for url in ('http://127.0.0.1:8080', 'http://localhost/x', 'http://[::1]:80'):
        transport.require_https(url, 'graph_url')
    with pytest.raises(GraphError, match=r'^graph_url must be an https:// URL \(got http://graph.example\)'):
        transport.require_https('http://graph.example', 'graph_url')
    assert transport.verify_setting(False, '/ca.pem') is False
    assert transport.verify_setting(True, '/ca.pem') == '/ca.pem'
    assert transport.verify_setting(True, None) is True


def test_429_waits_retry_after_then_succeeds(stub):
    graph, http, sleep = stub
    http.add_user('a@c.example')
    http.queue(graph_error(429, 'TooManyRequests', headers={'Retry-After': '2.5'}), 'GET')
    http.queue(graph_error(503, 'ServiceUnavailable'), 'GET')
    assert graph.get_json(user_path('a@c.example'))['userPrincipalName'] == 'a@c.example'
    assert sleep.waits[0] == 2.5
    assert 3.0 <= sleep.waits[1] <= 6.0  # no Retry-After on the second retry: backoff from first_wait, jittered
    assert len(http.calls) == 3


def test_retry_after_beyond_max_retry_wait_is_not_waited():
    graph, http, sleep = make_client(max_retry_wait=10.0)
    http.queue(graph_error(429, 'TooManyRequests', headers={'Retry-After': '60', 'request-id': 'r-9'}), 'GET')
    with pytest.raises(transport.RetryWaitTooLong) as raised:
        graph.get_json('/users')
    assert sleep.waits == [] and raised.value.status == 429 and raised.value.request_id == 'r-9'
    assert 'asked to wait 60 s' in str(raised.value) and 'max_retry_wait (10 s)' in str(raised.value)


def test_retries_exhausted_raise_the_last_answer_with_a_hint(stub):
    graph, http, sleep = stub
    http.queue(graph_error(429, 'TooManyRequests', headers={'Retry-After': '1'}), 'GET', times=4)
    with pytest.raises(GraphError) as raised:
        graph.get_json('/users', user='a@c.example')
    assert raised.value.status == 429 and 'throttling' in raised.value.hint
    assert sleep.waits == [1.0, 1.0, 1.0] and len(http.calls) == 4


def test_non_retryable_status_is_not_retried(stub):
    graph, http, sleep = stub
    http.queue(graph_error(400, 'BadRequest'), 'GET')
    with pytest.raises(GraphError):
        graph.get_json('/users')
    assert len(http.calls) == 1 and sleep.waits == []


def test_connection_errors_retried_then_reported(stub):
    graph, http, sleep = stub
    http.queue(requests.ConnectionError('reset'), times=4)
    with pytest.raises(GraphError, match='^GET https://graph.test/v1.0/users failed: connection failed after 4 attempts: reset'):
        graph.get_json('/users')
    assert len(sleep.waits) == 3


def test_tls_failure_is_not_retried(stub):
    graph, http, sleep = stub
    http.queue(requests.exceptions.SSLError('certificate verify failed'))
    with pytest.raises(GraphError, match='TLS verification failed .* ca_path'):
        graph.get_json('/users')
    assert sleep.waits == [] and len(http.calls) == 1


def test_retry_releases_the_limiter_and_reports_to_it():
    limiter = AdaptiveLimiter(initial=4, maximum=4)
    graph, http, dummy = make_client(limiter=limiter)
    http.add_user('a@c.example')
    http.queue(graph_error(429, 'TooManyRequests', headers={'Retry-After': '0'}), 'GET')
    graph.get_json(user_path('a@c.example'), user='a@c.example')
    assert len(http.calls) == 2
    assert limiter.throttled == 1 and limiter.requests == 2 and limiter.in_flight == 0


class RenewingCredential:
    def __init__(self):
        self.issued = 0
        self.invalidated = 0

    def token(self):
        return 'token-%d' % self.issued

    def invalidate(self, token=None):
        self.invalidated += 1
        self.issued += 1


def test_401_drops_the_token_and_signs_in_again():
    credential = RenewingCredential()
    graph, http, dummy = make_client(token=credential)
    http.add_user('a@c.example')
    http.queue(graph_error(401, 'InvalidAuthenticationToken', 'expired'), 'GET')
    assert graph.get_json(user_path('a@c.example'))['id']
    assert credential.invalidated == 1 and len(http.calls) == 2


def test_401_after_every_renewal_fails():
    credential = RenewingCredential()
    graph, http, dummy = make_client(token=credential)
    http.queue(graph_error(401, 'InvalidAuthenticationToken', 'expired'), 'GET', times=10)
    with pytest.raises(GraphError) as raised:
        graph.get_json('/users')
    assert raised.value.status == 401 and raised.value.hint.startswith('The access token was rejected')
    assert len(http.calls) == 4  # the first try and MAX_RENEWALS sign-ins


def test_static_token_cannot_be_renewed(stub):
    graph, http, dummy = stub
    http.queue(graph_error(401, 'InvalidAuthenticationToken', 'expired'), 'GET')
    with pytest.raises(AuthError, match='access_token was rejected'):
        graph.get_json('/users')


def test_403_on_put_with_the_write_role_is_a_policy():
    graph, http, dummy = make_client(token=jwt(['ProfilePhoto.ReadWrite.All']))
    http.add_user('a@c.example')
    http.queue(graph_error(403, 'ErrorAccessDenied', 'Access is denied'), 'PUT')
    with pytest.raises(GraphError) as raised:
        graph.request('PUT', user_path('a@c.example') + '/photo/$value', data=b'x', user='a@c.example')
    assert 'blocked by the tenant' in raised.value.hint and 'user a@c.example' in raised.value.hint
    assert graph.sign_in() == ['ProfilePhoto.ReadWrite.All'] and graph.roles() == ['ProfilePhoto.ReadWrite.All']


def test_token_roles_of_opaque_tokens():
    assert token_roles('opaque') == []
    assert token_roles('a.!!!.c') == []
    assert token_roles(jwt([])) == []


def test_requests_carry_token_agent_and_request_id(stub):
    graph, http, dummy = stub
    seen = {}
    original = http.request

    def spy(method, url, **kwargs):
        seen.update(kwargs['headers'])
        return original(method, url, **kwargs)

    http.request = spy
    graph.get_json('/users')
    assert seen['Authorization'] == 'Bearer token' and seen['User-Agent'].startswith('m365.photos')
    assert len(seen['client-request-id']) == 36


@pytest.mark.parametrize(
    'answer',
    [
        response(200, '<html>proxy login</html>', {'Content-Type': 'text/html', 'request-id': 'r-5'}),
        response(200, [1, 2]),
        response(200, b'{broken', {'Content-Type': 'application/json'}),
    ],
)
def test_wrong_kind_of_2xx_answer_is_described_not_quoted(stub, answer):
    graph, http, dummy = stub
    http.queue(answer, 'GET')
    with pytest.raises(UnexpectedAnswer) as raised:
        graph.get_json('/users/a')
    text = str(raised.value)
    assert text.startswith('unexpected answer from Microsoft Graph: HTTP 200, content type ')
    assert 'proxy login' not in text and 'broken' not in text and text.endswith('(GET /users/a)')


def test_error_answer_without_graph_envelope(stub):
    graph, http, dummy = stub
    http.queue(response(502, '<html>Bad Gateway</html>', {'Content-Type': 'text/html'}), 'GET', times=4)
    with pytest.raises(GraphError) as raised:
        graph.get_json('/users')
    assert raised.value.message == 'Bad Gateway (text/html answer, not a Graph error)' and 'html>' not in str(raised.value)


def test_iterate_follows_next_links(stub):
    graph, http, dummy = stub
    for number in range(5):
        http.add_user('u%d@c.example' % number)
    assert [u['userPrincipalName'] for u in graph.iterate('/users')] == ['u%d@c.example' % n for n in range(5)]
    assert len(http.calls) == 3


def test_iterate_refuses_a_page_that_is_not_a_list(stub):
    graph, http, dummy = stub
    http.queue(response(200, {'value': 'nope'}), 'GET')
    with pytest.raises(UnexpectedAnswer, match='not a list of objects'):
        list(graph.iterate('/users'))


@pytest.mark.parametrize(
    'user, path',
    [
        ('a@c.example', '/users/a@c.example'),
        ('guest_x.com#EXT#@c.example', '/users/guest_x.com%23EXT%23@c.example'),
        ("$o'neil@c.example", "/users('%24o%27%27neil@c.example')"),  # the quote doubled, then percent-encoded
        ('0f8fad5b-d9cb-469f-a165-70867728950e', '/users/0f8fad5b-d9cb-469f-a165-70867728950e'),
    ],
)
def test_user_path_quotes(user, path):
    assert user_path(user) == path


def test_beta_url():
    graph, dummy, dummy_sleep = make_client()
    assert graph.url('/admin/x', 'beta') == 'https://graph.test/beta/admin/x'
    assert graph.base == 'https://graph.test/v1.0'


def test_static_credential_gives_its_token():
    assert StaticTokenCredential('abc').token() == 'abc'
