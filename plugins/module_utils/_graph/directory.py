# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Directory reads: users by UPN, mail alias or mail, the members of a group, and the tenant's
photo update policy. Every directory URL of the collection is built here."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Callable

from ansible_collections.m365.photos.plugins.module_utils._graph.client import GraphClient, user_path
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError

GUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
USER_SELECT = 'id,userPrincipalName,mail,mailNickname'
# Option value of user_photos' ``match`` -> the Graph user attribute file names are matched with.
MATCH_ATTRIBUTES = {'mail_nickname': 'mailNickname', 'mail': 'mail'}
USER_TYPE = '#microsoft.graph.user'


def odata_quote(value: str) -> str:
    """An OData string literal: single quotes doubled."""
    return "'%s'" % value.replace("'", "''")


class UnknownUser(GraphError):
    """The directory has no such user: the photo endpoints' "no photo" answer was about a typo."""

    def __str__(self):
        return self.message


class LimitedMembers(GraphError):
    """Group members without userPrincipalName: the app cannot read users."""

    def __str__(self):
        return self.message


# Application roles that let an app read users' userPrincipalName (User.ReadBasic.All is the least).
USER_READ_ROLES = ('User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All')

# Graph's 404 codes for an unknown user on the directory endpoints.
USER_NOT_FOUND = frozenset(['Request_ResourceNotFound', 'ResourceNotFound'])


def _known_users(graph) -> dict:
    """Per-run cache on the client: folded user key -> True (exists), or the request-id (or False) of the
    answer that said it does not."""
    known = getattr(graph, 'known_users', None)
    if known is None:
        known = graph.known_users = {}
    return known


def remember_listed(graph: GraphClient, users: Iterable[dict]) -> None:
    """Users that came from a directory listing exist: their "no photo" answers need no check."""
    known = _known_users(graph)
    for user in users:
        for key in (user.get('id'), user.get('userPrincipalName')):
            if key:
                known[_fold(key)] = True


def require_user(graph: GraphClient, user: str) -> None:
    """UnknownUser unless ``user`` exists, asked once per run with ``GET /users/{u}?$select=id``.

    Live tenants answer the photo endpoints for an unknown UPN with 404 ImageNotFound, the same
    as "no photo" (reference notes, section 4): such an answer is confirmed here before it is trusted."""
    known = _known_users(graph)
    key = _fold(user)
    if key not in known:
        try:
            graph.get_json(user_path(user), params={'$select': 'id'}, user=user)
            known[key] = True
        except GraphError as exc:
            if exc.status != 404:
                raise
            known[key] = exc.request_id or False  # not True: does not exist (the request-id of the answer that said so)
    if known[key] is not True:
        raise UnknownUser(
            'user %s does not exist in the tenant (check the userPrincipalName or object id, and tenant_id)' % user,
            status=404,
            code='Request_ResourceNotFound',
            request_id=known[key] or None,
        )


def get_user(graph: GraphClient, user: str) -> dict:
    """The user (id, userPrincipalName, mail, mailNickname) by object id or UPN."""
    return graph.get_json(user_path(user), params={'$select': USER_SELECT}, user=user)


def list_users(graph: GraphClient) -> Iterator[dict]:
    """Every user of the tenant (id, userPrincipalName, mail, mailNickname), 999 per page."""
    return graph.iterate('/users', params={'$select': USER_SELECT, '$top': '999'})


def tenant_users(graph: GraphClient, include_guests: bool = False) -> list[dict]:
    """The tenant's member users whose account is enabled (guests too with ``include_guests``),
    every page of /users, 999 per page."""
    users = []
    for user in graph.iterate('/users', params={'$select': USER_SELECT + ',accountEnabled,userType', '$top': '999'}):
        if user.get('accountEnabled') is not True:
            continue
        if (user.get('userType') or 'Member') != 'Member' and not include_guests:
            continue
        users.append(user)
    return users


def directory_resolver(graph: GraphClient, match: str) -> Callable[[str], str | None]:
    """Map file stems to UPNs by ``match`` (mail_nickname or mail), listing the tenant's users once.
    The returned function gives None for a stem that matches no user."""
    attribute = MATCH_ATTRIBUTES[match]
    index = {}
    users = list(list_users(graph))
    remember_listed(graph, users)
    for user in users:
        if user.get(attribute):
            index[_fold(user[attribute])] = user['userPrincipalName']
    return lambda stem: index.get(_fold(stem))


def _fold(name: str) -> str:
    """NFC and case folding: a file name written decomposed (macOS) matches its user."""
    return unicodedata.normalize('NFC', unicodedata.normalize('NFC', name).casefold())


def find_group_id(graph: GraphClient, group: str, option: str = 'purge_group') -> str:
    """The object id of a group given by id or display name (GraphError naming ``option`` unless exactly one matches)."""
    if GUID.match(group):
        return group
    found = list(graph.iterate('/groups', params={'$filter': 'displayName eq %s' % odata_quote(group), '$select': 'id,displayName'}))
    if len(found) != 1:
        raise GraphError('%s %r matches %d groups; give its object id instead' % (option, group, len(found)))
    return found[0]['id']


def group_members(graph: GraphClient, group_id: str, transitive: bool = True) -> list[dict]:
    """The users among the group's members (nested members too when ``transitive``). Services
    without transitiveMembers get the direct members."""
    params = {'$select': USER_SELECT, '$top': '999'}
    members = None
    if transitive:
        try:
            members = list(graph.iterate('/groups/%s/transitiveMembers' % group_id, params=params))
        except GraphError as exc:
            if exc.status not in (400, 404, 405, 501):
                raise
            # Services without transitiveMembers (or a group that does not exist: this fails again).
    if members is None:
        members = list(graph.iterate('/groups/%s/members' % group_id, params=params))
    users = [m for m in members if m.get('@odata.type', USER_TYPE) == USER_TYPE]
    limited = [m for m in users if not m.get('userPrincipalName')]
    if limited:
        # Without a user-read role Graph answers members with only @odata.type and id ("limited
        # information"): filtering on userPrincipalName would silently see nobody, and purge nobody.
        raise LimitedMembers(
            'group %s: %d of its %d user members came back without userPrincipalName (limited information): the '
            'application lacks the Microsoft Graph application permission %s or %s. Add one of them and grant admin '
            'consent; nothing was changed.' % (group_id, len(limited), len(users), USER_READ_ROLES[0], USER_READ_ROLES[1]),
            status=200,
            code='LimitedInformation',
        )
    remember_listed(graph, users)
    return users


def purge_members(graph: GraphClient, group: str) -> list[dict]:
    """Members (users, nested included) of the purge group, by id or display name."""
    return group_members(graph, find_group_id(graph, group))


def photo_update_settings(graph: GraphClient) -> dict:
    """The tenant's photo update policy (beta ``photoUpdateSettings``). GraphError when it cannot be
    read (needs PeopleSettings.Read.All)."""
    settings = graph.get_json(graph.url('/admin/people/photoUpdateSettings', 'beta'))
    settings.pop('@odata.context', None)
    return settings
