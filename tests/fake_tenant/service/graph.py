"""Graph listener: bearer-token check, load model, then the handler the route table names."""

import json
import re

from . import batch
from .http_types import DROP, Response, format_seconds, graph_error
from .load import CONCURRENCY_MESSAGE, THROTTLE_CODE, WRITE_METHODS, Throttled
from .routing import split_path
from .tokens import GRAPH_APP_ID, TokenError

BATCH_KEY = 'POST /v1.0/$batch'
# Key-as-function form of Microsoft's examples: /users('$x@contoso.com') names the same user as /users/$x@contoso.com.
KEY_SEGMENT = re.compile(r"^(users|groups)\('(.*)'\)$", re.IGNORECASE | re.DOTALL)
# The MailboxConcurrency 429 carries this code live (learn Q&A 734143, 1660054); rate limits keep TooManyRequests.
CONCURRENCY_CODE = 'ApplicationThrottled'
# Errors the live service was seen wrapping in UnknownError (setting wrap_errors): not throttling, not 5xx.
WRAPPED_STATUSES = (400, 403, 404, 413)


def key_form(parts):
    """Path segments with ``users('key')`` split into ``users``, ``key`` (quotes undoubled)."""
    out = []
    for part in parts:
        match = KEY_SEGMENT.match(part)
        if match:
            out += [match.group(1), match.group(2).replace("''", "'")]
        else:
            out.append(part)
    return out


def wrap_unknown_error(response):
    """The live shape of microsoft-graph-docs#11992: code UnknownError, the real error as JSON text in message."""
    try:
        error = json.loads(response.body.decode('utf-8'))['error']
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return response
    inner = {'error': {'code': error.get('code'), 'message': error.get('message')}}
    error = dict(error, code='UnknownError', message=json.dumps(inner))
    return Response(response.status, json.dumps({'error': error}, separators=(',', ':')).encode('utf-8'), response.headers)


class GraphApp:
    """Dispatches one Graph request (top-level or $batch item) through ``routes``; ``/_fake/*`` goes to ``admin``."""

    def __init__(self, routes, admin, tokens, load, stats, config, site, tenant_id, find_user):
        self.routes = routes
        self.find_user = find_user  # UPN or id -> user, so both spellings name one mailbox
        self.admin = admin
        self.tokens = tokens
        self.load = load
        self.stats = stats
        self.config = config
        self.site = site
        self.tenant_id = tenant_id

    def route_key(self, method, path):
        return self.routes.match(method, path).key

    def authenticate(self, req):
        header = req.headers.get('authorization', '')
        scheme, _sep, token = header.partition(' ')
        if scheme.lower() != 'bearer':
            token = ''
        try:
            return self.tokens.validate(token.strip()), None
        except TokenError as exc:
            return None, graph_error(
                req,
                401,
                'InvalidAuthenticationToken',
                str(exc),
                {
                    'WWW-Authenticate': 'Bearer realm="", authorization_uri="%s/%s/oauth2/authorize", '
                    'client_id="%s"' % (self.site.authority_host, self.tenant_id, GRAPH_APP_ID)
                },
            )

    def handle(self, req, claims=None):
        """(stats route key, Response); the key is None for /_fake calls, which are not counted."""
        parts = split_path(req.path)
        if parts and parts[0] == '_fake' and not req.batch_item:
            return None, self.admin.handle(req)
        parts = key_form(parts)
        match = self.routes.match(req.method, parts)
        key = match.key
        if claims is None:
            claims, error = self.authenticate(req)
            if error is not None:
                return key, error
        if not match.path_known:
            segment = parts[-1] if parts else ''
            return key, graph_error(req, 400, 'BadRequest', "Resource not found for the segment '%s'." % segment)
        if match.route is None:
            return key, graph_error(req, 405, 'Request_BadRequest', "The HTTP method '%s' is not allowed for this resource." % req.method)
        if key == BATCH_KEY:
            if req.batch_item:
                return key, graph_error(req, 400, 'BadRequest', 'A $batch request cannot be nested in a batch.')
            fault = self.load.roll_fault(allow_drop=True)
            if fault is not None:
                return key, self._fault_response(req, fault)
            return key, batch.handle(self, req, claims)
        return key, self._serve(req, claims, match.route, match.params)

    def _mailbox(self, route, params):
        if not route.mailbox:
            return None
        user = self.find_user(params['id'])
        return user['id'].lower() if user is not None else params['id'].lower()

    def _serve(self, req, claims, route, params):
        """Load model (refusals do no work) -> fault roll -> handler, the latency overlapping the work."""
        load = self.load
        write = req.method in WRITE_METHODS
        admission = load.admit(claims.get('appid', ''), self._mailbox(route, params), write, req.arrived)
        if isinstance(admission, Throttled):
            code = CONCURRENCY_CODE if admission.message == CONCURRENCY_MESSAGE else THROTTLE_CODE
            return graph_error(req, 429, code, admission.message, {'Retry-After': format_seconds(admission.retry_after)})
        try:
            fault = load.roll_fault(allow_drop=not req.batch_item)
            if fault is not None:
                load.finish(admission)
                return self._fault_response(req, fault)
            response = route.handler(req, claims, params)
            if route.mailbox and response.status in WRAPPED_STATUSES and self.config.wrap_errors:
                response = wrap_unknown_error(response)
            over_latency = load.finish(admission)
            if response.status == 429:
                self.stats.throttle('scenario')  # an injected per-user 429 (seed scenario 'throttled')
            else:
                self.stats.op(write, over_latency)
            return response
        finally:
            load.release(admission)

    def _fault_response(self, req, fault):
        if fault == 'drop':
            return DROP
        if fault == '429':
            return graph_error(
                req, 429, THROTTLE_CODE, 'Please retry again later.', {'Retry-After': format_seconds(self.config.retry_after)}
            )
        headers = {'Retry-After': format_seconds(self.config.retry_after)} if fault == '503-retry-after' else None
        return graph_error(req, 503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.', headers)
