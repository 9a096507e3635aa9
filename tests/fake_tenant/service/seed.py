"""Tenant content: the default seed and merging of user-supplied seeds."""

import copy
import json
import uuid

ID_NAMESPACE = uuid.UUID('0f6b3c1e-8d43-4a9e-b1f7-6a2d5c9e4b21')

DEFAULT_TENANT_ID = '6c1f2ef3-3c2b-4a8b-9d1e-5a3f0c2b7d10'
DEFAULT_TENANT_DOMAIN = 'contoso.example'

DEMO_APP_ID = '11111111-1111-4111-8111-111111111111'
READONLY_APP_ID = '22222222-2222-4222-8222-222222222222'
CERT_APP_ID = '33333333-3333-4333-8333-333333333333'
FEDERATED_APP_ID = '44444444-4444-4444-8444-444444444444'
SYSTEM_MI_ID = '55555555-5555-4555-8555-555555555555'
USER_MI_ID = '66666666-6666-4666-8666-666666666666'
DEMO_APP_SECRET = 'demo-client-secret'
READONLY_APP_SECRET = 'readonly-client-secret'
CLIENT_CERT_FILE = 'client-cert.pem'  # in the state dir: key + certificate of app 3; the .pfx beside it

FULL_ROLES = ['ProfilePhoto.ReadWrite.All', 'User.Read.All', 'GroupMember.Read.All', 'PeopleSettings.Read.All']
READONLY_ROLES = ['User.Read.All', 'ProfilePhoto.Read.All']
FEDERATED_ISSUER = '{authority_host}/external-idp'
FEDERATED_SUBJECT = 'repo:contoso/photos:ref:refs/heads/main'
FEDERATED_AUDIENCE = 'api://AzureADTokenExchange'
DEFAULT_GROUP = 'Photo Managed Staff'

_PEOPLE = [
    ('alice', 'Alice Anderson'),
    ('bob', 'Bob Brown'),
    ('carol', 'Carol Clark'),
    ('dave', 'Dave Davis'),
    ('erin', 'Erin Evans'),
    ('frank', 'Frank Fischer'),
]


def default_seed():
    users = [{'userPrincipalName': '%s@%s' % (nick, DEFAULT_TENANT_DOMAIN), 'displayName': name} for nick, name in _PEOPLE]
    users.append({'userPrincipalName': 'onprem@' + DEFAULT_TENANT_DOMAIN, 'displayName': 'Oona Onprem', 'scenario': 'mailbox_on_premises'})
    users.append(
        {'userPrincipalName': 'blocked@' + DEFAULT_TENANT_DOMAIN, 'displayName': 'Bruno Blocked', 'scenario': 'photo_update_blocked'}
    )
    return {
        'tenant_id': DEFAULT_TENANT_ID,
        'tenant_domain': DEFAULT_TENANT_DOMAIN,
        'apps': [
            {'client_id': DEMO_APP_ID, 'display_name': 'm365.photos demo', 'secrets': [DEMO_APP_SECRET], 'roles': list(FULL_ROLES)},
            {
                'client_id': READONLY_APP_ID,
                'display_name': 'read-only',
                'secrets': [READONLY_APP_SECRET],
                'roles': list(READONLY_ROLES),
            },
            {'client_id': CERT_APP_ID, 'display_name': 'certificate app', 'certificate_file': CLIENT_CERT_FILE, 'roles': list(FULL_ROLES)},
            {
                'client_id': FEDERATED_APP_ID,
                'display_name': 'federated app',
                'roles': list(FULL_ROLES),
                'federated_credentials': [{'issuer': FEDERATED_ISSUER, 'subject': FEDERATED_SUBJECT, 'audience': FEDERATED_AUDIENCE}],
            },
        ],
        'managed_identities': [
            {'client_id': SYSTEM_MI_ID, 'display_name': 'system-assigned identity', 'system_assigned': True, 'roles': list(FULL_ROLES)},
            {
                'client_id': USER_MI_ID,
                'display_name': 'user-assigned read-only identity',
                'object_id': str(uuid.uuid5(ID_NAMESPACE, 'mi-object/' + USER_MI_ID)),
                'resource_id': '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/'
                'Microsoft.ManagedIdentity/userAssignedIdentities/photos-readonly',
                'roles': list(READONLY_ROLES),
            },
        ],
        'users': users,
        'groups': [{'displayName': DEFAULT_GROUP, 'members': ['%s@%s' % (nick, DEFAULT_TENANT_DOMAIN) for nick, _name in _PEOPLE]}],
        'photo_update_settings': {'source': 'cloud', 'allowedRoles': []},
    }


