"""Graph listener: route table, bearer-token check, load model, then the resource handlers."""

from urllib.parse import unquote

from . import batch
from .directory_routes import DirectoryRoutes
from .http_types import DROP, format_seconds, graph_error
from .photo_routes import PhotoRoutes
from .tokens import TokenError

# (path pattern, {method: route key}); '*' is a path parameter, named by position below.
_USERS = '/v1.0/users/{id}'
_ROUTES = [
    (('v1.0', 'users'), {'GET': 'GET /v1.0/users'}),
    (('v1.0', 'users', '*'), {'GET': 'GET ' + _USERS}),
    (('v1.0', 'users', '*', 'photo'), {'GET': 'GET %s/photo' % _USERS, 'DELETE': 'DELETE %s/photo' % _USERS}),
    (('v1.0', 'users', '*', 'photo', '$value'), {m: '%s %s/photo/$value' % (m, _USERS) for m in ('GET', 'PUT', 'PATCH', 'DELETE')}),
    (('v1.0', 'users', '*', 'photos'), {'GET': 'GET %s/photos' % _USERS}),
    (('v1.0', 'users', '*', 'photos', '*'), {'GET': 'GET %s/photos/{size}' % _USERS}),
    (('v1.0', 'users', '*', 'photos', '*', '$value'), {'GET': 'GET %s/photos/{size}/$value' % _USERS}),
    (('v1.0', 'groups'), {'GET': 'GET /v1.0/groups'}),
    (('v1.0', 'groups', '*'), {'GET': 'GET /v1.0/groups/{id}'}),
    (('v1.0', 'groups', '*', 'members'), {'GET': 'GET /v1.0/groups/{id}/members'}),
    (('v1.0', 'groups', '*', 'transitivemembers'), {'GET': 'GET /v1.0/groups/{id}/transitiveMembers'}),
    (('v1.0', '$batch'), {'POST': 'POST /v1.0/$batch'}),
    (
        ('beta', 'admin', 'people', 'photoupdatesettings'),
        {'GET': 'GET /beta/admin/people/photoUpdateSettings', 'PATCH': 'PATCH /beta/admin/people/photoUpdateSettings'},
    ),
]
_PARAM_NAMES = {'users': ('user', 'size'), 'groups': ('group',)}


def split_path(path):
    return [unquote(p) for p in path.split('/') if p]


def resolve(method, parts):
    """(route key, path params) when the path is known; key 'OTHER' with params None otherwise."""
    lowered = [p.lower() for p in parts]
    for pattern, methods in _ROUTES:
        if len(pattern) != len(parts):
            continue
        values = []
        for want, got, raw in zip(pattern, lowered, parts):
            if want == '*':
                values.append(raw)
            elif want != got:
                break
        else:
            names = _PARAM_NAMES.get(pattern[1], ())
            params = dict(zip(names, values))
            return methods.get(method, 'OTHER'), params, methods
    return 'OTHER', None, None


class GraphRouter:
    def __init__(self, ctx, admin):
        self.ctx = ctx
        self.admin = admin
        self.directory = DirectoryRoutes(ctx)
        self.photos = PhotoRoutes(ctx, self.directory)
        self.handlers = {
            'GET /v1.0/users': self.directory.list_users,
            'GET ' + _USERS: self.directory.get_user,
            'GET %s/photo' % _USERS: self.photos.get_photo,
            'GET %s/photo/$value' % _USERS: self.photos.get_photo_value,
            'PUT %s/photo/$value' % _USERS: self.photos.put_photo,
            'PATCH %s/photo/$value' % _USERS: self.photos.put_photo,
            'DELETE %s/photo/$value' % _USERS: self.photos.delete_photo,
            'DELETE %s/photo' % _USERS: self.photos.delete_photo,
            'GET %s/photos' % _USERS: self.photos.list_photos,
            'GET %s/photos/{size}' % _USERS: self.photos.get_sized,
            'GET %s/photos/{size}/$value' % _USERS: self.photos.get_sized_value,
            'GET /v1.0/groups': self.directory.list_groups,
            'GET /v1.0/groups/{id}': self.directory.get_group,
            'GET /v1.0/groups/{id}/members': self.directory.members,
            'GET /v1.0/groups/{id}/transitiveMembers': self.directory.transitive_members,
            'GET /beta/admin/people/photoUpdateSettings': self.directory.get_settings,
            'PATCH /beta/admin/people/photoUpdateSettings': self.directory.patch_settings,
        }

    @staticmethod
    def route_key(method, path):
        return resolve(method, split_path(path))[0]

    def authenticate(self, req):
        header = req.headers.get('authorization', '')
        scheme, _sep, token = header.partition(' ')
        if scheme.lower() != 'bearer':
            token = ''
        try:
            return self.ctx.tokens.validate(token.strip()), None
        except TokenError as exc:
            return None, graph_error(
                req,
                401,
                'InvalidAuthenticationToken',
                str(exc),
                {
                    'WWW-Authenticate': 'Bearer realm="", authorization_uri="%s/%s/oauth2/authorize", '
                    'client_id="%s"' % (self.ctx.authority_host, self.ctx.store.tenant_id, '00000003-0000-0000-c000-000000000000')
                },
            )

    def handle(self, req, claims=None):
        """Route one request (top-level or $batch item) and return (stats route key, Response)."""
        parts = split_path(req.path)
        if parts and parts[0] == '_fake' and not req.batch_item:
            return None, self.admin.handle(req, parts[1:])
        key, params, methods = resolve(req.method, parts)
        if claims is None:
            claims, error = self.authenticate(req)
            if error is not None:
                return key, error
        if methods is None:
            segment = parts[-1] if parts else ''
            return key, graph_error(req, 400, 'BadRequest', "Resource not found for the segment '%s'." % segment)
        if key == 'OTHER':
            return key, graph_error(req, 405, 'Request_BadRequest', "The HTTP method '%s' is not allowed for this resource." % req.method)
        if key == 'POST /v1.0/$batch':
            if req.batch_item:
                return key, graph_error(req, 400, 'BadRequest', 'A $batch request cannot be nested in a batch.')
            fault = self.ctx.service.roll_fault(allow_drop=True)
            if fault is not None:
                return key, self._fault_response(req, fault)
            return key, batch.handle(self, req, claims)
        return key, self._serve(req, claims, self.handlers[key], params)

    def _serve(self, req, claims, handler, params):
        service = self.ctx.service
        app = claims.get('appid', '')
        if not service.try_acquire(app):
            return graph_error(
                req,
                429,
                'TooManyRequests',
                'Application is over its MailboxConcurrency limit.',
                {'Retry-After': format_seconds(self.ctx.config.retry_after)},
            )
        try:
            service.hold()
            fault = service.roll_fault(allow_drop=not req.batch_item)
            if fault is not None:
                return self._fault_response(req, fault)
            return handler(req, claims, params)
        finally:
            service.release(app)

    def _fault_response(self, req, fault):
        if fault == 'drop':
            return DROP
        headers = {'Retry-After': format_seconds(self.ctx.config.retry_after)} if fault == '503-retry-after' else None
        return graph_error(req, 503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.', headers)
