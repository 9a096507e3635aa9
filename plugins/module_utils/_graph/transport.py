# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""HTTP transport for Microsoft Graph: one pooled session, TLS settings on every request,
timeouts, and retries that honour Retry-After."""

from __future__ import annotations

import ipaddress
import math
import os
import random
import time
import uuid
from urllib.parse import urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from requests.utils import get_environ_proxies
except ImportError:
    requests = None  # type: ignore[assignment]  # reported by _deps.require_libraries before any request is made

from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError, parse_error_body

RETRY_STATUSES = frozenset([429, 502, 503, 504])
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# Without Retry-After the first retry waits this long, as Microsoft's SDK retry handlers do for throttling and
# 5xx (msgraph-sdk-design RetryHandler.md); later ones back off exponentially from it, with jitter.
FIRST_RETRY_WAIT = 3.0
# Environment variable that overrides FIRST_RETRY_WAIT (seconds), e.g. to keep tests against a fake tenant fast.
FIRST_RETRY_WAIT_ENV = 'M365_RETRY_FIRST_WAIT'
RETRY_AFTER_CAP = 300.0
# Waits at least this long are reported as warnings as they happen (the run looks stuck otherwise).
LONG_WAIT = 10.0


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ''
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_https(url: str, what: str) -> None:
    """Credentials and photos never travel in clear text, except to a loopback test double."""
    if urlsplit(url).scheme != 'https' and not is_loopback_url(url):
        raise GraphError('%s must be an https:// URL (got %s); plain http is only allowed for loopback addresses.' % (what, url))


def verify_setting(validate_certs: bool = True, ca_path: str | None = None) -> bool | str:
    """The value for requests' ``verify``: False, a CA bundle path, or True."""
    if not validate_certs:
        return False
    return ca_path or True


