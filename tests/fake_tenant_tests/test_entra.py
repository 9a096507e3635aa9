import time

import jwt
import msal
import pytest
import requests
from conftest import GRAPH_SCOPE
from fake_tenant import CERT_APP_ID, DEMO_APP_ID, FEDERATED_APP_ID, READONLY_APP_ID, SYSTEM_MI_ID, USER_MI_ID, mint_federated_token


def _http(tenant):
    session = requests.Session()
    session.verify = tenant.ca_file
    session.trust_env = False
    return session


def _app(tenant, client_id, credential):
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority='%s/%s' % (tenant.authority_host, tenant.tenant_id),
        instance_discovery=False,
        http_client=_http(tenant),
    )


def _graph_ok(client, token):
    response = client.get('/v1.0/users/alice@contoso.example', token=token)
    assert response.status_code == 200, response.text


def test_discovery_by_id_and_domain(client, tenant):
    for name in (tenant.tenant_id, tenant.tenant_domain):
        response = client.session.get('%s/%s/v2.0/.well-known/openid-configuration' % (tenant.authority_host, name), verify=client.ca)
        assert response.status_code == 200
        body = response.json()
        assert body['token_endpoint'] == '%s/%s/oauth2/v2.0/token' % (tenant.authority_host, tenant.tenant_id)
        assert body['authorization_endpoint'].startswith('https://')
        assert body['issuer'].startswith(tenant.authority_host)


def test_discovery_unknown_tenant(client, tenant):
    response = client.session.get('%s/nope.example/v2.0/.well-known/openid-configuration' % tenant.authority_host, verify=client.ca)
    assert response.status_code == 400
    assert 'AADSTS90002' in response.json()['error_description']


def test_secret_token_claims(client, tenant):
    response = client.token_response()
    assert response.status_code == 200
    body = response.json()
    assert body['token_type'] == 'Bearer' and body['expires_in'] == 3599 and body['ext_expires_in'] == 3599
    claims = jwt.decode(body['access_token'], options={'verify_signature': False})
    assert claims['aud'] == 'https://graph.microsoft.com'
    assert claims['tid'] == tenant.tenant_id and claims['appid'] == DEMO_APP_ID
    assert 'ProfilePhoto.ReadWrite.All' in claims['roles']
    assert claims['exp'] - claims['iat'] == 3599 and 'nbf' in claims and 'iss' in claims
    assert jwt.get_unverified_header(body['access_token'])['alg'] == 'RS256'


def test_token_errors(client):
    wrong = client.token_response(secret='nope')
    assert wrong.status_code == 401 and wrong.json()['error'] == 'invalid_client'
    assert wrong.json()['error_description'].startswith('AADSTS7000215: Invalid client secret provided.')
    unknown = client.token_response(client_id='99999999-9999-4999-8999-999999999999')
    assert unknown.status_code == 400 and 'AADSTS700016' in unknown.json()['error_description']
    scope = client.token_response(scope='https://graph.microsoft.com/User.Read')
    assert scope.status_code == 400 and scope.json()['error'] == 'invalid_scope'
    other = client.token_response(scope='https://management.azure.com/.default')
    assert other.status_code == 400
    grant = client.token_response(grant_type='password')
    assert grant.status_code == 400 and grant.json()['error'] == 'unsupported_grant_type'
    none = client.token_response(secret=None)
    assert none.status_code == 401 and 'AADSTS7000218' in none.json()['error_description']
    bad_tenant = client.token_response(tenant='nope.example')
    assert bad_tenant.status_code == 400


def test_scope_with_fake_graph_url_and_domain_authority(client, tenant):
    response = client.token_response(scope=tenant.graph_url + '/.default', tenant=tenant.tenant_domain)
    assert response.status_code == 200
    _graph_ok(client, response.json()['access_token'])


def test_msal_secret_and_cache(client, tenant):
    app = _app(tenant, DEMO_APP_ID, 'demo-client-secret')
    first = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert 'access_token' in first, first
    assert first['token_source'] == 'identity_provider'
    assert app.acquire_token_for_client(scopes=[GRAPH_SCOPE])['token_source'] == 'cache'
    _graph_ok(client, first['access_token'])


def test_msal_wrong_secret(tenant):
    result = _app(tenant, READONLY_APP_ID, 'not-the-secret').acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert result['error'] == 'invalid_client'
    assert 'AADSTS7000215' in result['error_description']


def _pem_credential(tenant):
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel

    with open(tenant.state_dir + '/client-cert.pem', encoding='ascii') as handle:
        pem = handle.read()
    cert = x509.load_pem_x509_certificate(pem.encode('ascii'))
    return {'private_key': pem, 'thumbprint': cert.fingerprint(hashes.SHA1()).hex(), 'public_certificate': pem}


