# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small recording stub of Microsoft Graph for the unit tier: an in-memory tenant behind the
``http`` object GraphClient sends through, so the real client, transport, retries, error mapping,
photos and directory functions run, and every request is recorded (method, path, query).

Answers are real ``requests.Response`` objects. Faults are queued with ``queue(...)``: the next
requests matching a method (and optionally a path suffix) get them instead of the tenant's answer."""

from __future__ import annotations

import hashlib
import json
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from ansible_collections.m365.photos.plugins.module_utils._graph.client import GraphClient
from ansible_collections.m365.photos.plugins.module_utils._graph.signin import StaticTokenCredential
from ansible_collections.m365.photos.plugins.module_utils._graph.transport import RetryPolicy
from requests.structures import CaseInsensitiveDict

ROOT = 'https://graph.test'


def response(status: int, body=b'', headers=None, reason: str = '') -> requests.Response:
    """A requests.Response as the transport gets it from the wire."""
    answer = requests.Response()
    answer.status_code = status
    answer.reason = reason or HTTPStatus(status).phrase
    answer.headers = CaseInsensitiveDict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode('utf-8')
        answer.headers.setdefault('Content-Type', 'application/json')
    answer._content = body.encode('utf-8') if isinstance(body, str) else body
    return answer


def graph_error(status: int, code: str, message: str = 'failed', request_id: str = 'req-1', headers=None) -> requests.Response:
    body = {'error': {'code': code, 'message': message, 'innerError': {'request-id': request_id}}}
    return response(status, body, headers)


