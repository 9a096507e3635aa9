import hashlib
import io

from conftest import make_image
from PIL import Image


def test_photo_info_and_out_of_band_photo(make_tenant):
    tenant, client = make_tenant()
    info = tenant.photo_info('alice@contoso.example')
    assert info['has_photo'] is False and info['upload_count'] == 0
    drifted = make_image((640, 640), fmt='PNG')
    info = tenant.set_photo_out_of_band('alice@contoso.example', drifted)
    assert info['has_photo'] and info['sha256'] == hashlib.sha256(drifted).hexdigest()
    assert (info['width'], info['height'], info['content_type']) == (640, 640, 'image/png')
    value = client.get('/v1.0/users/alice@contoso.example/photo/$value')
    assert value.content == drifted  # bypasses processing on purpose
    assert value.headers['ETag'] == 'W/"%s"' % info['etag']
    assert client.admin('GET', 'users/ghost@contoso.example/photo-info').status_code == 404
    assert client.admin('PUT', 'users/alice@contoso.example/photo', data=b'junk').status_code == 400
    assert client.admin('DELETE', 'users/alice@contoso.example/photo').status_code == 204
    assert client.get('/v1.0/users/alice@contoso.example/photo').status_code == 404


def test_add_users_at_runtime(make_tenant):
    tenant, client = make_tenant()
    result = tenant.add_users(
        {
            'users': [{'userPrincipalName': 'new.person@contoso.example', 'displayName': 'New Person', 'scenario': 'mailbox_on_premises'}],
            'generated_users': {'count': 25, 'prefix': 'bulk', 'domain': 'contoso.example'},
        }
    )
    assert result['added_users'] == 26
    assert client.get('/v1.0/users/new.person@contoso.example').json()['displayName'] == 'New Person'
    assert client.get('/v1.0/users/new.person@contoso.example/photo').json()['error']['code'] == 'MailboxNotEnabledForRESTAPI'
    assert client.get('/v1.0/users/bulk00025@contoso.example').status_code == 200
    # Clearing the scenario through the same endpoint.
    tenant.add_users({'users': [{'userPrincipalName': 'new.person@contoso.example', 'scenario': None}]})
    assert client.get('/v1.0/users/new.person@contoso.example/photo').json()['error']['code'] == 'ImageNotFound'


def test_jpeg_quality_and_dimension_options(make_tenant):
    _tenant, client = make_tenant(jpeg_quality=30, max_dimension=256)
    client.put_photo('bob@contoso.example', make_image((1024, 512)))
    image = Image.open(io.BytesIO(client.get('/v1.0/users/bob@contoso.example/photo/$value').content))
    assert image.size == (256, 128)
    assert [p['id'] for p in client.get('/v1.0/users/bob@contoso.example/photos').json()['value']][-1] == '120x120'


def test_admin_unknown_route(client):
    assert client.admin('GET', 'nope').status_code == 404
    assert client.admin('GET', 'info').json()['tenant_id'] == client.tenant.tenant_id
