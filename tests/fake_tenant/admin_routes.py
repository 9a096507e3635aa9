"""/_fake/*: test-only control and inspection API (no auth, never part of the emulated service)."""

import json

from . import imaging
from .http_types import PLAIN_JSON_CT, Response, json_response


def _ok(obj, status=200):
    return json_response(status, obj, content_type=PLAIN_JSON_CT)


def _fail(status, message):
    return json_response(status, {'error': message}, content_type=PLAIN_JSON_CT)


class AdminRoutes:
    def __init__(self, ctx):
        self.ctx = ctx

    def handle(self, req, parts):
        method = req.method
        route = '/'.join(parts)
        try:
            if route == 'stats' and method == 'GET':
                return _ok(self.ctx.stats.snapshot())
            if route == 'reset-stats' and method == 'POST':
                self.ctx.stats.reset()
                return _ok({'reset': True})
            if route == 'config' and method == 'GET':
                return _ok(self.ctx.config.as_dict())
            if route == 'config' and method == 'POST':
                return _ok(self.ctx.config.update(self._json(req)))
            if route == 'rotate-signing-key' and method == 'POST':
                self.ctx.tokens.rotate()
                return _ok({'rotated': True})
            if route == 'info' and method == 'GET':
                return _ok(self.ctx.info)
            if route == 'users' and method == 'POST':
                return _ok(self.ctx.store.apply_seed(self._json(req)))
            if len(parts) == 3 and parts[0] == 'users' and parts[2] == 'photo-info' and method == 'GET':
                return self.photo_info(parts[1])
            if len(parts) == 3 and parts[0] == 'users' and parts[2] == 'photo' and method in ('PUT', 'DELETE'):
                return self.set_photo(req, parts[1])
        except ValueError as exc:
            return _fail(400, str(exc))
        return _fail(404, 'unknown admin route %s %s' % (method, '/_fake/' + route))

    @staticmethod
    def _json(req):
        body = json.loads(req.body.decode('utf-8') or '{}')
        if not isinstance(body, dict):
            raise ValueError('expected a JSON object')
        return body

    def photo_info(self, key):
        user = self.ctx.store.find_user(key)
        if user is None:
            return _fail(404, 'no such user %s' % key)
        record = self.ctx.store.photo_record(user['id']) or {}
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

    def set_photo(self, req, key):
        """Out-of-band change (e.g. someone edits the photo in the portal): stored as sent, fresh ETags."""
        user = self.ctx.store.find_user(key)
        if user is None:
            return _fail(404, 'no such user %s' % key)
        if req.method == 'DELETE':
            self.ctx.store.delete_photo(user['id'])
            return Response(204)
        try:
            content_type, width, height = imaging.inspect(req.body)
        except imaging.ImageRejected as exc:
            return _fail(400, str(exc))
        self.ctx.store.put_photo(user['id'], req.body, content_type, width, height)
        return self.photo_info(key)