def test_msal_certificate_pem(client, tenant):
    result = _app(tenant, CERT_APP_ID, _pem_credential(tenant)).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert 'access_token' in result, result
    _graph_ok(client, result['access_token'])


def test_msal_certificate_pfx(client, tenant):
    credential = {'private_key_pfx_path': tenant.state_dir + '/client-cert.pfx', 'passphrase': 'pfx-password'}
    result = _app(tenant, CERT_APP_ID, credential).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert 'access_token' in result, result
    _graph_ok(client, result['access_token'])


def test_certificate_not_registered_for_other_app(tenant):
    # The certificate belongs to app 3; presenting it for app 1 must fail signature/key lookup.
    result = _app(tenant, DEMO_APP_ID, _pem_credential(tenant)).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert result['error'] == 'invalid_client' and 'AADSTS700027' in result['error_description']


def test_forged_assertion_rejected(client, tenant):
    from fake_tenant.service import certs  # pylint: disable=import-outside-toplevel

    other_key = certs.new_rsa_key()
    prints = _pem_credential(tenant)
    now = int(time.time())
    assertion = jwt.encode(
        {
            'aud': '%s/%s/oauth2/v2.0/token' % (tenant.authority_host, tenant.tenant_id),
            'iss': CERT_APP_ID,
            'sub': CERT_APP_ID,
            'exp': now + 600,
            'iat': now,
            'jti': 'x',
        },
        other_key,
        algorithm='RS256',
        headers={'x5t': certs.b64url(bytes.fromhex(prints['thumbprint']))},
    )
    response = client.token_response(
        client_id=CERT_APP_ID,
        secret=None,
        client_assertion=assertion,
        client_assertion_type='urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    )
    assert response.status_code == 401
    assert 'AADSTS700027' in response.json()['error_description']


def test_federated_assertion(client, tenant):
    def assertion():  # msal wants a callable so it can refresh the workload token
        return mint_federated_token(tenant.state_dir, FEDERATED_APP_ID)

    result = _app(tenant, FEDERATED_APP_ID, {'client_assertion': assertion}).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert 'access_token' in result, result
    _graph_ok(client, result['access_token'])


def test_federated_wrong_subject_and_audience(client):
    tenant = client.tenant
    kind = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    wrong_sub = mint_federated_token(tenant.state_dir, FEDERATED_APP_ID, subject='repo:evil/fork:ref:refs/heads/main')
    response = client.token_response(client_id=FEDERATED_APP_ID, secret=None, client_assertion=wrong_sub, client_assertion_type=kind)
    assert response.status_code == 401 and 'AADSTS700213' in response.json()['error_description']
    wrong_aud = mint_federated_token(tenant.state_dir, FEDERATED_APP_ID, audience='api://other')
    response = client.token_response(client_id=FEDERATED_APP_ID, secret=None, client_assertion=wrong_aud, client_assertion_type=kind)
    assert response.status_code == 401 and 'AADSTS700212' in response.json()['error_description']


def test_external_idp_metadata(client, tenant):
    config = client.session.get(tenant.authority_host + '/external-idp/.well-known/openid-configuration', verify=client.ca).json()
    assert config['issuer'] == tenant.authority_host + '/external-idp'
    keys = client.session.get(config['jwks_uri'], verify=client.ca).json()
    assert keys['keys'][0]['kty'] == 'RSA'


def test_managed_identity_msal(client, tenant, monkeypatch):
    monkeypatch.setenv('IDENTITY_ENDPOINT', tenant.authority_host + '/msi/token')
    monkeypatch.setenv('IDENTITY_HEADER', 'fake-identity-header')
    mi = msal.ManagedIdentityClient(msal.SystemAssignedManagedIdentity(), http_client=_http(tenant))
    result = mi.acquire_token_for_client(resource='https://graph.microsoft.com')
    assert 'access_token' in result, result
    claims = jwt.decode(result['access_token'], options={'verify_signature': False})
    assert claims['appid'] == SYSTEM_MI_ID
    _graph_ok(client, result['access_token'])
    user_mi = msal.ManagedIdentityClient(msal.UserAssignedManagedIdentity(client_id=USER_MI_ID), http_client=_http(tenant))
    result = user_mi.acquire_token_for_client(resource='https://graph.microsoft.com')
    token = result['access_token']
    assert client.get('/v1.0/users/alice@contoso.example', token=token).status_code == 200
    assert client.put_photo('alice@contoso.example', b'x', token=token).status_code == 403


@pytest.mark.parametrize('header,status', [(None, 401), ('wrong', 401)])
def test_managed_identity_header_required(client, tenant, header, status):
    headers = {'X-IDENTITY-HEADER': header} if header else {}
    response = client.session.get(
        tenant.authority_host + '/msi/token',
        verify=client.ca,
        headers=headers,
        params={'api-version': '2019-08-01', 'resource': 'https://graph.microsoft.com'},
    )
    assert response.status_code == status and 'access_token' not in response.json()
