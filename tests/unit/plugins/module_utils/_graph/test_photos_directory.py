# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Photo endpoints and directory reads over the recording stub."""

from __future__ import annotations

import pytest
from ansible_collections.m365.photos.plugins.module_utils._graph import directory, photos
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError
from ansible_collections.m365.photos.tests.unit.plugins.module_utils.graph_stub import graph_error, response


def test_read_metadata_and_content(stub):
    graph, http, dummy = stub
    http.add_user('a@c.example', photo=b'\xff\xd8jpeg')
    meta = photos.read_metadata(graph, 'a@c.example')
    assert meta.as_dict() == {'etag': 'W/"etag-1"', 'width': 648, 'height': 648, 'content_type': 'image/jpeg'}
    content = photos.read_content(graph, 'a@c.example')
    assert (content.data, content.etag, content.content_type) == (b'\xff\xd8jpeg', 'W/"etag-1"', 'image/jpeg')
    assert http.requests_made() == [('GET', '/v1.0/users/a@c.example/photo'), ('GET', '/v1.0/users/a@c.example/photo/$value')]


def test_no_photo_is_confirmed_with_the_directory_once_per_run(stub):
    graph, http, dummy = stub
    http.add_user('a@c.example')
    assert photos.read_metadata(graph, 'a@c.example') is None
    assert photos.read_content(graph, 'A@C.example') is None
    assert photos.remove(graph, 'a@c.example') is False
    assert http.requests_made('GET', '/users/a@c.example') == [('GET', '/v1.0/users/a@c.example')]


def test_no_photo_for_an_unknown_user_is_an_unknown_user(stub):
    graph, http, dummy = stub
    http.queue(graph_error(404, 'ImageNotFound'), 'GET', '/photo')
    with pytest.raises(directory.UnknownUser) as raised:
        photos.read_metadata(graph, 'typo@c.example')
    assert str(raised.value) == 'user typo@c.example does not exist in the tenant (check the userPrincipalName or object id, and tenant_id)'
    with pytest.raises(directory.UnknownUser):  # the photo endpoint's own "no such user"
        photos.read_content(graph, 'typo@c.example')


def test_put_to_an_unknown_user_says_so(stub):
    graph, http, dummy = stub
    http.queue(graph_error(404, 'ImageNotFound'), 'PUT')
    with pytest.raises(directory.UnknownUser):
        photos.upload(graph, 'ghost@c.example', b'x')


def test_legacy_placeholder_is_no_photo_only_with_an_empty_etag(stub):
    graph, http, dummy = stub
    http.add_user('a@c.example')
    http.set_photo('a@c.example', b'GIF89a', 'image/gif', etag='')
    assert photos.read_content(graph, 'a@c.example') is None
    http.set_photo('a@c.example', b'GIF89a', 'image/gif', etag='W/"real"')
    assert photos.read_content(graph, 'a@c.example').etag == 'W/"real"'
    assert photos.is_placeholder('image/gif; charset=x', 'W/""') and not photos.is_placeholder('image/jpeg', '')


def test_content_that_is_not_an_image_is_an_unexpected_answer(stub):
    graph, http, dummy = stub
    http.add_user('a@c.example', photo=b'x')
    http.queue(response(200, '<html>login</html>', {'Content-Type': 'text/html'}), 'GET', '/$value')
    with pytest.raises(GraphError, match='^unexpected answer from Microsoft Graph: HTTP 200, content type text/html'):
        photos.read_content(graph, 'a@c.example')


def test_upload_and_remove(stub):
    graph, http, dummy = stub
    http.add_user('a@c.example')
    photos.upload(graph, 'a@c.example', b'new')
    assert http.photos['a@c.example'][0] == b'new'
    assert photos.remove(graph, 'a@c.example') is True and 'a@c.example' not in http.photos


def test_other_errors_pass_through(stub):
    graph, http, dummy = stub
    http.queue(graph_error(403, 'ErrorAccessDenied'), 'GET')
    with pytest.raises(GraphError) as raised:
        photos.read_metadata(graph, 'a@c.example')
    assert raised.value.status == 403 and not isinstance(raised.value, directory.UnknownUser)
    http.queue(graph_error(500, 'InternalServerError'), 'DELETE')
    with pytest.raises(GraphError):
        photos.remove(graph, 'a@c.example')


