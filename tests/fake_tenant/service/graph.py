"""Graph listener: bearer-token check, load model, then the handler the route table names."""

from . import batch
from .http_types import DROP, format_seconds, graph_error
from .routing import split_path
from .tokens import GRAPH_APP_ID, TokenError

BATCH_KEY = 'POST /v1.0/$batch'


class GraphApp:
    """Dispatches one Graph request (top-level or $batch item) through ``routes``; ``/_fake/*`` goes to ``admin``."""

    def __init__(self, routes, admin, tokens, load, stats, config, site, tenant_id):
        self.routes = routes
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
        return key, self._serve(req, claims, match.route.handler, match.params)

    def _serve(self, req, claims, handler, params):
        load = self.load
        app = claims.get('appid', '')
        if not load.try_acquire(app):
            return graph_error(
                req,
                429,
                'TooManyRequests',
                'Application is over its MailboxConcurrency limit.',
                {'Retry-After': format_seconds(self.config.retry_after)},
            )
        try:
            load.hold()
            fault = load.roll_fault(allow_drop=not req.batch_item)
            if fault is not None:
                return self._fault_response(req, fault)
            return handler(req, claims, params)
        finally:
            load.release(app)

    def _fault_response(self, req, fault):
        if fault == 'drop':
            return DROP
        headers = {'Retry-After': format_seconds(self.config.retry_after)} if fault == '503-retry-after' else None
        return graph_error(req, 503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.', headers)
