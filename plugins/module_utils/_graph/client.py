# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Authenticated Microsoft Graph calls: the transport plus a credential, and the connection
that assembles them from resolved options. Imported only after the dependency check, because
the connection needs requests and msal at import time.

A 401 on a token (cached from an earlier run, or expired early) drops it and signs in once
more before the call fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError, hint_for
from ansible_collections.m365.photos.plugins.module_utils._graph.signin import build_credential, token_roles
from ansible_collections.m365.photos.plugins.module_utils._graph.token_cache import PersistentTokenCache
from ansible_collections.m365.photos.plugins.module_utils._graph.transport import (
    RetryPolicy,
    VerifyingSession,
    error_from_response,
    new_client_request_id,
    require_https,
    send_with_retries,
    verify_setting,
)

if TYPE_CHECKING:
    import requests

USER_AGENT = 'm365.photos-ansible-collection'
UNEXPECTED = 'unexpected answer from Microsoft Graph'
# Sign-ins one request may do after 401s. More than one: under concurrency a token renewed by one
# thread can itself expire (or be rotated) before another thread's retry lands with it.
MAX_RENEWALS = 3


class UnexpectedAnswer(GraphError):
    """A 2xx answer that is not what the call expects (HTML from a proxy, a JSON list for an
    object, text for an image). Described by status, content type and request-id, never quoted."""

    def __str__(self):
        return '%s (%s %s)' % (self.message, self.method, self.url) if self.method else self.message


def unexpected_answer(response: requests.Response, method: str, path: str, expected: str) -> UnexpectedAnswer:
    content_type = (response.headers.get('Content-Type') or 'no content type').split(';')[0].strip()
    request_id = response.headers.get('request-id') or 'none'
    return UnexpectedAnswer(
        '%s: HTTP %s, content type %s, request-id %s (expected %s)'
        % (UNEXPECTED, response.status_code, content_type, request_id, expected),
        status=response.status_code,
        request_id=response.headers.get('request-id'),
        method=method,
        url=path,
    )


def json_answer(response: requests.Response, method: str, path: str, kind: type = dict) -> Any:
    """The JSON payload of a 2xx answer, of type ``kind``; UnexpectedAnswer for anything else."""
    content_type = (response.headers.get('Content-Type') or '').split(';')[0].strip().lower()
    expected = 'a JSON object' if kind is dict else 'JSON'
    if 'json' not in content_type:
        raise unexpected_answer(response, method, path, expected)
    try:
        payload = response.json()
    except ValueError:
        raise unexpected_answer(response, method, path, expected) from None
    if not isinstance(payload, kind):
        raise unexpected_answer(response, method, path, expected)
    return payload


def user_path(user: str) -> str:
    """The /users/{id|upn} segment. UPNs may hold '#' (guests) or start with '$', which Graph
    only accepts quoted or in the key-as-function form."""
    quoted = quote(user, safe='@')
    if user.startswith('$'):
        return "/users('%s')" % quote(user.replace("'", "''"), safe='@')
    return '/users/' + quoted


class _Bearer:
    """requests ``auth``: sets the Authorization header each time a request is sent, retries
    included, from the credential's current token. A retry after a long Retry-After or backoff
    then carries the token another thread renewed meanwhile, not the one it started with."""

    def __init__(self, credential):
        self.credential = credential
        self.token = None

    def __call__(self, request):
        self.token = self.credential.token()
        request.headers['Authorization'] = 'Bearer ' + self.token
        return request


