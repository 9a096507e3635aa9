import io
import os
import sys

import pytest
import requests
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_tenant import DEMO_APP_ID, FakeTenant  # noqa: E402  pylint: disable=wrong-import-position

DEMO_SECRET = 'demo-client-secret'
GRAPH_SCOPE = 'https://graph.microsoft.com/.default'


class Client:
    """requests against one tenant; verify= is passed per call because REQUESTS_CA_BUNDLE overrides Session.verify."""

    def __init__(self, tenant):
        self.tenant = tenant
        self.session = requests.Session()
        self.session.trust_env = False
        self._tokens = {}

    @property
    def ca(self):
        return self.tenant.ca_file

    def token_response(self, client_id=DEMO_APP_ID, secret=DEMO_SECRET, scope=GRAPH_SCOPE, tenant=None, **extra):
        data = {'grant_type': 'client_credentials', 'client_id': client_id, 'scope': scope}
        if secret is not None:
            data['client_secret'] = secret
        data.update(extra)
        url = '%s/%s/oauth2/v2.0/token' % (self.tenant.authority_host, tenant or self.tenant.tenant_id)
        return self.session.post(url, data=data, verify=self.ca, timeout=30)

    def token(self, client_id=DEMO_APP_ID, secret=DEMO_SECRET, fresh=False):
        key = (client_id, secret)
        if fresh or key not in self._tokens:
            response = self.token_response(client_id, secret)
            assert response.status_code == 200, response.text
            self._tokens[key] = response.json()['access_token']
        return self._tokens[key]

    def call(self, method, path, token='default', headers=None, **kwargs):
        hdrs = dict(headers or {})
        if token == 'default':
            token = self.token()
        if token:
            hdrs['Authorization'] = 'Bearer ' + token
        url = path if path.startswith('https://') else self.tenant.graph_url + path
        kwargs.setdefault('timeout', 30)
        return self.session.request(method, url, headers=hdrs, verify=self.ca, **kwargs)

    def get(self, path, **kwargs):
        return self.call('GET', path, **kwargs)

    def put_photo(self, user, data, content_type='image/jpeg', method='PUT', **kwargs):
        return self.call(
            method,
            '/v1.0/users/%s/photo/$value' % user,
            data=data,
            headers={'Content-Type': content_type} if content_type else {},
            **kwargs,
        )

    def admin(self, method, path, **kwargs):
        return self.session.request(method, self.tenant.graph_url + '/_fake/' + path, verify=self.ca, timeout=30, **kwargs)


def make_image(size=(800, 800), color=(200, 30, 30), fmt='JPEG', mode='RGB', exif=False, **save):
    image = Image.new(mode, size, color)
    # Some structure so re-encoding is visible and renditions are not trivially constant.
    for x in range(0, size[0], 16):
        for y in range(min(size[1], 40)):
            image.putpixel((x, y), (0, 0, 0) if mode == 'RGB' else (0, 0, 0, 255))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = 'FakeCam'  # Make
        info[0x0112] = 6  # Orientation
        save['exif'] = info.tobytes()
    image.save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture(scope='session', name='tenant')
def tenant_fixture(tmp_path_factory):
    with FakeTenant(str(tmp_path_factory.mktemp('tenant'))) as running:
        yield running


@pytest.fixture(name='client')
def client_fixture(tenant):
    return Client(tenant)


@pytest.fixture
def make_tenant(tmp_path):
    """Factory for short-lived tenants with special options (faults, latency, passthrough...)."""
    started = []

    def factory(state_dir=None, **options):
        running = FakeTenant(state_dir or str(tmp_path / ('t%d' % len(started))), **options).start()
        started.append(running)
        return running, Client(running)

    yield factory
    for running in started:
        running.stop()
