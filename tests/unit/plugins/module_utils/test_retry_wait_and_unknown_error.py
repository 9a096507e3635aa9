"""Client-side handling of the live service's pitfalls (issue 9) that need no tenant: retry waits, UnknownError."""

import json
import random

from ansible_collections.m365.photos.plugins.module_utils._graph.errors import hint_for, parse_error_body
from ansible_collections.m365.photos.plugins.module_utils._graph.transport import RetryPolicy, first_retry_wait, retry_delay


def test_first_retry_without_retry_after_waits_three_seconds(monkeypatch):
    monkeypatch.delenv('M365_RETRY_FIRST_WAIT', raising=False)
    waits = []
    policy = RetryPolicy(sleep=waits.append)
    for attempt in range(4):
        policy.wait(attempt, None, 'HTTP 503')
    assert waits[0] == 3.0
    # Then exponential backoff from it, jittered over the upper half of each step.
    assert 3.0 <= waits[1] <= 6.0 and 6.0 <= waits[2] <= 12.0 and 12.0 <= waits[3] <= 24.0
    # A Retry-After always wins.
    policy.wait(0, 0.25, 'HTTP 429')
    assert waits[-1] == 0.25


def test_first_retry_wait_from_the_environment(monkeypatch):
    monkeypatch.setenv('M365_RETRY_FIRST_WAIT', '0.2')
    assert first_retry_wait() == 0.2
    monkeypatch.setenv('M365_RETRY_FIRST_WAIT', 'soon')
    assert first_retry_wait() == 3.0
    monkeypatch.setenv('M365_RETRY_FIRST_WAIT', '-1')
    assert first_retry_wait() == 3.0


def test_backoff_is_capped_and_jittered():
    rng = random.Random(7)
    delays = {round(retry_delay(9, 3.0, rng), 6) for dummy in range(20)}
    assert all(15.0 <= d <= 30.0 for d in delays) and len(delays) > 1


def _wrapped(code, message):
    inner = json.dumps({'error': {'code': code, 'message': message}})
    return json.dumps({'error': {'code': 'UnknownError', 'message': inner, 'innerError': {'request-id': 'r-1'}}})


def test_unknown_error_is_unwrapped_before_hints():
    code, message, request_id = parse_error_body(_wrapped('ErrorAccessDenied', 'Access is denied. Check credentials and try again.'))
    assert (code, message, request_id) == ('ErrorAccessDenied', 'Access is denied. Check credentials and try again.', 'r-1')
    code, message, dummy = parse_error_body(_wrapped('MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive.'))
    assert 'on-premises' in hint_for(404, code, message, user='a@b.example')


def test_unknown_error_that_wraps_nothing_stays():
    for message in ('', 'An unknown error occurred.', '{not json', '{"error": "text"}', '[1]'):
        body = json.dumps({'error': {'code': 'UnknownError', 'message': message}})
        assert parse_error_body(body)[:2] == ('UnknownError', message)
