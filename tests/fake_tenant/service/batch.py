"""POST /v1.0/$batch: JSON batching with dependsOn, executed through the normal router."""

import base64
import binascii
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from .http_types import Request, graph_error, json_response

MAX_REQUESTS = 20
# The properties of a batch request item (json-batching.md); anything else, e.g. a misspelt 'depends_on', is refused.
ITEM_KEYS = frozenset(['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup'])
PARALLELISM = 4  # Outlook-backed workloads run up to four batch items at a time
_SKIP_HEADERS = ('content-length', 'date', 'connection', 'request-id', 'client-request-id')


class BatchError(Exception):
    pass


def _validate(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get('requests'), list):
        raise BatchError('Invalid batch payload format.')
    items = payload['requests']
    if not items:
        raise BatchError('Invalid batch payload format: the batch contains no requests.')
    if len(items) > MAX_REQUESTS:
        raise BatchError('The number of requests in the batch (%d) exceeds the limit of %d.' % (len(items), MAX_REQUESTS))
    seen = {}
    for item in items:
        if not isinstance(item, dict) or not item.get('method') or not isinstance(item.get('url'), str) or item.get('id') in (None, ''):
            raise BatchError('Invalid batch payload format: every request needs id, method and url.')
        ident = str(item['id'])
        unknown = sorted(set(item) - ITEM_KEYS)
        if unknown:
            raise BatchError("Invalid batch payload format: request %s has the unknown property '%s'." % (ident, unknown[0]))
        if ident in seen:
            raise BatchError('Request ID %s is duplicated.' % ident)
        seen[ident] = item
        url = item['url']
        if '://' in url:
            raise BatchError("Request %s: batch request URLs must be relative, e.g. '/users/{id}'." % ident)
        if item.get('body') is not None and not _header(item, 'content-type'):
            raise BatchError('Write request id : %s does not contain Content-Type header or body.' % ident)
    for item in items:
        for dep in _depends(item):
            if dep not in seen or dep == str(item['id']):
                raise BatchError("Request %s depends on unknown request id '%s'." % (item['id'], dep))
    return items


def _depends(item):
    deps = item.get('dependsOn') or []
    return [str(d) for d in (deps if isinstance(deps, list) else [deps])]


def _header(item, name):
    for key, value in (item.get('headers') or {}).items():
        if key.lower() == name:
            return value
    return None


def _decode_body(item):
    body = item.get('body')
    if body is None:
        return b''
    content_type = (_header(item, 'content-type') or '').split(';')[0].strip().lower()
    if isinstance(body, (dict, list)) or content_type == 'application/json':
        return json.dumps(body).encode('utf-8') if not isinstance(body, str) else body.encode('utf-8')
    if content_type.startswith('text/'):
        return str(body).encode('utf-8')
    # Binary bodies travel as base64; the docs say base64url, Microsoft's own sample sends standard base64.
    text = ''.join(str(body).split())
    text += '=' * (-len(text) % 4)
    if '-' in text or '_' in text:
        text = text.replace('-', '+').replace('_', '/')
    return base64.b64decode(text, validate=True)


def _sub_request(outer, item):
    split = urlsplit(item['url'] if item['url'].startswith('/') else '/' + item['url'])
    headers = {k.lower(): str(v) for k, v in (item.get('headers') or {}).items()}
    if 'client-request-id' not in headers:
        headers['client-request-id'] = outer.client_request_id
    return Request(
        item['method'], '/v1.0' + split.path, parse_qs(split.query, keep_blank_values=True), headers, _decode_body(item), batch_item=True
    )


def _to_item(ident, response):
    headers = {k: v for k, v in response.headers.items() if k.lower() not in _SKIP_HEADERS}
    item = {'id': ident, 'status': response.status, 'headers': headers}
    if response.body:
        if headers.get('Content-Type', '').startswith('application/json'):
            item['body'] = json.loads(response.body.decode('utf-8'))
        else:
            item['body'] = base64.b64encode(response.body).decode('ascii')
    return item


def handle(router, req, claims):
    try:
        items = _validate(json.loads(req.body.decode('utf-8')))
    except (ValueError, UnicodeDecodeError):
        return graph_error(req, 400, 'BadRequest', 'Invalid batch payload format.')
    except BatchError as exc:
        return graph_error(req, 400, 'BadRequest', str(exc))
    results = {}
    pending = list(items)

    def run(item):
        ident = str(item['id'])
        failed = [d for d in _depends(item) if results[d]['status'] >= 400]
        if failed:
            response = graph_error(req, 424, 'FailedDependency', 'The request could not be executed because request %s failed.' % failed[0])
            key = router.route_key(str(item['method']).upper(), '/v1.0/' + item['url'].split('?')[0].lstrip('/'))
        else:
            try:
                sub = _sub_request(req, item)
            except (ValueError, binascii.Error):
                return ident, None, graph_error(req, 400, 'BadRequest', 'The request body is not valid base64.')
            key, response = router.handle(sub, claims)
        return ident, key, response

    with ThreadPoolExecutor(max_workers=PARALLELISM) as pool:
        while pending:
            ready = [i for i in pending if all(d in results for d in _depends(i))]
            if not ready:  # a dependency cycle: nothing can ever run
                return graph_error(req, 400, 'BadRequest', 'The dependsOn graph of the batch contains a cycle.')
            pending = [i for i in pending if i not in ready]
            for ident, key, response in pool.map(run, ready):
                router.stats.record(key or 'OTHER', _method_of(items, ident), response.status, batch_item=True)
                results[ident] = _to_item(ident, response)
    return json_response(200, {'responses': [results[str(i['id'])] for i in items]})


def _method_of(items, ident):
    for item in items:
        if str(item['id']) == ident:
            return str(item['method']).upper()
    return 'OTHER'
