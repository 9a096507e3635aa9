"""The fake tenant's live-like settings (issue 9): each as a start-up option and as a runtime config key,
both values of each; and the answers fixed to the documented behaviour (items 10-15)."""

import json
import time

import jwt
import pytest
from conftest import make_image
from fake_tenant.service import seed

ALICE = 'alice@contoso.example'
PHOTO = '/v1.0/users/%s/photo'
LIMITED_APP = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'


def test_unknown_user_on_photo_endpoints(make_tenant):
    tenant, client = make_tenant(unknown_user_photo='ImageNotFound')
    for path in (PHOTO % 'typo@contoso.example', PHOTO % 'typo@contoso.example' + '/$value'):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.json()['error']['code'] == 'ImageNotFound'
    # The directory itself still knows the user does not exist.
    assert client.get('/v1.0/users/typo@contoso.example?$select=id').json()['error']['code'] == 'Request_ResourceNotFound'
    tenant.set_config(unknown_user_photo='Request_ResourceNotFound')
    answer = client.get(PHOTO % 'typo@contoso.example')
    assert answer.status_code == 404 and answer.json()['error']['code'] == 'Request_ResourceNotFound'
    with pytest.raises(Exception, match='unknown_user_photo'):
        tenant.set_config(unknown_user_photo='Nope')


def _limited_app(tenant, client):
    tenant.add_users({'apps': [{'client_id': LIMITED_APP, 'secret': 'x', 'roles': ['ProfilePhoto.ReadWrite.All', 'GroupMember.Read.All']}]})
    return client.token(LIMITED_APP, 'x')


def _group_id(client):
    return client.get('/v1.0/groups', params={'$filter': "displayName eq '%s'" % seed.DEFAULT_GROUP}).json()['value'][0]['id']


def test_limited_information_members(make_tenant):
    tenant, client = make_tenant(limited_members=True)
    token = _limited_app(tenant, client)
    group = _group_id(client)
    members = client.get('/v1.0/groups/%s/members' % group, token=token, params={'$select': 'id,userPrincipalName'}).json()['value']
    users = [m for m in members if m['@odata.type'] == '#microsoft.graph.user']
    assert users and all(set(m) == {'@odata.type', 'id'} for m in users)
    assert client.get('/v1.0/users', token=token).status_code == 403
    # An app with a user-read role still sees the properties.
    full = client.get('/v1.0/groups/%s/members' % group, params={'$select': 'id,userPrincipalName'}).json()['value']
    assert all(m.get('userPrincipalName') for m in full if m['@odata.type'] == '#microsoft.graph.user')
    tenant.set_config(limited_members=False)
    members = client.get('/v1.0/groups/%s/members' % group, token=token, params={'$select': 'id,userPrincipalName'}).json()['value']
    assert all(m.get('userPrincipalName') for m in members if m['@odata.type'] == '#microsoft.graph.user')


def test_visibility_delay(make_tenant):
    tenant, client = make_tenant(visibility_delay=60)
    assert client.put_photo(ALICE, make_image((96, 96))).status_code == 200
    # Reads still show "no photo": the state before the PUT.
    assert client.get(PHOTO % ALICE).status_code == 404
    assert tenant.photo_info(ALICE)['upload_count'] == 1
    tenant.set_config(visibility_delay=0)
    first = client.get(PHOTO % ALICE).json()['@odata.mediaEtag']
    tenant.set_config(visibility_delay=60)
    assert client.put_photo(ALICE, make_image((96, 96), color=(0, 90, 200))).status_code == 200
    assert client.get(PHOTO % ALICE).json()['@odata.mediaEtag'] == first  # the old ETag, as seen live
    assert client.call('DELETE', PHOTO % ALICE + '/$value').status_code == 200
    assert client.get(PHOTO % ALICE).json()['@odata.mediaEtag'] == first
    tenant.set_config(visibility_delay=0)  # the window ends: reads see the deletion
    assert client.get(PHOTO % ALICE).status_code == 404


def test_wrapped_errors(make_tenant):
    tenant, client = make_tenant(wrap_errors=True, unknown_user_photo='ImageNotFound')
    error = client.get(PHOTO % 'nobody@contoso.example').json()['error']
    assert error['code'] == 'UnknownError'
    assert json.loads(error['message'])['error']['code'] == 'ImageNotFound'
    assert error['innerError']['request-id']
    tenant.set_config(wrap_errors=False)
    assert client.get(PHOTO % 'nobody@contoso.example').json()['error']['code'] == 'ImageNotFound'


