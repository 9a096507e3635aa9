"""/_fake/*: test-only control and inspection API (no auth, never part of the emulated service)."""

import json

from . import imaging
from .http_types import PLAIN_JSON_CT, Response, json_response


def _ok(obj, status=200):
    return json_response(status, obj, content_type=PLAIN_JSON_CT)


def _fail(status, message):
    return json_response(status, {'error': message}, content_type=PLAIN_JSON_CT)


class AdminResource:
    """Handlers of /_fake/*: bound to the whole service, which they inspect and reconfigure."""

    def __init__(self, service):
        self.service = service

    def stats(self, _req, _params):
        return _ok(self.service.stats.snapshot())

    def reset_stats(self, _req, _params):
        self.service.stats.reset()
        return _ok({'reset': True})

    def get_config(self, _req, _params):
        return _ok(self.service.config.as_dict())

    def set_config(self, req, _params):
        return _ok(self.service.config.update(self._json(req)))

    def rotate_signing_key(self, _req, _params):
        self.service.tokens.rotate()
        return _ok({'rotated': True})

    def info(self, _req, _params):
        return _ok(self.service.info)

    def add_users(self, req, _params):
        return _ok(self.service.store.apply_seed(self._json(req)))

    @staticmethod
    def _json(req):
        body = json.loads(req.body.decode('utf-8') or '{}')
        if not isinstance(body, dict):
            raise ValueError('expected a JSON object')
        return body

    def photo_info(self, _req, params):
        return self._photo_info(params['upn'])

    def _photo_info(self, key):
        user = self.service.store.find_user(key)
        if user is None:
            return _fail(404, 'no such user %s' % key)
        record = self.service.store.photo_record(user['id']) or {}
        present = bool(record.get('present'))
        info = {
            'user_id': user['id'],
            'userPrincipalName': user['userPrincipalName'],
            'has_photo': present,
            'upload_count': record.get('upload_count', 0),
        }
        if present:
            info.update(
                {k: record[k] for k in ('sha256', 'width', 'height', 'etag', 'media_etag', 'content_type', 'size_bytes', 'updated')}
            )
        return _ok(info)

    def set_photo(self, req, params):
        """Out-of-band change (e.g. someone edits the photo in the portal): stored as sent, fresh ETags."""
        key = params['upn']
        user = self.service.store.find_user(key)
        if user is None:
            return _fail(404, 'no such user %s' % key)
        if req.method == 'DELETE':
            self.service.store.delete_photo(user['id'])
            return Response(204)
        try:
            content_type, width, height = imaging.inspect(req.body)
        except imaging.ImageRejected as exc:
            return _fail(400, str(exc))
        self.service.store.put_photo(user['id'], req.body, content_type, width, height)
        return self._photo_info(key)


class AdminApp:
    """Dispatches /_fake/* through the admin route table; a bad value is a 400, an unknown route a 404."""

    def __init__(self, routes):
        self.routes = routes

    def handle(self, req):
        match = self.routes.match(req.method, req.path)
        if match.route is None:
            return _fail(404, 'unknown admin route %s %s' % (req.method, req.path))
        try:
            return match.route.handler(req, match.params)
        except ValueError as exc:
            return _fail(400, str(exc))
