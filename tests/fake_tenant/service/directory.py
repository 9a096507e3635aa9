"""/users, /groups and the beta photoUpdateSettings resource."""

import json

from . import odata
from .http_types import Response, graph_error, json_response

USER_READ = frozenset(['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'])
GROUP_READ = frozenset(['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'])
SETTINGS_READ = frozenset(['PeopleSettings.Read.All', 'PeopleSettings.ReadWrite.All'])
SETTINGS_WRITE = frozenset(['PeopleSettings.ReadWrite.All'])

# The v1.0 user resource's default properties (returned without $select); mailNickname is not one of them.
USER_DEFAULT = (
    'businessPhones',
    'displayName',
    'givenName',
    'jobTitle',
    'mail',
    'mobilePhone',
    'officeLocation',
    'preferredLanguage',
    'surname',
    'userPrincipalName',
    'id',
)
USER_PROPS = USER_DEFAULT + (
    'mailNickname',
    'accountEnabled',
    'userType',
    'department',
    'otherMails',
    'proxyAddresses',
    'employeeId',
    'companyName',
    'usageLocation',
    'onPremisesSyncEnabled',
    'onPremisesImmutableId',
    'createdDateTime',
    'externalUserState',
)
USER_FILTER = ('id', 'userPrincipalName', 'mail', 'mailNickname', 'displayName', 'givenName', 'surname', 'userType')
GROUP_DEFAULT = ('id', 'displayName', 'description', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled', 'groupTypes')
GROUP_FILTER = ('id', 'displayName', 'mailNickname', 'mail')
MEMBER_PROPS = tuple(sorted(set(USER_PROPS) | set(GROUP_DEFAULT)))
SORTABLE = ('displayName', 'userPrincipalName')


# Collection-valued properties: Graph answers an empty list, never null, when a user has none.
COLLECTIONS = ('businessPhones', 'otherMails', 'proxyAddresses', 'groupTypes')


def project(obj, selected, default):
    item = odata.project(obj, selected, default)
    for name in COLLECTIONS:
        if name in item and item[name] is None:
            item[name] = []
    return item


def not_found(req, key):
    return graph_error(
        req,
        404,
        'Request_ResourceNotFound',
        "Resource '%s' does not exist or one of its queried reference-property objects are not present." % key,
    )


def query_error(req, exc):
    return graph_error(req, 400, exc.code, exc.message)


class DirectoryResource:
    """Handlers of /users, /groups and photoUpdateSettings; needs only the store and the Graph root URL."""

    def __init__(self, store, graph_url, config=None):
        self.store = store
        self.graph_url = graph_url
        self.config = config

    @staticmethod
    def require(req, claims, roles):
        if roles.isdisjoint(claims.get('roles') or ()):
            return graph_error(req, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
        return None

    def lookup(self, req, key):
        user = self.store.find_user(key)
        if user is None:
            return None, not_found(req, key)
        return user, None

    # ----- users ---------------------------------------------------------------------------
    def get_user(self, req, claims, params):
        denied = self.require(req, claims, USER_READ)
        if denied is not None:
            return denied
        try:
            odata.check_options(req, ('$select',))
            selected = odata.parse_select(req, USER_PROPS, 'microsoft.graph.user')
        except odata.QueryError as exc:
            return query_error(req, exc)
        user, missing = self.lookup(req, params['id'])
        if missing is not None:
            return missing
        body = {'@odata.context': odata.context_url(self.graph_url + '/v1.0', 'users', selected, single=True)}
        body.update(project(user, selected, USER_DEFAULT))
        return json_response(200, body)

    def _filtered_users(self, tree):
        store = self.store
        if len(tree) == 1 and len(tree[0]) == 1 and tree[0][0][1] in ('id', 'userPrincipalName', 'mail') and tree[0][0][0] in ('eq', 'in'):
            # Index lookups keep "find this user" filters O(1) on 10,000-user tenants.
            kind, prop, value = tree[0][0]
            found = []
            for item in [value] if kind == 'eq' else value:
                user = store.find_user_by(prop, item)
                if user is not None and user not in found:
                    found.append(user)
            return found
        return [u for u in store.users if odata.matches(tree, u)]

    def list_users(self, req, claims, _params):
        denied = self.require(req, claims, USER_READ)
        if denied is not None:
            return denied
        try:
            odata.check_options(req)
            selected = odata.parse_select(req, USER_PROPS, 'microsoft.graph.user')
            top = odata.parse_top(req)
            raw_filter = req.param('$filter')
            with self.store.lock:
                users = self._filtered_users(odata.parse_filter(raw_filter, USER_FILTER)) if raw_filter else list(self.store.users)
            return self._collection_page(req, users, 'users', selected, USER_DEFAULT, top)
        except odata.QueryError as exc:
            return query_error(req, exc)

    def _collection_page(self, req, items, segment, selected, default, top):
        """One page of a collection, ordered, counted and projected as Graph answers it."""
        items = self._order(req, items)
        count = self._count(req, items)
        chunk, next_link = odata.page(items, req, top, self.graph_url + '/v1.0/' + segment)
        body = {'@odata.context': odata.context_url(self.graph_url + '/v1.0', segment, selected)}
        body.update(count)
        if next_link:
            body['@odata.nextLink'] = next_link
        body['value'] = [project(item, selected, default) for item in chunk]
        return json_response(200, body)

    @staticmethod
    def _order(req, items):
        raw = req.param('$orderby')
        if raw is None:
            return items
        parts = raw.split()
        if not parts or parts[0] not in SORTABLE or len(parts) > 2 or (len(parts) == 2 and parts[1] not in ('asc', 'desc')):
            raise odata.QueryError('Request_UnsupportedQuery', 'Unsupported sort property or direction: %s.' % raw)
        return sorted(items, key=lambda item: (item.get(parts[0]) or '').lower(), reverse=parts[-1] == 'desc')

    @staticmethod
    def _count(req, items):
        raw = req.param('$count')
        if raw is None or raw.lower() == 'false':
            return {}
        if req.headers.get('consistencylevel', '').lower() != 'eventual':
            raise odata.QueryError('Request_BadRequest', '$count is not currently supported without ConsistencyLevel: eventual.')
        return {'@odata.count': len(items)}

    # ----- groups --------------------------------------------------------------------------
    def list_groups(self, req, claims, _params):
        denied = self.require(req, claims, GROUP_READ)
        if denied is not None:
            return denied
        try:
            odata.check_options(req)
            selected = odata.parse_select(req, GROUP_DEFAULT, 'microsoft.graph.group')
            top = odata.parse_top(req)
            raw_filter = req.param('$filter')
            groups = list(self.store.groups)
            if raw_filter:
                tree = odata.parse_filter(raw_filter, GROUP_FILTER)
                groups = [g for g in groups if odata.matches(tree, g)]
            return self._collection_page(req, groups, 'groups', selected, GROUP_DEFAULT, top)
        except odata.QueryError as exc:
            return query_error(req, exc)

    def get_group(self, req, claims, params):
        denied = self.require(req, claims, GROUP_READ)
        if denied is not None:
            return denied
        try:
            odata.check_options(req, ('$select',))
            selected = odata.parse_select(req, GROUP_DEFAULT, 'microsoft.graph.group')
        except odata.QueryError as exc:
            return query_error(req, exc)
        group = self.store.find_group(params['id'])
        if group is None:
            return not_found(req, params['id'])
        body = {'@odata.context': odata.context_url(self.graph_url + '/v1.0', 'groups', selected, single=True)}
        body.update(project(group, selected, GROUP_DEFAULT))
        return json_response(200, body)

    def _members(self, group, transitive):
        store = self.store
        out, seen_users, seen_groups = [], set(), {group['id']}
        queue = [group]
        while queue:
            current = queue.pop(0)
            for uid in current['members']:
                if uid not in seen_users:
                    seen_users.add(uid)
                    user = store.find_user(uid)
                    if user is not None:
                        out.append(('#microsoft.graph.user', user))
            for gid in current.get('member_groups', []):
                if gid not in seen_groups:
                    seen_groups.add(gid)
                    sub = store.find_group(gid)
                    if sub is not None:
                        out.append(('#microsoft.graph.group', sub))
                        if transitive:
                            queue.append(sub)
        return out

    def members(self, req, claims, params, transitive=False):
        denied = self.require(req, claims, GROUP_READ)
        if denied is not None:
            return denied
        group = self.store.find_group(params['id'])
        try:
            odata.check_options(req, ('$select', '$top', '$skiptoken', '$count'))
            selected = odata.parse_select(req, MEMBER_PROPS, 'microsoft.graph.directoryObject')
            top = odata.parse_top(req)
            if group is None:
                return not_found(req, params['id'])
            with self.store.lock:
                members = self._members(group, transitive)
            count = self._count(req, members)
            segment = 'transitiveMembers' if transitive else 'members'
            chunk, next_link = odata.page(members, req, top, '%s/v1.0/groups/%s/%s' % (self.graph_url, group['id'], segment))
        except odata.QueryError as exc:
            return query_error(req, exc)
        body = {'@odata.context': self.graph_url + '/v1.0/$metadata#directoryObjects'}
        body.update(count)
        if next_link:
            body['@odata.nextLink'] = next_link
        # Without a user-read role, live tenants answer users with only @odata.type and id (limited information).
        limited = bool(self.config and self.config.limited_members) and USER_READ.isdisjoint(claims.get('roles') or ())
        values = []
        for odata_type, obj in chunk:
            default = USER_DEFAULT if odata_type == '#microsoft.graph.user' else GROUP_DEFAULT
            item = {'@odata.type': odata_type}
            if limited and odata_type == '#microsoft.graph.user':
                item['id'] = obj['id']
            else:
                item.update({k: v for k, v in project(obj, selected, default).items() if k in obj or k in default})
            values.append(item)
        body['value'] = values
        return json_response(200, body)

    def transitive_members(self, req, claims, params):
        return self.members(req, claims, params, transitive=True)

    # ----- beta photoUpdateSettings --------------------------------------------------------------
    def get_settings(self, req, claims, _params):
        denied = self.require(req, claims, SETTINGS_READ)
        if denied is not None:
            return denied
        settings = self.store.settings
        return json_response(
            200,
            {
                '@odata.context': self.graph_url + '/beta/$metadata#admin/people/photoUpdateSettings/$entity',
                'source': settings.get('source', 'cloud'),
                'allowedRoles': list(settings.get('allowedRoles', [])),
            },
        )

    def patch_settings(self, req, claims, _params):
        denied = self.require(req, claims, SETTINGS_WRITE)
        if denied is not None:
            return denied
        try:
            body = json.loads(req.body.decode('utf-8') or 'null')
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return graph_error(req, 400, 'BadRequest', 'Empty or malformed JSON payload.')
        changes = {}
        for key, value in body.items():
            if key == '@odata.type':
                continue
            valid_source = key == 'source' and value in ('cloud', 'onPremises')
            valid_roles = key == 'allowedRoles' and isinstance(value, list) and all(isinstance(v, str) for v in value)
            if valid_source or valid_roles:
                changes[key] = value
            else:
                return graph_error(req, 400, 'BadRequest', "Invalid value for property '%s'." % key)
        self.store.set_settings(changes)
        return Response(204)
