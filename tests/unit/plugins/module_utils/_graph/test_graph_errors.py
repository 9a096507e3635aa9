# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error mapping and hints: decisions on status and error.code, the UnknownError wrapper unwrapped."""

from __future__ import annotations

import json

import pytest
from ansible_collections.m365.photos.plugins.module_utils._graph import errors
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import AuthError, GraphError, hint_for, parse_error_body


def envelope(code, message, request_id='r-1', inner_key='innerError'):
    return json.dumps({'error': {'code': code, 'message': message, inner_key: {'request-id': request_id}}})


def test_parse_error_body_reads_code_message_request_id():
    assert parse_error_body(envelope('ImageNotFound', 'no photo')) == ('ImageNotFound', 'no photo', 'r-1')
    assert parse_error_body(envelope('X', 'm', inner_key='innererror')) == ('X', 'm', 'r-1')


@pytest.mark.parametrize('body', ['', '<html>Bad gateway</html>', '[1, 2]', '{"error": "text"}', '{"value": []}'])
def test_parse_error_body_tolerates_other_bodies(body):
    assert parse_error_body(body) == (None, None, None)


def test_unknown_error_wrapper_is_unwrapped():
    inner = json.dumps({'error': {'code': 'ErrorAccessDenied', 'message': 'Access is denied.'}})
    assert parse_error_body(envelope('UnknownError', inner)) == ('ErrorAccessDenied', 'Access is denied.', 'r-1')
    # unwrapped without the outer "error" object too, and a wrapped error without message keeps the text
    assert errors.unwrap_unknown_error('UnknownError', '{"code": "ImageNotFound"}') == ('ImageNotFound', '{"code": "ImageNotFound"}')


@pytest.mark.parametrize(
    'code, message',
    [
        ('UnknownError', 'plain text'),
        ('UnknownError', '{not json'),
        ('UnknownError', '{"error": {"code": ""}}'),
        ('UnknownError', '[1]'),
        ('ErrorAccessDenied', '{"code": "X"}'),
        ('UnknownError', None),
    ],
)
def test_unknown_error_left_alone_when_nothing_is_wrapped(code, message):
    assert errors.unwrap_unknown_error(code, message) == (code, message)


@pytest.mark.parametrize('code', sorted(errors.NO_PHOTO_CODES))
def test_no_photo_is_404_with_a_no_photo_code(code):
    assert GraphError('x', status=404, code=code).is_no_photo
    assert not GraphError('x', status=400, code=code).is_no_photo
    assert not GraphError('x', status=404, code='Request_ResourceNotFound').is_no_photo
    assert GraphError('ImageNotFoundException thrown', status=404).is_no_photo


def test_graph_error_text_names_call_status_code_request_and_hint():
    error = GraphError('denied', status=403, code='ErrorAccessDenied', request_id='abc', method='PUT', url='/users/a/photo/$value')
    error.hint = 'Add the permission'
    assert str(error) == 'PUT /users/a/photo/$value failed: HTTP 403: ErrorAccessDenied: denied (request-id: abc). Add the permission'
    assert str(GraphError('plain')) == 'plain'
    assert error.as_dict() == {
        'status': 403,
        'code': 'ErrorAccessDenied',
        'message': 'denied',
        'request_id': 'abc',
        'hint': 'Add the permission',
    }


def test_auth_error_text_is_the_message_and_hint_only():
    error = AuthError('Sign-in failed: AADSTS7000215: Invalid client secret.', status=401, code='invalid_client', hint='Check it')
    assert str(error) == 'Sign-in failed: AADSTS7000215: Invalid client secret. Check it'


@pytest.mark.parametrize('code', sorted(errors.MAILBOX_CODES | {'AuthenticationError'}))
def test_hint_on_premises_mailbox(code):
    hint = hint_for(404, code, 'x', user='bob@contoso.example')
    assert 'user bob@contoso.example' in hint and 'KB 3062745' in hint and errors.KB_3062745 in hint


def test_hint_unknown_user():
    assert hint_for(404, 'Request_ResourceNotFound', 'x', user='bob@c.example').startswith('User bob@c.example does not exist')
    assert hint_for(404, 'ImageNotFound', 'x') is None


def test_hint_federation_trust_and_expiry():
    assert 'federated credential' in hint_for(400, 'invalid_request', 'AADSTS700213: No matching federated identity')
    assert 'expired' in hint_for(400, 'invalid_client', 'AADSTS700024: Client assertion is not within its valid time range')


def test_hint_401():
    assert 'client secret has not expired' in hint_for(401, 'invalid_client', 'AADSTS7000215')
    assert hint_for(401, 'InvalidAuthenticationToken', 'expired').startswith('The access token was rejected')


def test_hint_403_policy_when_the_token_has_the_write_role():
    by_role = hint_for(403, 'ErrorAccessDenied', 'Access is denied', token_roles=['ProfilePhoto.ReadWrite.All'], method='PUT', user='a@b')
    by_text = hint_for(403, 'ErrorAccessDenied', 'Blocked by photo update policy', token_roles=[], method='DELETE')
    assert 'blocked by the tenant' in by_role and 'user a@b' in by_role
    assert 'blocked by the tenant' in by_text


def test_hint_403_missing_write_or_read_permission():
    assert 'lacks the Microsoft Graph application permission ProfilePhoto.ReadWrite.All' in hint_for(
        403, 'ErrorAccessDenied', 'denied', token_roles=['User.Read.All'], method='PUT'
    )
    assert 'read permission' in hint_for(403, 'ErrorAccessDenied', 'denied', token_roles=['ProfilePhoto.ReadWrite.All'], method='GET')


def test_hint_size_throttling_and_none():
    assert '4 MB' in hint_for(413, 'RequestEntityTooLarge', 'x')
    assert 'throttling' in hint_for(429, 'TooManyRequests', 'x')
    assert hint_for(500, 'InternalServerError', 'x') is None
