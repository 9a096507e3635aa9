# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Access tokens for Microsoft Graph from msal: client secret, certificate, workload identity
federation, managed identity, or a token acquired elsewhere.

Every credential offers ``token()`` (thread-safe, cached) and ``invalidate(token)`` (drop the token
the service just rejected, so the next ``token()`` signs in again; a token another thread has
already replaced is left alone, so sixteen workers hitting one expiry sign in once, not sixteen times).

Certificates sign in with MSAL's SHA-256 form: ``{private_key, public_certificate}`` without a
thumbprint, from which msal >= 1.35 computes the ``x5t#S256`` header and signs the assertion with
PS256 (Entra's current guidance); the SHA-1 ``thumbprint`` form (RS256 + ``x5t``) is deprecated."""

from __future__ import annotations

import base64
import json
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

try:
    import msal
except ImportError:
    msal = None

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
except ImportError:
    x509 = None  # type: ignore[assignment]

from ansible_collections.m365.photos.plugins.module_utils._graph.clouds import MICROSOFT_AUTHORITY_HOSTS
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import AuthError, hint_for

if TYPE_CHECKING:
    from ansible_collections.m365.photos.plugins.module_utils._graph.token_cache import PersistentTokenCache


def token_roles(token: str) -> list[str]:
    """Application roles claimed by a JWT access token, read without verification: only used
    to explain a 403 better (a token with the write role that is refused means a policy)."""
    try:
        payload = token.split('.')[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
        return list(claims.get('roles') or [])
    except (IndexError, ValueError, TypeError, AttributeError):
        return []


class StaticTokenCredential:
    """A token acquired outside Ansible (``access_token``): it cannot be renewed."""

    def __init__(self, access_token):
        self.access_token = access_token

    def token(self) -> str:
        return self.access_token

    def invalidate(self, token: str | None = None) -> None:
        raise AuthError('The access_token was rejected (expired or for another tenant); acquire a new one.', status=401)


def load_certificate(path: str, password: str | None = None) -> tuple[str, str, str]:
    """Private key and certificate PEMs plus the SHA-256 thumbprint (hex) from a PEM (key + cert) or PFX file."""
    if x509 is None:
        raise AuthError('Certificate sign-in needs the cryptography library (installed with msal).')
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except OSError as exc:
        raise AuthError('Cannot read client_certificate_path %s: %s' % (path, exc.strerror)) from None
    secret = password.encode('utf-8') if password else None
    try:
        if b'-----BEGIN' not in raw:
            key, cert, dummy = pkcs12.load_key_and_certificates(raw, secret)
        else:
            key = serialization.load_pem_private_key(raw, password=secret)
            cert = x509.load_pem_x509_certificate(raw)
    except (ValueError, TypeError) as exc:
        raise AuthError(
            'client_certificate_path %s is not a PEM file with a private key and a certificate, or a PFX '
            'file, or client_certificate_password is wrong: %s' % (path, exc)
        ) from None
    if key is None or cert is None:
        raise AuthError('client_certificate_path %s must contain both the private key and the certificate.' % path)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    return key_pem.decode('ascii'), cert_pem.decode('ascii'), cert.fingerprint(hashes.SHA256()).hex()


def _msal_error(result, client_id):
    code = result.get('error')
    description = result.get('error_description') or code or 'sign-in failed'
    status = 401 if code == 'invalid_client' else 400
    return AuthError(
        'Sign-in for client %s failed: %s' % (client_id, description.splitlines()[0]),
        status=status,
        code=code,
        hint=hint_for(status, code, description),
    )


class MsalCredential:
    """Confidential client (secret, certificate, federated assertion) or managed identity."""

    def __init__(self, app_factory, acquire, cache_store=None, client_id=None):
        self._app_factory = app_factory
        self._acquire = acquire
        self._cache_store = cache_store
        self._client_id = client_id
        self._lock = threading.Lock()
        self._token = None
        self.token_source = None
        self._app = None

    def _new_app(self):
        cache = self._cache_store.load() if self._cache_store else msal.SerializableTokenCache()
        return self._app_factory(cache), cache

    def token(self) -> str:
        with self._lock:
            if self._token is None:
                try:
                    if self._app is None:  # msal reads the authority's metadata here already
                        self._app, self._cache = self._new_app()
                    result = self._acquire(self._app)
                except ValueError as exc:
                    raise AuthError('Sign-in for client %s failed: %s' % (self._client_id, exc)) from None
                except Exception as exc:  # msal raises requests errors for 5xx and network failures
                    raise AuthError('Sign-in for client %s failed: %s' % (self._client_id, exc)) from None
                if 'access_token' not in result:
                    raise _msal_error(result, self._client_id)
                self._token = result['access_token']
                self.token_source = result.get('token_source')
                if self._cache_store:
                    self._cache_store.save(self._cache)
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Drop the rejected ``token`` everywhere, including the file cache, so the next ``token()``
        signs in afresh. When another thread has already replaced it (``token`` is not the current
        one), nothing is dropped: that thread's sign-in is the renewal."""
        with self._lock:
            if token is not None and token != self._token:
                return
            self._token = None
            self._app = None
            if self._cache_store:
                self._cache_store.drop()


def build_credential(
    kind: str, params: dict, authority_host: str, graph_resource: str, http_client, cache_store: PersistentTokenCache | None
) -> StaticTokenCredential | MsalCredential:
    """The credential for ``kind`` (see credentials.select_credential)."""
    if kind == 'access_token':
        return StaticTokenCredential(params['access_token'])
    if msal is None:
        raise AuthError('msal is not installed.')
    if kind == 'managed_identity':
        identity = (
            msal.UserAssignedManagedIdentity(client_id=params['managed_identity_client_id'])
            if params.get('managed_identity_client_id')
            else msal.SystemAssignedManagedIdentity()
        )

        def mi_app(cache):
            return msal.ManagedIdentityClient(identity, http_client=http_client, token_cache=cache)

        return MsalCredential(
            mi_app,
            lambda app: app.acquire_token_for_client(resource=graph_resource),
            cache_store,
            client_id=params.get('managed_identity_client_id') or 'system-assigned managed identity',
        )

    credential = _client_credential(kind, params)
    authority = '%s/%s' % (authority_host, params['tenant_id'])
    discovery = urlsplit(authority_host).hostname in MICROSOFT_AUTHORITY_HOSTS

    def cca(cache):
        return msal.ConfidentialClientApplication(
            params['client_id'],
            client_credential=credential,
            authority=authority,
            token_cache=cache,
            http_client=http_client,
            instance_discovery=None if discovery else False,
        )

    scopes = [graph_resource + '/.default']
    return MsalCredential(cca, lambda app: app.acquire_token_for_client(scopes=scopes), cache_store, client_id=params['client_id'])


def _client_credential(kind, params):
    if kind == 'client_secret':
        return params['client_secret']
    if kind == 'client_certificate_path':
        key_pem, cert_pem, dummy = load_certificate(params['client_certificate_path'], params.get('client_certificate_password'))
        # No SHA-1 'thumbprint': msal (>= 1.35) then computes x5t#S256 from the certificate and signs with PS256.
        return {'private_key': key_pem, 'public_certificate': cert_pem}
    path = params['federated_token_file']

    def assertion():
        # Re-read on every sign-in: the platform rotates the projected token file.
        try:
            with open(path, encoding='utf-8') as handle:
                return handle.read().strip()
        except OSError as exc:
            raise AuthError('Cannot read federated_token_file %s: %s' % (path, exc.strerror)) from None

    return {'client_assertion': assertion}
