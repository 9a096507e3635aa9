"""Route tables: (method, path pattern) -> handler, one table per emulated service (as moto's urls.py).

A pattern is written the way the stats report it: ``/v1.0/users/{id}/photos/{size}/$value``.
``{name}`` matches one path segment and is passed to the handler in ``params``; the other
segments are literals. The stats key of a route is ``"<METHOD> <pattern>"`` unless the route
says otherwise (``key=None``: not counted per route, reported as ``OTHER``).
"""

from urllib.parse import unquote

OTHER = 'OTHER'


def split_path(path):
    return [unquote(part) for part in path.split('/') if part]


class Route:
    """``mailbox=True``: the route reads or writes the mailbox of the user ``{id}`` (Outlook limits apply)."""

    __slots__ = ('method', 'pattern', 'segments', 'handler', 'key', 'mailbox')

    def __init__(self, method, pattern, handler, key='', mailbox=False):
        self.method = method
        self.pattern = pattern
        self.segments = tuple(split_path(pattern))
        self.handler = handler
        self.key = '%s %s' % (method, pattern) if key == '' else (key or OTHER)
        self.mailbox = mailbox


class Match:
    """Outcome of a lookup: ``route`` when method and path match; ``path_known`` when only the path does."""

    __slots__ = ('route', 'params', 'path_known')

    def __init__(self, route=None, params=None, path_known=False):
        self.route = route
        self.params = params or {}
        self.path_known = path_known or route is not None

    @property
    def key(self):
        return self.route.key if self.route is not None else OTHER


class RouteTable:
    def __init__(self, routes, case_insensitive=False):
        self.routes = list(routes)
        self.case_insensitive = case_insensitive

    def _literal(self, text):
        return text.lower() if self.case_insensitive else text

    def _params(self, route, parts):
        if len(route.segments) != len(parts):
            return None
        params = {}
        for want, got in zip(route.segments, parts):
            if want.startswith('{') and want.endswith('}'):
                params[want[1:-1]] = got
            elif self._literal(want) != self._literal(got):
                return None
        return params

    def match(self, method, path):
        parts = split_path(path) if isinstance(path, str) else path
        path_known = False
        for route in self.routes:
            params = self._params(route, parts)
            if params is None:
                continue
            if route.method == method:
                return Match(route, params)
            path_known = True
        return Match(path_known=path_known)
