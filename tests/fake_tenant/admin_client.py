"""Convenience calls against a running tenant (in-process or subprocess), stdlib only."""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

from .service import seed as seedmod


class AdminClientMixin:
    """Needs self.info (the start-up JSON) and self.ca_file."""

    def _opener(self):
        context = ssl.create_default_context(cafile=self.ca_file)
        # No proxies: the tenant is on loopback and proxy variables must not reroute it.
        return urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))

    def http(self, method, url, body=None, headers=None):
        """(status, headers, body bytes) for any request; HTTP errors are returned, not raised."""
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with self._opener().open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def _admin(self, method, path, payload=None, raw=None):
        body = raw if raw is not None else (json.dumps(payload).encode('utf-8') if payload is not None else None)
        status, _headers, data = self.http(method, self.info['graph_url'] + '/_fake/' + path, body)
        if status >= 400:
            raise RuntimeError('admin %s %s failed: %d %s' % (method, path, status, data[:300]))
        return json.loads(data.decode('utf-8')) if data else None

    def stats(self):
        return self._admin('GET', 'stats')

    def reset_stats(self):
        return self._admin('POST', 'reset-stats', {})

    def get_config(self):
        return self._admin('GET', 'config')

    def set_config(self, **values):
        return self._admin('POST', 'config', values)

    def rotate_signing_key(self):
        return self._admin('POST', 'rotate-signing-key', {})

    def photo_info(self, upn):
        return self._admin('GET', 'users/%s/photo-info' % urllib.parse.quote(upn))

    def set_photo_out_of_band(self, upn, data):
        return self._admin('PUT', 'users/%s/photo' % urllib.parse.quote(upn), raw=data)

    def add_users(self, seed_like):
        return self._admin('POST', 'users', seed_like)

    def token(self, client_id=seedmod.DEMO_APP_ID, client_secret='demo-client-secret'):
        """Client-credentials access token through the real token endpoint."""
        form = urllib.parse.urlencode(
            {
                'grant_type': 'client_credentials',
                'client_id': client_id,
                'client_secret': client_secret,
                'scope': 'https://graph.microsoft.com/.default',
            }
        ).encode('ascii')
        url = '%s/%s/oauth2/v2.0/token' % (self.info['authority_host'], self.info['tenant_id'])
        status, _headers, data = self.http('POST', url, form, {'Content-Type': 'application/x-www-form-urlencoded'})
        if status != 200:
            raise RuntimeError('token request failed: %d %s' % (status, data[:300]))
        return json.loads(data.decode('utf-8'))['access_token']