def test_key_as_function_form(client, tenant):
    tenant.add_users({'users': [{'userPrincipalName': '$dollar@contoso.example', 'displayName': 'Dollar'}]})
    path = "/v1.0/users('%24dollar@contoso.example')"
    assert client.get(path + '?$select=id,userPrincipalName').json()['userPrincipalName'] == '$dollar@contoso.example'
    assert client.call('PUT', path + '/photo/$value', data=make_image((96, 96)), headers={'Content-Type': 'image/jpeg'}).status_code == 200
    assert client.get(path + '/photo').status_code == 200
    assert client.get("/v1.0/users('nobody@contoso.example')/photo").status_code == 404
    stats = tenant.stats()['by_route']
    assert stats['PUT /v1.0/users/{id}/photo/$value'].get('200')


def test_empty_photo_setting(make_tenant):
    tenant, client = make_tenant(empty_photo='gif')
    meta = client.get(PHOTO % ALICE)
    assert meta.status_code == 200
    body = meta.json()
    assert body['@odata.mediaContentType'] == 'image/gif' and body['@odata.mediaEtag'] == '' and body['width'] == 1
    value = client.get(PHOTO % ALICE + '/$value')
    assert value.status_code == 200 and value.headers['Content-Type'] == 'image/gif' and value.content.startswith(b'GIF89a')
    # Unknown users are not given a placeholder.
    assert client.get(PHOTO % 'nobody@contoso.example').status_code == 404
    tenant.set_config(empty_photo='404')
    assert client.get(PHOTO % ALICE).json()['error']['code'] == 'ImageNotFound'


def test_documented_answers(client, tenant):
    # 403 on the photo endpoints: Exchange's code (item 13).
    readonly = client.token(seed.READONLY_APP_ID, seed.READONLY_APP_SECRET)
    denied = client.put_photo(ALICE, make_image((64, 64)), token=readonly)
    assert denied.status_code == 403 and denied.json()['error']['code'] == 'ErrorAccessDenied'
    # Photo metadata with @odata.id (item 15); DELETE 200 (item 14).
    assert client.put_photo(ALICE, make_image((96, 96))).status_code == 200
    meta = client.get(PHOTO % ALICE).json()
    assert meta['@odata.id'].endswith("/users('%s')/photo" % seed.user_id(tenant.tenant_id, ALICE))
    assert client.call('DELETE', PHOTO % ALICE + '/$value').status_code == 200
    # Invalid image: a message without a Python object representation (item 15).
    bad = client.put_photo(ALICE, b'not an image at all')
    assert bad.status_code == 400 and '<' not in bad.json()['error']['message'] and 'object at' not in bad.json()['error']['message']


def test_batch_depends_on_and_unknown_keys(client):
    chain = {
        'requests': [
            {'id': '1', 'method': 'GET', 'url': '/users/nobody@contoso.example/photo'},
            {'id': '2', 'method': 'GET', 'url': '/users/%s/photo' % ALICE, 'dependsOn': ['1']},
            {'id': '3', 'method': 'GET', 'url': '/users/%s' % ALICE, 'dependsOn': ['2']},
        ]
    }
    answers = {r['id']: r['status'] for r in client.call('POST', '/v1.0/$batch', json=chain).json()['responses']}
    assert answers == {'1': 404, '2': 424, '3': 424}
    misspelt = {'requests': [{'id': '1', 'method': 'GET', 'url': '/users/%s' % ALICE, 'depends_on': ['0']}]}
    answer = client.call('POST', '/v1.0/$batch', json=misspelt)
    assert answer.status_code == 400 and 'depends_on' in answer.json()['error']['message']


def test_assertion_forms_recorded(client, tenant):
    """PS256 + x5t#S256 and RS256 + x5t are both accepted, and the stats say which was used."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    from fake_tenant.service import certs  # pylint: disable=import-outside-toplevel

    info = [a for a in tenant.info['apps'] if a['client_id'] == seed.CERT_APP_ID][0]
    with open(info['certificate_files'][0], 'rb') as handle:
        raw = handle.read()
    key = serialization.load_pem_private_key(raw, password=None)
    cert = x509.load_pem_x509_certificate(raw)
    prints = certs.thumbprints(cert)
    endpoint = '%s/%s/oauth2/v2.0/token' % (tenant.authority_host, tenant.tenant_id)
    tenant.reset_stats()
    now = int(time.time())
    claims = {'aud': endpoint, 'iss': seed.CERT_APP_ID, 'sub': seed.CERT_APP_ID, 'exp': now + 600, 'nbf': now, 'jti': 'x'}
    for alg, header in (('PS256', {'x5t#S256': prints['x5t#S256']}), ('RS256', {'x5t': prints['x5t']})):
        assertion = jwt.encode(claims, key, algorithm=alg, headers=header)
        answer = client.token_response(
            seed.CERT_APP_ID,
            None,
            client_assertion=assertion,
            client_assertion_type='urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        )
        assert answer.status_code == 200, answer.text
    assert tenant.stats()['assertions'] == {'PS256 x5t#S256': 1, 'RS256 x5t': 1}