class FakeTenantHttp:
    """The ``http`` of a GraphClient: routes v1.0/beta paths to an in-memory tenant and records every call."""

    def __init__(self):
        self.users = {}  # UPN (lower case) -> user dict
        self.photos = {}  # UPN (lower case) -> (bytes, etag, content type)
        self.groups = {}  # id -> {'displayName': ..., 'members': [user dicts or other objects]}
        self.settings = {'source': 'cloud', 'allowedRoles': []}
        self.page_size = 2
        self.calls = []
        self.faults = []
        self.etag_counter = 0

    # tenant set-up
    def add_user(self, upn: str, object_id: str | None = None, photo: bytes | None = None, **extra) -> dict:
        user = {'id': object_id or 'id-%d' % (len(self.users) + 1), 'userPrincipalName': upn, 'mail': upn}
        user['mailNickname'] = upn.split('@')[0]
        user.update(extra)
        self.users[upn.lower()] = user
        if photo is not None:
            self.set_photo(upn, photo)
        return user

    def set_photo(self, upn: str, data: bytes, content_type: str = 'image/jpeg', etag: str | None = None) -> str:
        self.etag_counter += 1
        etag = etag if etag is not None else 'W/"etag-%d"' % self.etag_counter
        self.photos[upn.lower()] = (data, etag, content_type)
        return etag

    def queue(self, answer: requests.Response | Exception, method: str | None = None, path_suffix: str | None = None, times: int = 1):
        for dummy in range(times):
            self.faults.append((method, path_suffix, answer))

    # recording
    def requests_made(self, method: str | None = None, suffix: str | None = None) -> list[tuple[str, str]]:
        return [(m, p) for m, p, dummy in self.calls if (method is None or m == method) and (suffix is None or p.endswith(suffix))]

    # the http interface GraphClient uses (send_with_retries prepares, then sends)
    def prepare(self, method, url, **kwargs):
        return method, url, kwargs

    def send(self, prepared):
        method, url, kwargs = prepared
        return self.request(method, url, **kwargs)

    def request(self, method, url, params=None, json=None, data=None, headers=None, **kwargs):  # pylint: disable=redefined-outer-name
        parts = urlsplit(url)
        path = unquote(parts.path)
        query = dict((k, v[0]) for k, v in parse_qs(parts.query).items())
        query.update(params or {})
        self.calls.append((method, path, query))
        for index, (want_method, suffix, answer) in enumerate(self.faults):
            if (want_method is None or want_method == method) and (suffix is None or path.endswith(suffix)):
                del self.faults[index]
                if isinstance(answer, Exception):
                    raise answer
                return answer
        return self._route(method, path, query, data, headers or {})

    def _user(self, key):
        key = key.lower()
        for user in self.users.values():
            if key in (user['userPrincipalName'].lower(), user['id'].lower()):
                return user
        return None

    def _route(self, method, path, query, data, headers):
        version, dummy, rest = path.lstrip('/').partition('/')
        segments = rest.split('/')
        if version == 'beta' and rest == 'admin/people/photoUpdateSettings':
            return response(200, dict(self.settings, **{'@odata.context': 'x'}))
        if version != 'v1.0':
            return graph_error(400, 'BadRequest', 'unknown version')
        if segments[0] == 'users' and len(segments) == 1:
            return self._page([dict(u) for u in self.users.values()], query, path)
        if segments[0] == 'users':
            user = self._user(segments[1])
            if user is None:
                return graph_error(404, 'Request_ResourceNotFound', "Resource '%s' does not exist" % segments[1])
            return self._user_route(method, user, segments[2:], data, headers)
        if segments[0] == 'groups' and len(segments) == 1:
            wanted = query.get('$filter', '').split(' eq ', 1)[-1].strip("'").replace("''", "'")
            found = [{'id': gid, 'displayName': g['displayName']} for gid, g in self.groups.items() if g['displayName'] == wanted]
            return response(200, {'value': found})
        if segments[0] == 'groups' and len(segments) == 3:
            group = self.groups.get(segments[1])
            if group is None:
                return graph_error(404, 'Request_ResourceNotFound', 'no group')
            if segments[2] == 'transitiveMembers' and group.get('no_transitive'):
                return graph_error(400, 'Request_BadRequest', 'not supported')
            return self._page(list(group['members']), query, path)
        return graph_error(400, 'BadRequest', 'unknown path')

    def _page(self, items, query, path):
        start = int(query.get('$skiptoken', 0))
        body = {'value': items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            body['@odata.nextLink'] = '%s%s?$skiptoken=%d' % (ROOT, path, start + self.page_size)
        return response(200, body)

    def _user_route(self, method, user, rest, data, headers):
        key = user['userPrincipalName'].lower()
        if not rest:
            return response(200, user)
        stored = self.photos.get(key)
        if rest == ['photo'] and method == 'GET':
            if stored is None:
                return graph_error(404, 'ImageNotFound', 'Exception of type ImageNotFoundException was thrown.')
            return response(200, {'@odata.mediaContentType': stored[2], '@odata.mediaEtag': stored[1], 'width': 648, 'height': 648})
        if rest == ['photo', '$value']:
            if method == 'GET':
                if stored is None:
                    return graph_error(404, 'ImageNotFound', 'Exception of type ImageNotFoundException was thrown.')
                return response(200, stored[0], {'Content-Type': stored[2], 'ETag': stored[1]})
            if method == 'PUT':
                self.set_photo(user['userPrincipalName'], data, headers.get('Content-Type', 'image/jpeg'))
                return response(200)
            if method == 'DELETE':
                if stored is None:
                    return graph_error(404, 'ImageNotFound', 'no photo')
                del self.photos[key]
                return response(204)
        return graph_error(405, 'MethodNotAllowed', 'not here')

    def sha256_of(self, upn: str) -> str | None:
        stored = self.photos.get(upn.lower())
        return hashlib.sha256(stored[0]).hexdigest() if stored else None


class RecordingSleep:
    """RetryPolicy's ``sleep``: records the waits instead of sleeping."""

    def __init__(self):
        self.waits = []

    def __call__(self, seconds):
        self.waits.append(seconds)


def make_client(http=None, token: str = 'token', max_retries: int = 3, limiter=None, max_retry_wait: float = 120.0):
    """(GraphClient over a FakeTenantHttp, the http, the recorded sleeps)."""
    http = http or FakeTenantHttp()
    sleep = RecordingSleep()
    policy = RetryPolicy(max_retries=max_retries, sleep=sleep, max_retry_wait=max_retry_wait, first_wait=3.0)
    credential = token if hasattr(token, 'token') else StaticTokenCredential(token)
    return GraphClient(http, ROOT, credential, policy, limiter=limiter), http, sleep
