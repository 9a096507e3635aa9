import time

import pytest
from fake_tenant.service import seed


def test_get_user_default_and_select(client, tenant):
    body = client.get('/v1.0/users/alice@contoso.example').json()
    assert body['@odata.context'] == tenant.graph_url + '/v1.0/$metadata#users/$entity'
    assert body['id'] == seed.user_id(tenant.tenant_id, 'alice@contoso.example')
    assert {k: body[k] for k in ('userPrincipalName', 'mail', 'displayName')} == {
        'userPrincipalName': 'alice@contoso.example',
        'mail': 'alice@contoso.example',
        'displayName': 'Alice Anderson',
    }
    # The documented default set (issue 9, item 10): mailNickname only on $select.
    assert 'mailNickname' not in body
    assert {'businessPhones', 'givenName', 'surname', 'jobTitle', 'mobilePhone', 'officeLocation', 'preferredLanguage'} <= set(body)
    selected = client.get('/v1.0/users/alice@contoso.example?$select=mailNickname').json()
    assert selected['mailNickname'] == 'alice'
    by_id = client.get('/v1.0/users/' + body['id'] + '?$select=displayName,id').json()
    assert set(by_id) == {'@odata.context', 'displayName', 'id'}
    assert by_id['@odata.context'].endswith('#users(displayName,id)/$entity')
    bad = client.get('/v1.0/users/alice@contoso.example?$select=nonsense')
    assert bad.status_code == 400


def test_unknown_user_404(client):
    response = client.get('/v1.0/users/nobody@contoso.example')
    assert response.status_code == 404 and response.json()['error']['code'] == 'Request_ResourceNotFound'


def _all_pages(client, path):
    pages, items = 0, []
    url = path
    while url:
        body = client.get(url).json()
        items.extend(body['value'])
        url = body.get('@odata.nextLink')
        pages += 1
    return pages, items


def test_paging_with_next_link(client, tenant):
    pages, users = _all_pages(client, '/v1.0/users?$top=3&$select=id,userPrincipalName')
    assert pages == 3 and len(users) == 8
    assert set(users[0]) == {'id', 'userPrincipalName'}
    first = client.get('/v1.0/users?$top=3').json()
    assert first['@odata.nextLink'].startswith(tenant.graph_url + '/v1.0/users?')
    assert '$skiptoken=' in first['@odata.nextLink']
    assert client.get('/v1.0/users?$top=1000').status_code == 400
    assert client.get('/v1.0/users?$skiptoken=garbage').status_code == 400
    assert len(client.get('/v1.0/users').json()['value']) == 8  # default page 100


@pytest.mark.parametrize(
    'expr,expected',
    [
        ("userPrincipalName eq 'BOB@contoso.example'", ['bob']),
        ("mail eq 'carol@contoso.example'", ['carol']),
        ("mailNickname eq 'dave'", ['dave']),
        ("startswith(userPrincipalName,'e')", ['erin']),
        ("userPrincipalName in ('alice@contoso.example','frank@contoso.example')", ['alice', 'frank']),
        ("mailNickname eq 'alice' or mailNickname eq 'bob'", ['alice', 'bob']),
        ("userPrincipalName eq 'nobody@contoso.example'", []),
    ],
)
def test_user_filters(client, expr, expected):
    response = client.get('/v1.0/users', params={'$filter': expr, '$select': 'mailNickname'})
    assert response.status_code == 200, response.text
    assert sorted(u['mailNickname'] for u in response.json()['value']) == expected


def test_id_in_filter(client, tenant):
    ids = [seed.user_id(tenant.tenant_id, '%s@contoso.example' % n) for n in ('alice', 'bob')]
    expr = 'id in (%s)' % ','.join("'%s'" % i for i in ids)
    assert len(client.get('/v1.0/users', params={'$filter': expr}).json()['value']) == 2


