import base64
import io
import threading

from conftest import make_image
from PIL import Image


def _batch(client, requests_, **kwargs):
    return client.call('POST', '/v1.0/$batch', json={'requests': requests_}, **kwargs)


def test_batch_get_photo_value_is_base64(client):
    upload = make_image((300, 300))
    client.put_photo('alice@contoso.example', upload)
    direct = client.get('/v1.0/users/alice@contoso.example/photo/$value').content
    response = _batch(
        client,
        [
            {'id': '1', 'method': 'GET', 'url': '/users/alice@contoso.example/photo/$value'},
            {'id': '2', 'method': 'GET', 'url': 'users/alice@contoso.example/photo'},
            {'id': '3', 'method': 'GET', 'url': '/users/nobody@contoso.example/photo'},
        ],
    )
    assert response.status_code == 200
    items = {r['id']: r for r in response.json()['responses']}
    assert items['1']['status'] == 200 and items['1']['headers']['Content-Type'] == 'image/jpeg'
    assert base64.b64decode(items['1']['body']) == direct
    assert items['2']['body']['width'] == 300
    assert items['3']['status'] == 404 and items['3']['body']['error']['code'] == 'Request_ResourceNotFound'


def test_batch_put_standard_and_urlsafe_base64(client):
    upload = make_image((200, 200), color=(250, 250, 250))
    encoders = {'std': base64.b64encode, 'url': base64.urlsafe_b64encode}
    encoded = {k: f(upload).decode('ascii') for k, f in encoders.items()}
    assert encoded['std'] != encoded['url']  # the sample image really exercises both alphabets
    for kind, body in encoded.items():
        response = _batch(
            client,
            [
                {
                    'id': 'put',
                    'method': 'PUT',
                    'url': '/users/bob@contoso.example/photo/$value',
                    'headers': {'Content-Type': 'image/jpeg'},
                    'body': body,
                },
                {'id': 'meta', 'method': 'GET', 'url': '/users/bob@contoso.example/photo', 'dependsOn': ['put']},
            ],
        )
        items = {r['id']: r for r in response.json()['responses']}
        assert items['put']['status'] == 200, (kind, items)
        assert items['meta']['body']['id'] == '200x200'
    image = Image.open(io.BytesIO(client.get('/v1.0/users/bob@contoso.example/photo/$value').content))
    assert image.size == (200, 200)


def test_batch_limits_and_validation(client):
    many = [{'id': str(i), 'method': 'GET', 'url': '/users/alice@contoso.example'} for i in range(21)]
    assert _batch(client, many).status_code == 400
    assert _batch(client, many[:20]).status_code == 200
    dup = _batch(client, [{'id': '1', 'method': 'GET', 'url': '/users'}, {'id': '1', 'method': 'GET', 'url': '/users'}])
    assert dup.status_code == 400 and dup.json()['error']['code'] == 'BadRequest'
    assert client.call('POST', '/v1.0/$batch', data=b'{nope', headers={'Content-Type': 'application/json'}).status_code == 400
    assert _batch(client, [{'id': '1', 'method': 'GET', 'url': 'https://graph.microsoft.com/v1.0/users'}]).status_code == 400
    no_type = _batch(client, [{'id': '1', 'method': 'PUT', 'url': '/users/alice@contoso.example/photo/$value', 'body': 'AAAA'}])
    assert no_type.status_code == 400
    unknown_dep = _batch(client, [{'id': '1', 'method': 'GET', 'url': '/users', 'dependsOn': ['9']}])
    assert unknown_dep.status_code == 400
    assert _batch(client, [{'id': '1', 'method': 'GET', 'url': '/users'}], token=None).status_code == 401


def test_batch_depends_on_failure_gives_424(client, tenant):
    client.reset_stats = None
    tenant.reset_stats()
    response = _batch(
        client,
        [
            {'id': 'a', 'method': 'GET', 'url': '/users/nobody@contoso.example'},
            {'id': 'b', 'method': 'GET', 'url': '/users/alice@contoso.example', 'dependsOn': ['a']},
            {'id': 'c', 'method': 'GET', 'url': '/users/alice@contoso.example', 'dependsOn': ['b']},
            {'id': 'd', 'method': 'GET', 'url': '/users/alice@contoso.example'},
        ],
    )
    statuses = {r['id']: r['status'] for r in response.json()['responses']}
    assert statuses == {'a': 404, 'b': 424, 'c': 424, 'd': 200}
    stats = tenant.stats()
    assert stats['batch_items'] == 4
    assert stats['by_route']['GET /v1.0/users/{id}'] == {'404': 1, '424': 2, '200': 1}
    assert stats['by_route']['POST /v1.0/$batch'] == {'200': 1}


def test_batch_role_checks_use_outer_token(client):
    from fake_tenant import READONLY_APP_ID  # pylint: disable=import-outside-toplevel

    token = client.token(READONLY_APP_ID, 'readonly-client-secret')
    response = _batch(
        client,
        [
            {
                'id': '1',
                'method': 'PUT',
                'url': '/users/alice@contoso.example/photo/$value',
                'headers': {'Content-Type': 'image/jpeg'},
                'body': base64.b64encode(make_image((64, 64))).decode(),
            }
        ],
        token=token,
    )
    assert response.json()['responses'][0]['status'] == 403


def test_batch_items_are_throttled_individually(make_tenant):
    tenant, client = make_tenant(latency_ms=150, concurrency_cap=2, retry_after=0.2)
    token = client.token()
    blockers = [
        threading.Thread(target=client.get, args=('/v1.0/users/alice@contoso.example',), kwargs={'token': token}) for dummy in range(2)
    ]
    for thread in blockers:
        thread.start()
    response = _batch(client, [{'id': str(i), 'method': 'GET', 'url': '/users/alice@contoso.example'} for i in range(4)], token=token)
    for thread in blockers:
        thread.join()
    items = response.json()['responses']
    throttled = [r for r in items if r['status'] == 429]
    assert response.status_code == 200 and throttled
    assert throttled[0]['headers']['Retry-After'] == '0.2'
    assert tenant.stats()['throttled'] >= len(throttled)
