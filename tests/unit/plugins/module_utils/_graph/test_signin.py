# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sign-in with msal against a stub Entra endpoint (no network), the token cache file, certificates."""

from __future__ import annotations

import base64
import datetime
import json
import os
import stat
import threading
from urllib.parse import parse_qs

import pytest
from ansible_collections.m365.photos.plugins.module_utils._graph import signin
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import AuthError
from ansible_collections.m365.photos.plugins.module_utils._graph.token_cache import PersistentTokenCache
from ansible_collections.m365.photos.tests.unit.plugins.module_utils.graph_stub import response
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

AUTHORITY = 'https://login.test'
TENANT = 'contoso'
RESOURCE = 'https://graph.microsoft.com'


class StubEntra:
    """msal's http_client: answers the tenant discovery and the token endpoint, recording the token requests."""

    def __init__(self, error=None):
        self.token_requests = []
        self.error = error
        self.issued = 0

    def get(self, url, **kwargs):
        base = '%s/%s' % (AUTHORITY, TENANT)
        return response(
            200,
            {
                'token_endpoint': base + '/oauth2/v2.0/token',
                'authorization_endpoint': base + '/oauth2/v2.0/authorize',
                'issuer': 'https://login.test/%s/v2.0' % TENANT,
            },
        )

    def post(self, url, data=None, **kwargs):
        form = dict((k, v[0]) for k, v in parse_qs(data).items()) if isinstance(data, str) else dict(data or {})
        self.token_requests.append(form)
        if self.error:
            return response(401, {'error': self.error, 'error_description': 'AADSTS7000215: Invalid client secret provided.\nTrace ID: x'})
        self.issued += 1
        return response(200, {'access_token': 'token-%d' % self.issued, 'token_type': 'Bearer', 'expires_in': 3600})

    def close(self):
        pass


def params(**extra):
    base = {'tenant_id': TENANT, 'client_id': 'app-1', 'client_secret': 's3cret'}
    base.update(extra)
    return base


def test_client_secret_sign_in_is_cached_per_credential(tmp_path):
    entra = StubEntra()
    store = PersistentTokenCache(str(tmp_path / 'cache'), AUTHORITY, TENANT, 'app-1', credential='client_secret=s3cret')
    credential = signin.build_credential('client_secret', params(), AUTHORITY, RESOURCE, entra, store)
    assert credential.token() == 'token-1' and credential.token() == 'token-1'
    assert len(entra.token_requests) == 1
    request = entra.token_requests[0]
    assert request['client_id'] == 'app-1' and request['scope'] == RESOURCE + '/.default' and request['grant_type'] == 'client_credentials'
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    # a new run with the same credential rides on the cached token; another secret does not
    again = signin.build_credential('client_secret', params(), AUTHORITY, RESOURCE, entra, store)
    assert again.token() == 'token-1' and again.token_source == 'cache' and len(entra.token_requests) == 1
    rotated = PersistentTokenCache(str(tmp_path / 'cache'), AUTHORITY, TENANT, 'app-1', credential='client_secret=new')
    assert rotated.path != store.path


def test_invalidate_drops_only_the_rejected_token(tmp_path):
    entra = StubEntra()
    store = PersistentTokenCache(str(tmp_path), AUTHORITY, TENANT, 'app-1', credential='x')
    credential = signin.build_credential('client_secret', params(), AUTHORITY, RESOURCE, entra, store)
    first = credential.token()
    credential.invalidate('some older token')  # another thread renewed already: nothing dropped
    assert credential.token() == first and os.path.exists(store.path)
    credential.invalidate(first)
    assert not os.path.exists(store.path)
    assert credential.token() == 'token-2'


