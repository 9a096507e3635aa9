"""Faults and hostile answers for client robustness tests: 429 bursts, tokens that expire every N
requests, and per-user scenarios answering HTML, JSON lists, HTML 502, a one-hour Retry-After and
the legacy "no photo" placeholder."""

from conftest import make_image


def test_429_bursts_are_consecutive_and_carry_retry_after(make_tenant):
    tenant, client = make_tenant(fault_429_rate=0.05, fault_429_burst=4, fault_seed=7, retry_after=0.25)
    token = client.token()
    statuses = []
    for dummy in range(200):
        response = client.get('/v1.0/users/alice@contoso.example', token=token)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.headers['Retry-After'] == '0.25'
            assert response.json()['error']['code'] == 'TooManyRequests'
    runs = []
    current = 0
    for status in statuses + [200]:
        if status == 429:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    assert runs, 'no 429 burst in 200 requests at 5 %'
    # A burst is 4 requests; two bursts may touch (the next one starts right after).
    assert all(run % 4 == 0 for run in runs), runs
    assert tenant.stats()['faults_injected']['429'] == statuses.count(429)


def test_tokens_expire_every_n_requests(make_tenant):
    tenant, client = make_tenant(token_expire_every=10)
    token = client.token()
    answers = [client.get('/v1.0/users/alice@contoso.example', token=token).status_code for dummy in range(10)]
    assert answers == [200] * 9 + [401]
    assert client.get('/v1.0/users/alice@contoso.example', token=token).status_code == 401
    fresh = client.token(fresh=True)
    assert client.get('/v1.0/users/alice@contoso.example', token=fresh).status_code == 200
    assert tenant.stats()['faults_injected']['token_expiry'] == 2


def test_hostile_user_scenarios(make_tenant):
    tenant, client = make_tenant()
    tenant.add_users(
        {
            'users': [
                {'userPrincipalName': 'html@contoso.example', 'displayName': 'H', 'scenario': 'html_200'},
                {'userPrincipalName': 'list@contoso.example', 'displayName': 'L', 'scenario': 'json_list'},
                {'userPrincipalName': 'gateway@contoso.example', 'displayName': 'G', 'scenario': 'html_502'},
                {'userPrincipalName': 'slow@contoso.example', 'displayName': 'S', 'scenario': 'retry_after_long'},
                {'userPrincipalName': 'legacy@contoso.example', 'displayName': 'P', 'scenario': 'legacy_placeholder'},
            ]
        }
    )
    html = client.get('/v1.0/users/html@contoso.example/photo')
    assert html.status_code == 200 and html.headers['Content-Type'].startswith('text/html') and html.headers['request-id']
    listing = client.get('/v1.0/users/list@contoso.example/photo')
    assert listing.status_code == 200 and isinstance(listing.json(), list)
    gateway = client.get('/v1.0/users/gateway@contoso.example/photo/$value')
    assert gateway.status_code == 502 and gateway.headers['Content-Type'].startswith('text/html')
    slow = client.get('/v1.0/users/slow@contoso.example/photo')
    assert slow.status_code == 429 and slow.headers['Retry-After'] == '3600'
    legacy = client.get('/v1.0/users/legacy@contoso.example/photo')
    assert legacy.status_code == 200
    assert legacy.json()['@odata.mediaContentType'] == 'image/gif' and legacy.json()['@odata.mediaEtag'] == ''
    value = client.get('/v1.0/users/legacy@contoso.example/photo/$value')
    assert value.headers['Content-Type'] == 'image/gif' and value.content.startswith(b'GIF89a')
    # Once a photo is stored, the placeholder user answers like any other.
    assert client.put_photo('legacy@contoso.example', make_image()).status_code == 200
    stored = client.get('/v1.0/users/legacy@contoso.example/photo').json()
    assert stored['@odata.mediaContentType'] == 'image/jpeg' and stored['@odata.mediaEtag']