def load_seed(seed):
    """Accept None, a dict, or a path to a JSON file."""
    if seed is None:
        return None
    if isinstance(seed, dict):
        return copy.deepcopy(seed)
    with open(seed, 'rb') as handle:
        return json.loads(handle.read().decode('utf-8'))


def _merge_list(base, extra, key):
    index = {str(item[key]).lower(): pos for pos, item in enumerate(base)}
    for item in extra:
        pos = index.get(str(item[key]).lower())
        if pos is None:
            index[str(item[key]).lower()] = len(base)
            base.append(item)
        else:
            merged = dict(base[pos])
            merged.update(item)
            base[pos] = merged


def merge_seed(extra):
    """A user seed is layered over the default seed unless it says "defaults": false."""
    extra = extra or {}
    result = default_seed() if extra.get('defaults', True) else {'apps': [], 'users': [], 'groups': [], 'managed_identities': []}
    for key in ('tenant_id', 'tenant_domain', 'photo_update_settings', 'generated_users'):
        if key in extra:
            result[key] = copy.deepcopy(extra[key])
    for key, ident in (
        ('apps', 'client_id'),
        ('users', 'userPrincipalName'),
        ('groups', 'displayName'),
        ('managed_identities', 'client_id'),
    ):
        _merge_list(result.setdefault(key, []), copy.deepcopy(extra.get(key, [])), ident)
    return result


def user_id(tenant_id, upn):
    return str(uuid.uuid5(ID_NAMESPACE, '%s/user/%s' % (tenant_id, upn.lower())))


def group_id(tenant_id, name):
    return str(uuid.uuid5(ID_NAMESPACE, '%s/group/%s' % (tenant_id, name.lower())))


def make_user(tenant_id, spec):
    upn = spec['userPrincipalName']
    nick = spec.get('mailNickname') or upn.split('@', 1)[0]
    display = spec.get('displayName') or nick
    parts = display.split(' ', 1)
    user = {
        'id': spec.get('id') or user_id(tenant_id, upn),
        'userPrincipalName': upn,
        'mail': spec.get('mail', upn),
        'mailNickname': nick,
        'displayName': display,
        'givenName': spec.get('givenName', parts[0]),
        'surname': spec.get('surname', parts[1] if len(parts) > 1 else None),
        'accountEnabled': spec.get('accountEnabled', True),
        'userType': spec.get('userType', 'Member'),
    }
    for key, value in spec.items():
        if key not in user and key != 'scenario':
            user[key] = value
    if spec.get('scenario'):
        user['scenario'] = spec['scenario']
    return user


def generate_users(tenant_id, spec):
    """Bulk users user00001@domain ... built with plain string ops so 10,000 take milliseconds."""
    count = int(spec.get('count', 0))
    prefix = spec.get('prefix', 'user')
    domain = spec.get('domain', DEFAULT_TENANT_DOMAIN)
    width = int(spec.get('digits', 5))
    users = []
    for number in range(1, count + 1):
        nick = '%s%0*d' % (prefix, width, number)
        upn = '%s@%s' % (nick, domain)
        users.append(
            {
                'id': str(uuid.uuid5(ID_NAMESPACE, '%s/user/%s' % (tenant_id, upn.lower()))),
                'userPrincipalName': upn,
                'mail': upn,
                'mailNickname': nick,
                'displayName': 'Generated User %0*d' % (width, number),
                'givenName': 'Generated',
                'surname': 'User %0*d' % (width, number),
                'accountEnabled': True,
                'userType': 'Member',
            }
        )
    return users
