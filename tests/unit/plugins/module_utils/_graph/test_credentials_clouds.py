# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which credential signs in (options beat AZURE_* environment variables), and the cloud endpoint pairs."""

from __future__ import annotations

import pytest
from ansible_collections.m365.photos.plugins.module_utils._graph import clouds
from ansible_collections.m365.photos.plugins.module_utils._graph.credentials import apply_env_fallbacks, select_credential
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import AuthError

ENV = {
    'AZURE_TENANT_ID': 'env-tenant',
    'AZURE_CLIENT_ID': 'env-client',
    'AZURE_CLIENT_SECRET': 'env-secret',
}


def resolve(params, environ):
    resolved, from_env = apply_env_fallbacks(params, environ)
    return resolved, from_env, select_credential(resolved, from_env)


def test_environment_fills_unset_options_only():
    resolved, from_env = apply_env_fallbacks({'tenant_id': 'opt-tenant', 'client_id': '', 'client_secret': None}, ENV)
    assert resolved['tenant_id'] == 'opt-tenant'
    assert resolved['client_id'] == 'env-client' and resolved['client_secret'] == 'env-secret'
    assert from_env == {'client_id', 'client_secret'}


def test_environment_alone_is_enough():
    resolved, dummy, kind = resolve({}, ENV)
    assert kind == 'client_secret' and resolved['tenant_id'] == 'env-tenant'


def test_explicit_credential_beats_the_environment():
    params = {'tenant_id': 't', 'client_id': 'c', 'client_certificate_path': '/etc/cert.pem'}
    dummy, dummy_env, kind = resolve(params, ENV)
    assert kind == 'client_certificate_path'
    dummy, dummy_env, kind = resolve({'access_token': 'eyJ'}, ENV)
    assert kind == 'access_token'


def test_two_explicit_credentials_are_refused_naming_both():
    with pytest.raises(AuthError) as raised:
        resolve({'tenant_id': 't', 'client_id': 'c', 'client_secret': 's', 'managed_identity': True}, {})
    assert raised.value.message == 'More than one credential found: client_secret, managed_identity. Set exactly one.'


def test_two_ambient_credentials_are_refused_naming_the_variables():
    with pytest.raises(AuthError) as raised:
        resolve({}, dict(ENV, M365_ACCESS_TOKEN='tok'))
    assert 'access_token (from M365_ACCESS_TOKEN)' in str(raised.value)
    assert 'client_secret (from AZURE_CLIENT_SECRET)' in str(raised.value)


def test_no_credential():
    with pytest.raises(AuthError, match='^No credential found'):
        resolve({'tenant_id': 't'}, {})


def test_missing_tenant_and_client_are_named():
    with pytest.raises(AuthError) as raised:
        resolve({}, {'AZURE_FEDERATED_TOKEN_FILE': '/var/run/token'})
    assert raised.value.message == (
        'federated_token_file (from AZURE_FEDERATED_TOKEN_FILE) needs tenant_id and client_id '
        '(or the AZURE_TENANT_ID and AZURE_CLIENT_ID environment variables).'
    )


def test_managed_identity_and_access_token_need_no_tenant():
    assert resolve({'managed_identity': True}, {})[2] == 'managed_identity'
    assert resolve({'access_token': 'x'}, {})[2] == 'access_token'


@pytest.mark.parametrize(
    'cloud, authority, graph',
    [
        ('global', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'),
        ('usgovernment', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'),
        ('usgovernmentdod', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'),
        ('china', 'https://login.partner.microsoftonline.cn', 'https://microsoftgraph.chinacloudapi.cn'),
    ],
)
def test_cloud_pairs(cloud, authority, graph):
    assert clouds.cloud_endpoints(cloud) == (authority, graph, graph)
    assert authority.split('//')[1] in clouds.MICROSOFT_AUTHORITY_HOSTS


def test_overrides_keep_the_canonical_token_audience():
    assert clouds.cloud_endpoints('usgovernment', 'https://127.0.0.1:8443/', 'https://127.0.0.1:8443/graph/') == (
        'https://127.0.0.1:8443',
        'https://127.0.0.1:8443/graph',
        'https://graph.microsoft.us',
    )


def test_unknown_cloud():
    with pytest.raises(KeyError):
        clouds.cloud_endpoints('mars')
