"""/users/{id}/photo and /photos: metadata, bytes, renditions, upload and delete."""

import hashlib
import threading
import time

from . import imaging
from .http_types import Response, format_seconds, graph_error, json_response

MAX_PHOTO_BYTES = 4 * 1024 * 1024
PHOTO_READ = frozenset(
    [
        'ProfilePhoto.Read.All',
        'ProfilePhoto.ReadWrite.All',
        'User.Read.All',
        'User.ReadWrite.All',
        'Directory.Read.All',
        'Directory.ReadWrite.All',
    ]
)
PHOTO_WRITE = frozenset(['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'])
NOT_FOUND_MESSAGE = "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown."
POLICY_MESSAGE = "Photo updates are blocked by the organization's photo update policy."
ACCEPTED_TYPES = ('image/jpeg', 'image/png')


# What a proxy's error or login page looks like; never an image, never JSON.
HTML_PAGE = b'<!DOCTYPE html><html><head><title>Gateway</title></head><body><p>Sign in to continue</p></body></html>'
# The legacy "no photo" answer (reference section 4): a 1x1 GIF with an empty ETag.
PLACEHOLDER_GIF = (
    b'GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00'
    b',\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;'
)


# The photo endpoints answer a missing role with Exchange's code, not the directory's Authorization_RequestDenied.
ACCESS_DENIED_MESSAGE = 'Access is denied. Check credentials and try again.'


def image_not_found(req):
    return graph_error(req, 404, 'ImageNotFound', NOT_FOUND_MESSAGE)


def access_denied(req):
    return graph_error(req, 403, 'ErrorAccessDenied', ACCESS_DENIED_MESSAGE)


