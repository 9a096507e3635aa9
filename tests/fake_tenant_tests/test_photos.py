import hashlib
import io

from conftest import make_image
from fake_tenant import READONLY_APP_ID
from PIL import Image

NOT_FOUND = "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown."


def _decode(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_no_photo_is_404_image_not_found(client):
    for path in ('photo', 'photo/$value', 'photos', 'photos/48x48', 'photos/48x48/$value'):
        response = client.get('/v1.0/users/frank@contoso.example/' + path)
        assert response.status_code == 404, path
        assert response.headers['Content-Type'].startswith('application/json')
        error = response.json()['error']
        assert error['code'] == 'ImageNotFound' and error['message'] == NOT_FOUND
    assert client.call('DELETE', '/v1.0/users/frank@contoso.example/photo/$value').json()['error']['code'] == 'ImageNotFound'


def test_realistic_upload_is_reencoded(client):
    upload = make_image((1000, 800), exif=True, quality=95)
    assert 'exif' in Image.open(io.BytesIO(upload)).info
    response = client.put_photo('alice@contoso.example', upload)
    assert response.status_code == 200 and response.content == b''
    meta = client.get('/v1.0/users/alice@contoso.example/photo').json()
    assert meta['id'] == '648x518' and (meta['width'], meta['height']) == (648, 518)
    assert meta['@odata.mediaContentType'] == 'image/jpeg'
    assert meta['@odata.mediaEtag'].startswith('"') and len(meta['@odata.mediaEtag']) == 10
    value = client.get('/v1.0/users/alice@contoso.example/photo/$value')
    assert value.status_code == 200
    assert value.headers['Content-Type'] == 'image/jpeg'
    assert value.headers['Cache-Control'] == 'max-age=21600, private'
    assert value.headers['ETag'].startswith('W/"') and len(value.headers['ETag']) == 64 + 4
    assert value.content != upload
    image = _decode(value.content)
    assert image.format == 'JPEG' and image.size == (648, 518) and image.mode == 'RGB'
    assert 'exif' not in image.info and 'icc_profile' not in image.info
    info = client.admin('GET', 'users/alice@contoso.example/photo-info').json()
    assert info['sha256'] == hashlib.sha256(value.content).hexdigest()


def test_png_alpha_is_flattened_onto_white(client):
    upload = make_image((300, 300), color=(0, 0, 255, 0), fmt='PNG', mode='RGBA')
    assert client.put_photo('bob@contoso.example', upload, content_type='image/png').status_code == 200
    image = _decode(client.get('/v1.0/users/bob@contoso.example/photo/$value').content)
    assert image.format == 'JPEG' and image.mode == 'RGB' and image.size == (300, 300)
    red, green, blue = image.getpixel((150, 150))
    assert min(red, green, blue) > 245  # transparent blue became white


def test_new_etag_on_every_put_even_identical_bytes(client):
    upload = make_image((700, 700))
    seen_etags, seen_media = set(), set()
    for dummy_attempt in range(3):
        assert client.put_photo('carol@contoso.example', upload).status_code == 200
        seen_etags.add(client.get('/v1.0/users/carol@contoso.example/photo/$value').headers['ETag'])
        seen_media.add(client.get('/v1.0/users/carol@contoso.example/photo').json()['@odata.mediaEtag'])
    assert len(seen_etags) == 3 and len(seen_media) == 3
    assert client.admin('GET', 'users/carol@contoso.example/photo-info').json()['upload_count'] >= 3


def test_patch_works_like_put(client):
    assert client.put_photo('dave@contoso.example', make_image((100, 60)), method='PATCH').status_code == 200
    meta = client.get('/v1.0/users/dave@contoso.example/photo').json()
    assert (meta['width'], meta['height']) == (100, 60)


def test_passthrough_stores_exact_bytes(make_tenant):
    _tenant, client = make_tenant(mode='passthrough')
    for upload, content_type in ((make_image((900, 900), exif=True), 'image/jpeg'), (make_image((50, 40), fmt='PNG'), 'image/png')):
        assert client.put_photo('erin@contoso.example', upload, content_type=content_type).status_code == 200
        value = client.get('/v1.0/users/erin@contoso.example/photo/$value')
        assert value.content == upload and value.headers['Content-Type'] == content_type
    first = client.get('/v1.0/users/erin@contoso.example/photo/$value').headers['ETag']
    client.put_photo('erin@contoso.example', upload, content_type='image/png')
    assert client.get('/v1.0/users/erin@contoso.example/photo/$value').headers['ETag'] != first


def test_upload_limits_and_content_types(client):
    big = b'\xff\xd8' + b'\0' * (4 * 1024 * 1024)
    response = client.put_photo('erin@contoso.example', big)
    assert response.status_code == 413 and response.json()['error']['code'] == 'RequestEntityTooLarge'
    octet = client.put_photo('erin@contoso.example', make_image((64, 64)), content_type='application/octet-stream')
    assert octet.status_code == 500 and octet.json()['error']['code'] == 'ErrorInternalServerError'
    gif = client.put_photo('erin@contoso.example', make_image((64, 64), fmt='GIF', mode='RGB'), content_type='image/gif')
    assert gif.status_code == 400
    missing = client.put_photo('erin@contoso.example', make_image((64, 64)), content_type=None)
    assert missing.status_code == 400
    garbage = client.put_photo('erin@contoso.example', b'this is not an image')
    assert garbage.status_code == 400 and garbage.json()['error']['code'] == 'ImageInvalid'
    exactly = make_image((64, 64))
    exactly += b'\0' * (4 * 1024 * 1024 - len(exactly))  # trailing bytes after EOI still decode
    assert client.put_photo('erin@contoso.example', exactly).status_code == 200


def test_sizes_and_renditions(client):
    client.put_photo(
        'frank@contoso.example', make_image((600, 450), fmt='PNG', mode='RGBA', color=(10, 200, 10, 128)), content_type='image/png'
    )
    listing = client.get('/v1.0/users/frank@contoso.example/photos').json()['value']
    assert [p['id'] for p in listing] == ['48x48', '64x64', '96x96', '120x120', '240x240', '360x360', '432x432']
    meta = client.get('/v1.0/users/frank@contoso.example/photos/240x240').json()
    assert (meta['id'], meta['width'], meta['height']) == ('240x240', 240, 240)
    value = client.get('/v1.0/users/frank@contoso.example/photos/96x96/$value')
    assert value.status_code == 200 and value.headers['Content-Type'] == 'image/jpeg'
    assert _decode(value.content).size == (96, 96)
    for size in ('648x648', '100x100', 'big'):
        response = client.get('/v1.0/users/frank@contoso.example/photos/%s/$value' % size)
        assert response.status_code == 404 and response.json()['error']['code'] == 'ImageNotFound'
    assert client.call('DELETE', '/v1.0/users/frank@contoso.example/photo/$value').status_code == 200  # v1.0 docs: 200 OK
    assert client.get('/v1.0/users/frank@contoso.example/photo').status_code == 404


def test_unknown_user(client):
    response = client.get('/v1.0/users/ghost@contoso.example/photo')
    assert response.status_code == 404
    error = response.json()['error']
    assert error['code'] == 'Request_ResourceNotFound'
    assert error['message'] == (
        "Resource 'ghost@contoso.example' does not exist or one of its queried reference-property objects are not present."
    )


def test_upn_lookup_is_case_insensitive(client):
    client.put_photo('Alice@Contoso.Example', make_image((64, 64)))
    assert client.get('/v1.0/users/ALICE@contoso.example/photo').status_code == 200


def test_mailbox_on_premises_scenario(client):
    for method, path in (('GET', 'photo'), ('GET', 'photo/$value'), ('GET', 'photos'), ('PUT', 'photo/$value'), ('DELETE', 'photo/$value')):
        response = client.call(
            method, '/v1.0/users/onprem@contoso.example/' + path, data=make_image((64, 64)), headers={'Content-Type': 'image/jpeg'}
        )
        assert response.status_code == 404, (method, path)
        assert response.json()['error']['code'] == 'MailboxNotEnabledForRESTAPI'
        assert response.json()['error']['message'] == 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'


def test_photo_update_blocked_scenario(client):
    response = client.put_photo('blocked@contoso.example', make_image((64, 64)))
    assert response.status_code == 403
    assert response.json()['error']['message'] == "Photo updates are blocked by the organization's photo update policy."
    assert client.get('/v1.0/users/blocked@contoso.example/photo').status_code == 404  # reads work, just no photo


def test_roles(client):
    readonly = client.token(READONLY_APP_ID, 'readonly-client-secret')
    client.put_photo('alice@contoso.example', make_image((64, 64)))
    assert client.get('/v1.0/users/alice@contoso.example/photo', token=readonly).status_code == 200
    for method in ('PUT', 'PATCH'):
        denied = client.put_photo('alice@contoso.example', make_image((64, 64)), method=method, token=readonly)
        assert denied.status_code == 403
        assert denied.json()['error'] == {
            **denied.json()['error'],
            'code': 'ErrorAccessDenied',  # the photo endpoints' live 403 (issue 9, item 13)
            'message': 'Access is denied. Check credentials and try again.',
        }
    assert client.call('DELETE', '/v1.0/users/alice@contoso.example/photo/$value', token=readonly).status_code == 403
    assert client.get('/v1.0/groups', token=readonly).status_code == 403
    assert client.get('/beta/admin/people/photoUpdateSettings', token=readonly).status_code == 403


def test_photo_update_settings_policy(make_tenant):
    tenant, client = make_tenant()
    settings = client.get('/beta/admin/people/photoUpdateSettings')
    assert settings.status_code == 200
    assert settings.json()['source'] == 'cloud' and settings.json()['allowedRoles'] == []
    # App 1 may read but not change the policy (PeopleSettings.Read.All only).
    assert client.call('PATCH', '/beta/admin/people/photoUpdateSettings', json={'source': 'onPremises'}).status_code == 403
    tenant.add_users(
        {'apps': [{'client_id': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'secret': 's', 'roles': ['PeopleSettings.ReadWrite.All']}]}
    )
    admin = client.token('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 's')
    bad = client.call('PATCH', '/beta/admin/people/photoUpdateSettings', token=admin, json={'source': 'nowhere'})
    assert bad.status_code == 400
    ok = client.call('PATCH', '/beta/admin/people/photoUpdateSettings', token=admin, json={'source': 'onPremises'})
    assert ok.status_code == 204
    blocked = client.put_photo('alice@contoso.example', make_image((64, 64)))
    assert blocked.status_code == 403 and 'photo update policy' in blocked.json()['error']['message']
    client.call('PATCH', '/beta/admin/people/photoUpdateSettings', token=admin, json={'source': 'cloud'})
    assert client.put_photo('alice@contoso.example', make_image((64, 64))).status_code == 200


def test_seeded_onpremises_policy(make_tenant):
    _tenant, client = make_tenant(seed={'photo_update_settings': {'source': 'onPremises'}})
    assert client.put_photo('alice@contoso.example', make_image((64, 64))).status_code == 403


def test_extra_scenarios(make_tenant):
    tenant, client = make_tenant(retry_after=0.25)
    tenant.add_users(
        {
            'users': [
                {'userPrincipalName': 'slow@contoso.example', 'scenario': 'throttled'},
                {'userPrincipalName': 'down@contoso.example', 'scenario': 'service_unavailable'},
            ]
        }
    )
    throttled = client.get('/v1.0/users/slow@contoso.example/photo')
    assert throttled.status_code == 429 and throttled.headers['Retry-After'] == '0.25'
    down = client.get('/v1.0/users/down@contoso.example/photo')
    assert down.status_code == 503 and down.headers['Retry-After'] == '0.25'


def test_large_jpeg_downscaled_to_max_dimension(client):
    upload = make_image((1400, 1050), quality=90)
    assert client.put_photo('dave@contoso.example', upload).status_code == 200
    image = _decode(client.get('/v1.0/users/dave@contoso.example/photo/$value').content)
    assert image.size == (648, 486)
