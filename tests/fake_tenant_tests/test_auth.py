import time

import jwt
from fake_tenant.service import certs


def _assert_401(response, fragment=None):
    assert response.status_code == 401, response.text
    error = response.json()['error']
    assert error['code'] == 'InvalidAuthenticationToken'
    if fragment:
        assert fragment in error['message']


def test_missing_and_malformed_token(client):
    _assert_401(client.get('/v1.0/users', token=None), 'empty')
    _assert_401(client.get('/v1.0/users', token='not-a-jwt'))
    _assert_401(client.get('/v1.0/users/alice@contoso.example/photo', token=None))


def test_forged_signature(client):
    claims = jwt.decode(client.token(), options={'verify_signature': False})
    forged = jwt.encode(claims, certs.new_rsa_key(), algorithm='RS256')
    _assert_401(client.get('/v1.0/users', token=forged))


def test_expired_token(make_tenant):
    tenant, client = make_tenant(token_lifetime=2)
    token = client.token()
    assert client.token_response().json()['expires_in'] == 2
    assert client.get('/v1.0/users', token=token).status_code == 200
    time.sleep(2.1)
    _assert_401(client.get('/v1.0/users', token=token), 'Lifetime validation failed, the token is expired.')
    tenant.set_config(token_lifetime=3599)


def test_early_expiry(make_tenant):
    # iat has whole-second precision, so the window must be > 1 s to be deterministic.
    tenant, client = make_tenant(token_early_expiry=2)
    token = client.token()
    assert client.token_response().json()['expires_in'] == 3599
    assert client.get('/v1.0/users', token=token).status_code == 200
    time.sleep(2.1)
    _assert_401(client.get('/v1.0/users', token=token), 'Lifetime validation failed, the token is expired.')
    tenant.set_config(token_early_expiry=0)
    assert client.get('/v1.0/users', token=token).status_code == 200


def test_rotated_signing_key(make_tenant):
    tenant, client = make_tenant()
    token = client.token()
    assert client.get('/v1.0/users', token=token).status_code == 200
    tenant.rotate_signing_key()
    _assert_401(client.get('/v1.0/users', token=token))
    assert client.get('/v1.0/users', token=client.token(fresh=True)).status_code == 200


def test_error_envelope_and_headers(client):
    response = client.get('/v1.0/users/ghost@contoso.example', headers={'client-request-id': 'my-correlation-id'})
    assert response.headers['client-request-id'] == 'my-correlation-id'
    assert response.headers['Content-Type'].startswith('application/json')
    inner = response.json()['error']['innerError']
    assert inner['client-request-id'] == 'my-correlation-id'
    assert inner['request-id'] == response.headers['request-id']
    assert len(inner['date']) == 19
    ok = client.get('/v1.0/users/alice@contoso.example')
    assert ok.headers['request-id'] == ok.headers['client-request-id']
    assert ok.headers['Content-Type'].startswith('application/json;odata.metadata=minimal')


def test_unknown_route(client):
    response = client.get('/v1.0/contacts')
    assert response.status_code == 400 and response.json()['error']['code'] == 'BadRequest'
    assert client.call('POST', '/v1.0/users/alice@contoso.example/photo').status_code == 405


def test_head_has_no_body_and_keeps_connection_usable(client):
    head = client.call('HEAD', '/v1.0/users/alice@contoso.example')
    assert head.content == b''
    assert client.get('/v1.0/users/alice@contoso.example').status_code == 200