def parse_retry_after(value: str | None, cap: float | None = RETRY_AFTER_CAP) -> float | None:
    """Seconds from a Retry-After header; Graph sends fractional seconds (``2.128``). ``cap``
    None keeps the value as sent (the caller bounds it with max_retry_wait)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None  # HTTP-date form: Graph does not send it; fall back to backoff.
    if not math.isfinite(seconds):  # NaN or infinity
        return None
    seconds = max(seconds, 0.0)
    return min(seconds, cap) if cap is not None else seconds


def backoff_delay(attempt: int, rng=random) -> float:
    """Exponential backoff with full jitter: spreads retries of concurrent workers apart."""
    return rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * (2**attempt)))


def first_retry_wait() -> float:
    """FIRST_RETRY_WAIT, or the seconds in the M365_RETRY_FIRST_WAIT environment variable when that is a number >= 0."""
    try:
        value = float(os.environ.get(FIRST_RETRY_WAIT_ENV, FIRST_RETRY_WAIT))
    except ValueError:
        return FIRST_RETRY_WAIT
    return value if 0 <= value < float('inf') else FIRST_RETRY_WAIT


def retry_delay(attempt: int, first_wait: float, rng=random) -> float:
    """The wait before retry ``attempt`` (0-based) without Retry-After: ``first_wait`` first, then
    exponential backoff from it (first_wait * 2**attempt, capped) with jitter over its upper half."""
    if attempt == 0:
        return first_wait
    ceiling = min(BACKOFF_CAP, first_wait * (2**attempt))
    return rng.uniform(ceiling / 2, ceiling)


class VerifyingSession:
    """A requests session that passes ``verify`` and ``timeout`` on every request.

    requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override ``Session.verify``; a per-request
    ``verify`` wins over them, so an explicit ``ca_path`` is honoured whatever the environment.
    It also serves as msal's ``http_client`` (msal calls ``get``/``post``/``close``)."""

    def __init__(self, verify=True, timeout=30, pool_size=10):
        if verify is True:
            # What requests would do per request with trust_env: the environment's CA bundle.
            verify = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True
        self.verify = verify
        self.timeout = timeout
        self.session = requests.Session()
        # The environment (proxies, CA bundle, netrc) is read once per host here instead of on
        # every request: requests scans all of os.environ twice per call, a millisecond each,
        # which a bulk run pays thousands of times.
        self.session.trust_env = False
        self._proxies = {}
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(pool_size, 4))
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)

    def _proxies_for(self, url):
        parts = urlsplit(url)
        origin = '%s://%s' % (parts.scheme, parts.netloc)
        if origin not in self._proxies:
            self._proxies[origin] = get_environ_proxies(origin)
        return self._proxies[origin]

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        kwargs.setdefault('verify', self.verify)
        kwargs.setdefault('timeout', self.timeout)
        kwargs.setdefault('proxies', self._proxies_for(url))
        return self.session.request(method, url, **kwargs)

    def prepare(self, method: str, url: str, **kwargs) -> tuple:
        """A request ready to send (headers, body encoded; ``auth`` is applied by ``send()``) and
        how to send it, as ``request()`` would. Preparing is CPU work: done before taking a place
        in flight, the place is held only while the service works on the request."""
        send_options = {
            'verify': kwargs.pop('verify', self.verify),
            'timeout': kwargs.pop('timeout', self.timeout),
            'proxies': kwargs.pop('proxies', None) or self._proxies_for(url),
            'stream': kwargs.pop('stream', False),
            'allow_redirects': kwargs.pop('allow_redirects', True),
            'cert': None,
        }
        auth = kwargs.pop('auth', None)
        return self.session.prepare_request(requests.Request(method, url, **kwargs)), send_options, auth

    def send(self, prepared: tuple) -> requests.Response:
        """Send what ``prepare()`` made."""
        request, send_options, auth = prepared
        if auth is not None:
            # Applied now, not when prepared: a request can wait a while for its place in flight,
            # and the token must be the one current when it goes (another thread may have renewed it).
            request = auth(request)
        return self.session.send(request, **send_options)

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request('GET', url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request('POST', url, **kwargs)

    def close(self) -> None:
        self.session.close()


class RetryWaitTooLong(GraphError):
    """The service asked (Retry-After) for a longer wait than max_retry_wait allows."""


class RetryPolicy:
    """How many times and how long to retry; ``on_retry`` observes each retry (for warnings).

    ``max_retry_wait``: the longest single wait a Retry-After may impose; a longer one fails the
    request at once (RetryWaitTooLong) instead of holding the run, and the caller goes on."""

    def __init__(self, max_retries=5, on_retry=None, sleep=time.sleep, max_retry_wait=120.0, first_wait=None):
        self.max_retries = max_retries
        self.on_retry = on_retry
        self.sleep = sleep
        self.max_retry_wait = max_retry_wait
        self.first_wait = first_retry_wait() if first_wait is None else first_wait

    def check_wait(self, retry_after: float | None, response: requests.Response, method: str, url: str) -> None:
        """RetryWaitTooLong when the asked wait is beyond max_retry_wait."""
        if retry_after is not None and self.max_retry_wait is not None and retry_after > self.max_retry_wait:
            raise RetryWaitTooLong(
                'the service asked to wait %s s (HTTP %d, Retry-After), more than max_retry_wait (%s s); not retried'
                % (_seconds(retry_after), response.status_code, _seconds(self.max_retry_wait)),
                status=response.status_code,
                request_id=response.headers.get('request-id'),
                method=method,
                url=url,
            )

    def wait(self, attempt: int, retry_after: float | None, reason: str) -> None:
        delay = retry_after if retry_after is not None else retry_delay(attempt, self.first_wait)
        if self.max_retry_wait is not None:
            delay = min(delay, self.max_retry_wait)
        if self.on_retry:
            self.on_retry(reason, delay)
        self.sleep(delay)


def _seconds(value):
    return ('%.3f' % value).rstrip('0').rstrip('.') or '0'


def error_from_response(response: requests.Response, method: str, url: str) -> GraphError:
    code, message, request_id = parse_error_body(response.text if response.content else '')
    request_id = request_id or response.headers.get('request-id')
    if not message:
        content_type = (response.headers.get('Content-Type') or 'no content type').split(';')[0].strip()
        message = '%s (%s answer, not a Graph error)' % (response.reason or 'request failed', content_type)
    return GraphError(
        message,
        status=response.status_code,
        code=code,
        request_id=request_id,
        method=method,
        url=url,
    )


def send_with_retries(
    http: VerifyingSession, method: str, url: str, policy: RetryPolicy, limiter=None, limit_key: str | None = None, **kwargs
) -> requests.Response:
    """Send one request, retrying 429/502/503/504 and connection failures.

    Returns the final response (any status); raises GraphError when connection failures
    outlast the retries. ``limiter`` (optional) bounds and adapts concurrency; ``limit_key``
    (the user a photo request is about) keeps one request per user in flight. A retry waits
    outside the limiter: a worker honouring Retry-After holds no place in flight."""
    attempt = 0
    while True:
        try:
            # Prepared for each attempt; ``auth`` sets the token current when it is sent.
            prepared = http.prepare(method, url, **dict(kwargs))
            if limiter:
                with limiter.slot(method, limit_key) as slot:
                    response = http.send(prepared)
                    slot.report(response.status_code)
            else:
                response = http.send(prepared)
        except requests.exceptions.SSLError as exc:
            # Not transient: retrying a certificate that does not verify only delays the answer.
            raise GraphError(
                'TLS verification failed for %s: %s. Trust the service with ca_path (or fix the system CA '
                'store); validate_certs=false only for a test tenant you trust.' % (url, exc),
                method=method,
                url=url,
            ) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            if attempt >= policy.max_retries:
                raise GraphError('connection failed after %d attempts: %s' % (attempt + 1, exc), method=method, url=url) from None
            policy.wait(attempt, None, 'connection error')
            attempt += 1
            continue
        if response.status_code in RETRY_STATUSES and attempt < policy.max_retries:
            retry_after = parse_retry_after(response.headers.get('Retry-After'), cap=None)
            policy.check_wait(retry_after, response, method, url)
            policy.wait(attempt, retry_after, 'HTTP %d' % response.status_code)
            attempt += 1
            continue
        return response


def new_client_request_id() -> str:
    return str(uuid.uuid4())