def test_concurrent_callers_sign_in_once():
    entra = StubEntra()
    credential = signin.build_credential('client_secret', params(), AUTHORITY, RESOURCE, entra, None)
    tokens = []
    threads = [threading.Thread(target=lambda: tokens.append(credential.token())) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens == ['token-1'] * 8 and len(entra.token_requests) == 1


def test_rejected_secret_names_the_client_with_a_hint():
    credential = signin.build_credential('client_secret', params(), AUTHORITY, RESOURCE, StubEntra(error='invalid_client'), None)
    with pytest.raises(AuthError) as raised:
        credential.token()
    assert raised.value.message == 'Sign-in for client app-1 failed: AADSTS7000215: Invalid client secret provided.'
    assert raised.value.status == 401 and 'client secret has not expired' in raised.value.hint
    assert 's3cret' not in str(raised.value)


def test_unreachable_authority_is_an_auth_error():
    class Down(StubEntra):
        def get(self, url, **kwargs):
            raise OSError('connection refused')

    with pytest.raises(AuthError, match='^Sign-in for client app-1 failed: connection refused'):
        signin.build_credential('client_secret', params(), AUTHORITY, RESOURCE, Down(), None).token()


def test_federated_token_file_is_read_at_every_sign_in(tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text('assertion-1\n')
    entra = StubEntra()
    credential = signin.build_credential(
        'federated_token_file', params(federated_token_file=str(token_file)), AUTHORITY, RESOURCE, entra, None
    )
    credential.token()
    token_file.write_text('assertion-2')
    credential.invalidate()
    credential.token()
    assert [r['client_assertion'] for r in entra.token_requests] == ['assertion-1', 'assertion-2']
    assert entra.token_requests[0]['client_assertion_type'] == 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    token_file.unlink()
    credential.invalidate()
    with pytest.raises(AuthError, match='Cannot read federated_token_file %s: No such file' % token_file):
        credential.token()


def make_certificate(tmp_path, password=None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'm365-photos-test')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / 'cert.pem'
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    pfx = tmp_path / 'cert.pfx'
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    pfx.write_bytes(pkcs12.serialize_key_and_certificates(b'x', key, cert, None, encryption))
    return str(pem), str(pfx), cert.fingerprint(hashes.SHA256()).hex()


def test_certificate_from_pem_and_pfx(tmp_path):
    pem, pfx, thumbprint = make_certificate(tmp_path, password='pw')
    key_pem, cert_pem, found = signin.load_certificate(pem)
    assert found == thumbprint and key_pem.startswith('-----BEGIN PRIVATE KEY') and 'CERTIFICATE' in cert_pem
    assert signin.load_certificate(pfx, 'pw')[2] == thumbprint
    with pytest.raises(AuthError, match='or client_certificate_password is wrong'):
        signin.load_certificate(pfx, 'wrong')
    with pytest.raises(AuthError, match='^Cannot read client_certificate_path /nonexistent.pem: No such file'):
        signin.load_certificate('/nonexistent.pem')
    only_cert = tmp_path / 'only.pem'
    only_cert.write_text(cert_pem)
    with pytest.raises(AuthError, match='not a PEM file with a private key and a certificate'):
        signin.load_certificate(str(only_cert))


def test_certificate_sign_in_sends_an_assertion(tmp_path):
    pem, dummy, dummy_thumbprint = make_certificate(tmp_path)
    entra = StubEntra()
    signin.build_credential('client_certificate_path', params(client_certificate_path=pem), AUTHORITY, RESOURCE, entra, None).token()
    assertion = entra.token_requests[0]['client_assertion']
    assertion = assertion.decode('ascii') if isinstance(assertion, bytes) else assertion
    header = json.loads(base64.urlsafe_b64decode(assertion.split('.')[0] + '=='))
    assert header['alg'] == 'PS256' and 'x5t#S256' in header


def test_access_token_and_managed_identity_credentials():
    assert signin.build_credential('access_token', {'access_token': 'abc'}, AUTHORITY, RESOURCE, None, None).token() == 'abc'
    managed = signin.build_credential('managed_identity', {'managed_identity_client_id': 'mi-1'}, AUTHORITY, RESOURCE, StubEntra(), None)
    assert isinstance(managed, signin.MsalCredential)


def test_token_cache_file_is_tightened_with_a_warning(tmp_path):
    warnings = []
    store = PersistentTokenCache(str(tmp_path), AUTHORITY, TENANT, 'app-1', warn=warnings.append)
    with open(store.path, 'w') as handle:
        handle.write('not json')
    os.chmod(store.path, 0o644)
    cache = store.load()  # a corrupt cache is an empty one
    assert cache.serialize() in ('{}', '{"AccessToken": {}, "Account": {}, "AppMetadata": {}, "IdToken": {}, "RefreshToken": {}}')
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert warnings == ['The token cache file %s had mode 0644 (group or others could read access tokens); set to 0600.' % store.path]
    store.drop()
    store.drop()  # already gone: no error
    assert not os.path.exists(store.path)
