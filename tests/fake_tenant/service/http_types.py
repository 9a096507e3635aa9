"""Transport-neutral request/response objects.

Routers work on these instead of on the socket handler, so a $batch
sub-request goes through exactly the same code as a top-level request.
"""

import datetime
import json
import uuid

JSON_CT = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8'
PLAIN_JSON_CT = 'application/json; charset=utf-8'


class Request:
    __slots__ = ('method', 'path', 'query', 'headers', 'body', 'request_id', 'client_request_id', 'batch_item', 'arrived')

    def __init__(self, method, path, query, headers, body=b'', batch_item=False, arrived=None):
        self.method = method.upper()
        self.path = path
        self.query = query  # dict name -> list of values (urllib.parse.parse_qs shape)
        self.headers = headers  # lower-cased names
        self.body = body
        self.batch_item = batch_item
        self.arrived = arrived  # time.monotonic() when the request line was read; the latency counts from there
        self.request_id = str(uuid.uuid4())
        # Graph echoes the caller's id, or repeats its own request-id when none was sent.
        self.client_request_id = headers.get('client-request-id') or self.request_id

    def param(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    def content_type(self):
        return self.headers.get('content-type', '').split(';', 1)[0].strip().lower()


class Response:
    __slots__ = ('status', 'headers', 'body', 'drop')

    def __init__(self, status, body=b'', headers=None, drop=False):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.drop = drop

    def json(self):
        return json.loads(self.body.decode('utf-8')) if self.body else None


DROP = Response(0, drop=True)


def json_response(status, obj, headers=None, content_type=JSON_CT):
    hdrs = {'Content-Type': content_type}
    hdrs.update(headers or {})
    return Response(status, json.dumps(obj, separators=(',', ':')).encode('utf-8'), hdrs)


def utc_stamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')


def graph_error(req, status, code, message, headers=None):
    body = {
        'error': {
            'code': code,
            'message': message,
            'innerError': {'date': utc_stamp(), 'request-id': req.request_id, 'client-request-id': req.client_request_id},
        }
    }
    return json_response(status, body, headers)


def format_seconds(value):
    """Retry-After as Graph sends it: plain number, fractional when needed ("0.1", "2.128")."""
    text = ('%.3f' % float(value)).rstrip('0').rstrip('.')
    return text or '0'