@pytest.mark.parametrize(
    'expr',
    ["endswith(mail,'x')", "city eq 'x'", "mail ne 'x'", "userPrincipalName eq", 'id in (%s)' % ','.join("'%d'" % i for i in range(16))],
)
def test_unsupported_filter(client, expr):
    response = client.get('/v1.0/users', params={'$filter': expr})
    assert response.status_code == 400 and response.json()['error']['code'] == 'Request_UnsupportedQuery'


def test_groups(client, tenant):
    found = client.get('/v1.0/groups', params={'$filter': "displayName eq 'Photo Managed Staff'"}).json()['value']
    assert len(found) == 1 and found[0]['id'] == seed.group_id(tenant.tenant_id, 'Photo Managed Staff')
    group = client.get('/v1.0/groups/' + found[0]['id']).json()
    assert group['displayName'] == 'Photo Managed Staff'
    assert client.get('/v1.0/groups/00000000-0000-0000-0000-000000000000').status_code == 404
    pages, members = _all_pages(client, '/v1.0/groups/%s/members?$top=4&$select=id,userPrincipalName' % found[0]['id'])
    assert pages == 2
    assert sorted(m['userPrincipalName'].split('@')[0] for m in members) == ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']
    assert all(m['@odata.type'] == '#microsoft.graph.user' for m in members)


def test_nested_groups_and_transitive_members(make_tenant):
    tenant, client = make_tenant()
    tenant.add_users(
        {
            'users': [{'userPrincipalName': 'zed@contoso.example'}],
            'groups': [
                {'displayName': 'Inner', 'members': ['zed@contoso.example']},
                {'displayName': 'Outer', 'members': ['alice@contoso.example'], 'member_groups': ['Inner']},
            ],
        }
    )
    outer = client.get('/v1.0/groups', params={'$filter': "displayName eq 'Outer'"}).json()['value'][0]['id']
    direct = client.get('/v1.0/groups/%s/members' % outer).json()['value']
    assert sorted(m['@odata.type'] for m in direct) == ['#microsoft.graph.group', '#microsoft.graph.user']
    transitive = client.get('/v1.0/groups/%s/transitiveMembers' % outer).json()['value']
    assert {m.get('userPrincipalName') for m in transitive if m['@odata.type'].endswith('user')} == {
        'alice@contoso.example',
        'zed@contoso.example',
    }


def test_group_members_needs_role(client):
    from fake_tenant import READONLY_APP_ID  # pylint: disable=import-outside-toplevel

    token = client.token(READONLY_APP_ID, 'readonly-client-secret')
    response = client.get('/v1.0/groups', token=token)
    assert response.status_code == 403 and response.json()['error']['code'] == 'Authorization_RequestDenied'


def test_generated_users_are_fast(make_tenant, tmp_path):
    started = time.time()
    tenant, client = make_tenant(
        state_dir=str(tmp_path / 'bulk'),
        seed={'generated_users': {'count': 10000, 'prefix': 'user', 'domain': 'contoso.example', 'group': 'Bulk Users'}},
    )
    assert time.time() - started < 5
    body = client.get(
        '/v1.0/users', params={'$filter': "userPrincipalName eq 'user09999@contoso.example'", '$select': 'mailNickname'}
    ).json()
    assert body['value'][0]['mailNickname'] == 'user09999'
    group = client.get('/v1.0/groups', params={'$filter': "displayName eq 'Bulk Users'"}).json()['value'][0]
    page = client.get('/v1.0/groups/%s/members?$top=999' % group['id']).json()
    assert len(page['value']) == 999 and '@odata.nextLink' in page
    tenant.stop()
    started = time.time()
    again, client = make_tenant(state_dir=str(tmp_path / 'bulk'))
    assert time.time() - started < 3
    assert client.get('/v1.0/users/user00001@contoso.example').status_code == 200
    assert again.tenant_id == seed.DEFAULT_TENANT_ID