def test_directory_resolver_by_alias_and_mail(stub):
    graph, http, dummy = stub
    http.add_user('jurgen@c.example', mailNickname='Jürgen')
    http.add_user('bob@c.example', mail='robert@c.example')
    by_alias = directory.directory_resolver(graph, 'mail_nickname')
    assert by_alias('ju\u0308rgen') == 'jurgen@c.example'  # decomposed (macOS) file name
    assert by_alias('nobody') is None
    assert directory.directory_resolver(graph, 'mail')('ROBERT@c.example') == 'bob@c.example'
    # listed users exist: their no-photo answers need no directory check
    assert photos.read_metadata(graph, 'bob@c.example') is None
    assert http.requests_made('GET', '/users/bob@c.example') == []


def test_tenant_users_skips_disabled_and_guests(stub):
    graph, http, dummy = stub
    http.add_user('a@c.example', accountEnabled=True)
    http.add_user('b@c.example', accountEnabled=False)
    http.add_user('g@c.example', accountEnabled=True, userType='Guest')
    assert [u['userPrincipalName'] for u in directory.tenant_users(graph)] == ['a@c.example']
    assert len(directory.tenant_users(graph, include_guests=True)) == 2
    assert directory.get_user(graph, 'a@c.example')['id'] == 'id-1'


def test_purge_members_by_group_name(stub):
    graph, http, dummy = stub
    members = [
        {'id': 'u1', 'userPrincipalName': 'a@c.example'},
        {'@odata.type': '#microsoft.graph.device', 'id': 'd1'},
        {'@odata.type': '#microsoft.graph.user', 'id': 'u2', 'userPrincipalName': 'b@c.example'},
    ]
    http.groups['g1'] = {'displayName': "O'Brien team", 'members': members}
    assert [m['id'] for m in directory.purge_members(graph, "O'Brien team")] == ['u1', 'u2']
    assert http.calls[0][2]['$filter'] == "displayName eq 'O''Brien team'"
    assert http.calls[1][1] == '/v1.0/groups/g1/transitiveMembers'


def test_group_members_fall_back_to_direct_members(stub):
    graph, http, dummy = stub
    http.groups['g1'] = {'displayName': 'x', 'members': [{'id': 'u1', 'userPrincipalName': 'a@c.example'}], 'no_transitive': True}
    guid = '0f8fad5b-d9cb-469f-a165-70867728950e'
    http.groups[guid] = http.groups['g1']
    assert len(directory.purge_members(graph, guid)) == 1
    assert [p for dummy_m, p in http.requests_made()] == ['/v1.0/groups/%s/transitiveMembers' % guid, '/v1.0/groups/%s/members' % guid]


def test_group_members_without_upn_mean_a_missing_permission(stub):
    graph, http, dummy = stub
    http.groups['g1'] = {'displayName': 'x', 'members': [{'id': 'u1'}, {'id': 'u2', 'userPrincipalName': 'b@c.example'}]}
    with pytest.raises(directory.LimitedMembers) as raised:
        directory.group_members(graph, 'g1')
    assert '1 of its 2 user members' in str(raised.value) and 'User.ReadBasic.All' in str(raised.value)


@pytest.mark.parametrize('groups', [{}, {'g1': {'displayName': 'dup'}, 'g2': {'displayName': 'dup'}}])
def test_group_name_must_match_one_group(stub, groups):
    graph, http, dummy = stub
    http.groups.update(dict((k, dict(v, members=[])) for k, v in groups.items()))
    with pytest.raises(GraphError, match="^purge_group 'dup' matches %d groups; give its object id instead" % len(groups)):
        directory.find_group_id(graph, 'dup')


def test_group_errors_other_than_unsupported_raise(stub):
    graph, http, dummy = stub
    http.queue(graph_error(403, 'Authorization_RequestDenied'), 'GET')
    with pytest.raises(GraphError):
        directory.group_members(graph, 'g1')


def test_photo_update_settings_from_beta(stub):
    graph, http, dummy = stub
    assert directory.photo_update_settings(graph) == {'source': 'cloud', 'allowedRoles': []}
    assert http.requests_made() == [('GET', '/beta/admin/people/photoUpdateSettings')]


def test_require_user_other_errors_raise(stub):
    graph, http, dummy = stub
    http.queue(graph_error(500, 'InternalServerError'), 'GET', times=4)
    with pytest.raises(GraphError) as raised:
        directory.require_user(graph, 'a@c.example')
    assert raised.value.status == 500