class GraphClient:
    """Graph requests with one credential, one connection pool and one retry policy. Paths are
    relative to the v1.0 root; ``url()`` builds absolute ones for another API version."""

    def __init__(self, http, graph_url: str, credential, policy, limiter=None, api_version: str = 'v1.0') -> None:
        self.http = http
        self.root = graph_url.rstrip('/')
        self.base = self.url('', api_version)
        self.credential = credential
        self.policy = policy
        self.limiter = limiter

    def url(self, path: str, api_version: str = 'v1.0') -> str:
        """Absolute URL of ``path`` (starting with '/') in ``api_version`` (v1.0 or beta)."""
        return '%s/%s%s' % (self.root, api_version, path)

    def sign_in(self) -> list[str]:
        """Sign in now (GraphError when that fails); return the application roles the token claims
        (empty for opaque tokens). Lets a run fail once on a bad credential instead of per user."""
        token = self.credential.token()
        return token_roles(token) if token else []

    def roles(self) -> list[str]:
        """The token's application roles; empty when signing in fails."""
        try:
            return token_roles(self.credential.token())
        except GraphError:
            return []

    def request(
        self,
        method: str,
        path: str,
        params: dict | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: dict | None = None,
        user: str | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send a Graph request; return the 2xx response or raise GraphError with a hint."""
        url = path if path.startswith(('https://', 'http://')) else self.base + path
        send_headers = {'User-Agent': USER_AGENT, 'client-request-id': new_client_request_id()}
        send_headers.update(headers or {})
        bearer = _Bearer(self.credential)
        for attempt in range(MAX_RENEWALS + 1):
            renewed = attempt == MAX_RENEWALS  # the last attempt: a 401 now is final
            token = self.credential.token()
            send_headers['Authorization'] = 'Bearer ' + token
            response = send_with_retries(
                self.http,
                method,
                url,
                self.policy,
                limiter=self.limiter,
                limit_key=user,
                params=params,
                json=json,
                data=data,
                headers=send_headers,
                stream=stream,
                auth=bearer,
            )
            if response.status_code == 401 and not renewed:
                self.credential.invalidate(token)  # only if no other thread has renewed it yet
                continue
            break
        if response.status_code >= 400:
            error = error_from_response(response, method, path)
            roles = token_roles(send_headers['Authorization'][7:]) if response.status_code == 403 else None
            error.hint = hint_for(response.status_code, error.code, error.message, token_roles=roles, method=method, user=user)
            raise error
        return response

    def get_json(self, path: str, params: dict | None = None, user: str | None = None) -> dict:
        """The JSON object a GET answers; UnexpectedAnswer for HTML, a list, or anything else."""
        return json_answer(self.request('GET', path, params=params, user=user), 'GET', path)

    def iterate(self, path: str, params: dict | None = None) -> Iterator[dict]:
        """Yield the items of a paged collection, following @odata.nextLink."""
        page = self.get_json(path, params=params)
        while True:
            items = page.get('value', [])
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise UnexpectedAnswer('%s: GET %s answered a page whose value is not a list of objects' % (UNEXPECTED, path))
            yield from items
            link = page.get('@odata.nextLink')
            if not link:
                return
            page = self.get_json(link)


class Connection:
    def __init__(self, params, credential_kind, authority_host, graph_url, graph_resource, on_retry=None, pool_size=16, warn=None):
        require_https(graph_url, 'graph_url')
        require_https(authority_host, 'authority_host')
        self.params = params
        self.credential_kind = credential_kind
        self.authority_host = authority_host
        self.graph_url = graph_url
        self.http = VerifyingSession(
            verify_setting(params['validate_certs'], params.get('ca_path')), timeout=params['timeout'], pool_size=pool_size
        )
        self.policy = RetryPolicy(max_retries=params['max_retries'], on_retry=on_retry, max_retry_wait=params.get('max_retry_wait', 120.0))
        cache_store = None
        if params.get('token_cache', True) and credential_kind != 'access_token':
            client = params.get('client_id') or params.get('managed_identity_client_id') or 'managed-identity'
            credential = '%s=%s' % (credential_kind, params.get(credential_kind))
            cache_store = PersistentTokenCache(
                params.get('token_cache_dir'), authority_host, params.get('tenant_id'), client, credential=credential, warn=warn
            )
        self.credential = build_credential(credential_kind, params, authority_host, graph_resource, self.http, cache_store)

    def client(self, limiter=None) -> GraphClient:
        return GraphClient(self.http, self.graph_url, self.credential, self.policy, limiter=limiter)