class PhotoResource:
    """Handlers of the photo routes; needs the store, the runtime config, the rendition cache and the directory."""

    def __init__(self, store, config, renditions, directory, graph_url, tenant_id=''):
        self.store = store
        self.config = config
        self.renditions = renditions
        self.users = directory  # DirectoryResource, for lookups and the 404 shape
        self.graph_url = graph_url
        self.tenant_id = tenant_id
        # visibility_delay: user id -> (the record reads still show, or None for "no photo"; monotonic time it ends)
        self._stale = {}
        self._stale_lock = threading.Lock()

    # ----- shared gates ---------------------------------------------------------------
    def _user(self, req, claims, key, roles):
        if roles.isdisjoint(claims.get('roles') or ()):
            return None, access_denied(req)
        user, missing = self.users.lookup(req, key)
        if missing is not None:
            if self.config.unknown_user_photo == 'ImageNotFound':
                return None, image_not_found(req)  # what live tenants answer for an unknown UPN (reference §4)
            return None, missing
        scenario = self._scenario_error(req, user)
        return user, scenario

    def _scenario_error(self, req, user):
        """Per-user behaviour that the live service shows for some mailboxes; see docs/fake-tenant.md."""
        scenario = user.get('scenario')
        if not scenario:
            return None
        write = req.method in ('PUT', 'PATCH', 'DELETE')
        if scenario == 'mailbox_on_premises':
            return graph_error(
                req, 404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'
            )
        if scenario == 'mailbox_not_hosted':
            return graph_error(
                req, 404, 'MailboxNotHostedInExchangeOnline', 'The mailbox is hosted on-premises and cannot be reached through this API.'
            )
        if scenario == 'access_denied':
            return access_denied(req)
        if scenario == 'throttled':
            return graph_error(
                req, 429, 'TooManyRequests', 'Please retry again later.', {'Retry-After': format_seconds(self.config.retry_after)}
            )
        if scenario == 'service_unavailable':
            return graph_error(
                req,
                503,
                'ServiceUnavailable',
                'Service is temporarily unavailable.',
                {'Retry-After': format_seconds(self.config.retry_after)},
            )
        if scenario == 'service_unavailable_no_retry_after':
            return graph_error(req, 503, 'ServiceUnavailable', 'Service is temporarily unavailable.')
        if scenario == 'photo_update_blocked' and write:
            return graph_error(req, 403, 'ErrorAccessDenied', POLICY_MESSAGE)
        return self._hostile_answer(req, scenario, write)

    def _hostile_answer(self, req, scenario, write):
        """Answers a client must survive (docs/fake-tenant.md, hostile scenarios): proxies and gateways
        that answer HTML, a JSON list where an object belongs, a Retry-After of an hour."""
        headers = {'request-id': req.request_id, 'client-request-id': req.client_request_id}
        if scenario == 'html_200' and not write:
            return Response(200, HTML_PAGE, dict(headers, **{'Content-Type': 'text/html; charset=utf-8'}))
        if scenario == 'json_list' and not write:
            return Response(200, b'[{"id": "648x648"}]', dict(headers, **{'Content-Type': 'application/json'}))
        if scenario == 'html_502':
            return Response(502, HTML_PAGE, dict(headers, **{'Content-Type': 'text/html; charset=utf-8'}))
        if scenario == 'retry_after_long':
            return graph_error(req, 429, 'TooManyRequests', 'Please retry again later.', {'Retry-After': '3600'})
        return None

    def _metadata(self, user, record, size=None):
        base = self.graph_url + '/v1.0'
        if size is None:
            return {
                '@odata.context': "%s/$metadata#users('%s')/photo/$entity" % (base, user['id']),
                '@odata.id': "%s/v2/%s/users('%s')/photo" % (self.graph_url, self.tenant_id, user['id']),
                '@odata.mediaContentType': record['content_type'],
                '@odata.mediaEtag': '"%s"' % record['media_etag'],
                'id': '%dx%d' % (record['width'], record['height']),
                'width': record['width'],
                'height': record['height'],
            }
        return {
            '@odata.context': "%s/$metadata#users('%s')/photos/$entity" % (base, user['id']),
            '@odata.mediaContentType': 'image/jpeg',
            '@odata.mediaEtag': '"%s"' % _derived(record['media_etag'], size)[:8].upper(),
            'id': '%dx%d' % (size, size),
            'width': size,
            'height': size,
        }

    @staticmethod
    def _bytes_response(data, content_type, etag):
        return Response(200, data, {'Content-Type': content_type, 'ETag': 'W/"%s"' % etag, 'Cache-Control': 'max-age=21600, private'})

    # ----- reads --------------------------------------------------------------------------
    def _visible(self, uid):
        """The stored photo as reads see it: for visibility_delay seconds after a write, the state before it
        (the current setting counts, so setting it to 0 ends every window)."""
        with self._stale_lock:
            stale = self._stale.get(uid.lower())
            if stale is not None:
                if time.monotonic() < stale[1] + self.config.visibility_delay:
                    return stale[0]
                del self._stale[uid.lower()]
        return self.store.get_photo(uid)

    def _remember_before_write(self, uid):
        """visibility_delay: reads keep answering what they answered before this write, for N seconds."""
        if self.config.visibility_delay <= 0:
            return
        before = self._visible(uid)
        if before is not None:
            before = dict(before)
        with self._stale_lock:
            self._stale[uid.lower()] = (before, time.monotonic())

    def _stored_photo(self, req, claims, params):
        """(user, stored photo, None) for a readable user with a photo, else (None, None, error response)."""
        user, error = self._user(req, claims, params['id'], PHOTO_READ)
        if error is not None:
            return None, None, error
        record = self._visible(user['id'])
        if record is None:
            return user, None, image_not_found(req)
        return user, record, None

    def _placeholder(self, user, record):
        """The documented "no photo" 200 (1x1 GIF, empty mediaEtag): setting empty_photo=gif, or scenario legacy_placeholder."""
        return record is None and user is not None and (self.config.empty_photo == 'gif' or user.get('scenario') == 'legacy_placeholder')

    def get_photo(self, req, claims, params):
        user, record, error = self._stored_photo(req, claims, params)
        if self._placeholder(user, record):
            base = self.graph_url + '/v1.0'
            return json_response(
                200,
                {
                    '@odata.context': "%s/$metadata#users('%s')/photo/$entity" % (base, user['id']),
                    '@odata.id': "%s/v2/%s/users('%s')/photo" % (self.graph_url, self.tenant_id, user['id']),
                    '@odata.mediaContentType': 'image/gif',
                    '@odata.mediaEtag': '',
                    'id': '1x1',
                    'width': 1,
                    'height': 1,
                },
            )
        if error is not None:
            return error
        return json_response(200, self._metadata(user, record))

    def get_photo_value(self, req, claims, params):
        user, record, error = self._stored_photo(req, claims, params)
        if self._placeholder(user, record):
            return Response(200, PLACEHOLDER_GIF, {'Content-Type': 'image/gif', 'ETag': ''})
        if error is not None:
            return error
        return self._bytes_response(record['data'], record['content_type'], record['etag'])

    def list_photos(self, req, claims, params):
        user, record, error = self._stored_photo(req, claims, params)
        if error is not None:
            return error
        values = []
        for size in imaging.available_sizes(record['width'], record['height']):
            item = self._metadata(user, record, size)
            del item['@odata.context']
            values.append(item)
        return json_response(
            200, {'@odata.context': "%s/v1.0/$metadata#users('%s')/photos" % (self.graph_url, user['id']), 'value': values}
        )

    def _sized(self, req, claims, params):
        user, record, error = self._stored_photo(req, claims, params)
        if error is not None:
            return None, None, None, error
        size = imaging.parse_size(params['size'])
        if size is None or size not in imaging.available_sizes(record['width'], record['height']):
            return None, None, None, image_not_found(req)
        return user, record, size, None

    def get_sized(self, req, claims, params):
        user, record, size, error = self._sized(req, claims, params)
        if error is not None:
            return error
        return json_response(200, self._metadata(user, record, size))

    def get_sized_value(self, req, claims, params):
        _user, record, size, error = self._sized(req, claims, params)
        if error is not None:
            return error
        data = self.renditions.rendition(record['etag'], size, record['data'], self.config.jpeg_quality)
        return self._bytes_response(data, 'image/jpeg', _derived(record['etag'], size))

    # ----- writes -------------------------------------------------------------------------
    def _write_gate(self, req, claims, params):
        if PHOTO_WRITE.isdisjoint(claims.get('roles') or ()):
            return None, access_denied(req)
        if req.method != 'DELETE' and len(req.body) > MAX_PHOTO_BYTES:
            return None, graph_error(
                req,
                413,
                'RequestEntityTooLarge',
                'The request body is too large. The maximum photo size is 4 MB (%d bytes).' % MAX_PHOTO_BYTES,
            )
        user, error = self._user(req, claims, params['id'], PHOTO_WRITE)
        if error is not None:
            return None, error
        if self.store.settings.get('source') == 'onPremises':
            return None, graph_error(req, 403, 'ErrorAccessDenied', POLICY_MESSAGE)
        return user, None

    def put_photo(self, req, claims, params):
        user, error = self._write_gate(req, claims, params)
        if error is not None:
            return error
        content_type = req.content_type()
        if content_type == 'application/octet-stream':
            # Reported for the live service (msgraph-sdk-dotnet#237): octet-stream fails server-side.
            return graph_error(req, 500, 'ErrorInternalServerError', 'An internal server error occurred. The operation failed.')
        if content_type not in ACCEPTED_TYPES:
            return graph_error(
                req,
                400,
                'ErrorInvalidImage',
                "The content type '%s' is not supported for profile photos; use image/jpeg or image/png." % (content_type or '(none)'),
            )
        config = self.config
        try:
            data, stored_type, width, height = imaging.process_upload(req.body, config.mode, config.jpeg_quality, config.max_dimension)
        except imaging.ImageRejected as exc:
            return graph_error(req, 400, 'ImageInvalid', str(exc))
        self._remember_before_write(user['id'])
        self.store.put_photo(user['id'], data, stored_type, width, height)
        return Response(200)

    def delete_photo(self, req, claims, params):
        user, error = self._write_gate(req, claims, params)
        if error is not None:
            return error
        if self.store.get_photo(user['id']) is None:
            return image_not_found(req)
        self._remember_before_write(user['id'])
        if not self.store.delete_photo(user['id']):
            return image_not_found(req)
        return Response(200)  # v1.0 profilephoto-delete: 200 OK


def _derived(etag, size):
    return hashlib.sha256(('%s/%d' % (etag, size)).encode('ascii')).hexdigest()
