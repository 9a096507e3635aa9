#!/usr/bin/python
# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: preflight
short_description: Check that the collection can sign in and has the permissions a photo sync needs
version_added: 1.0.0
description:
  - Signs in and reads the application permissions (roles) in the access token, so a run stops before any change when the app
    registration lacks C(ProfilePhoto.ReadWrite.All) or admin consent.
  - Reads the tenant's photo update policy (C(photoUpdateSettings), beta) when the app may (C(PeopleSettings.Read.All)); a
    policy with source C(onPremises) blocks every cloud photo update.
  - Never changes anything.
options:
  require_write:
    description: Fail when the token lacks a permission to write photos (C(ProfilePhoto.ReadWrite.All) or C(User.ReadWrite.All)).
    type: bool
    default: true
  require_user_read:
    description: Fail when the token lacks a permission to read users, C(User.ReadBasic.All) or C(User.Read.All) (needed for
      O(m365.photos.user_photos#module:match) modes other than upn, and for purges; without it Microsoft Graph answers group
      members with only their id). The P(m365.photos.photo_sync#role) role sets it whenever a purge is planned.
    type: bool
    default: false
extends_documentation_fragment:
  - m365.photos.auth
  - m365.photos.connection
  - m365.photos.attributes
  - m365.photos.attributes.INFO_MODULE
author:
  - m365.photos contributors (@m365-photos)
'''

EXAMPLES = r'''
- name: Stop early when the app cannot write photos
  m365.photos.preflight:
  delegate_to: localhost
'''

RETURN = r'''
roles:
  description: Application permissions granted to the app, as claimed by its access token (empty for opaque tokens).
  returned: always
  type: list
  elements: str
  sample: [ProfilePhoto.ReadWrite.All, User.Read.All]
can_write_photos:
  description: Whether the token carries a permission to write photos. Null when the token does not tell (opaque token).
  returned: always
  type: bool
can_read_users:
  description: Whether the token carries a permission to read users. Null when the token does not tell.
  returned: always
  type: bool
photo_update_settings:
  description: The tenant's photo update policy, null when it could not be read (permission missing or endpoint unavailable).
  returned: always
  type: dict
  sample: {source: cloud, allowedRoles: []}
problems:
  description: What would stop or hamper a photo sync, with what to do.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.m365.photos.plugins.module_utils._graph.directory import photo_update_settings
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import WRITE_PERMISSION, WRITE_ROLES, AuthError, GraphError
from ansible_collections.m365.photos.plugins.module_utils._module import GraphModule

USER_READ_ROLES = frozenset(['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'])


def main():
    module = GraphModule(
        dict(require_write=dict(type='bool', default=True), require_user_read=dict(type='bool', default=False)),
        libraries=('requests', 'msal'),
        supports_check_mode=True,
    )
    graph = module.graph()
    try:
        roles = graph.sign_in()
    except GraphError as exc:
        # A sign-in error says itself that the sign-in failed; other errors (network, TLS) get the context.
        module.fail_graph(exc, msg=None if isinstance(exc, AuthError) else 'Sign-in failed')
    known = bool(roles)
    can_write = bool(WRITE_ROLES & set(roles)) if known else None
    can_read_users = bool(USER_READ_ROLES & set(roles)) if known else None
    problems = []
    if can_write is False:
        problems.append(
            'The app lacks the Microsoft Graph application permission %s (with admin consent): photos cannot be written.' % WRITE_PERMISSION
        )
    if can_read_users is False:
        problems.append(
            'The app lacks a user-read permission (User.ReadBasic.All or User.Read.All): matching files by mail nickname '
            'or mail cannot list users, and a purge would see group members without their userPrincipalName.'
        )
    settings = None
    try:
        settings = photo_update_settings(graph)
        if str(settings.get('source', '')).lower() == 'onpremises':
            problems.append(
                'The tenant photo update policy (photoUpdateSettings) has source onPremises: Microsoft 365 refuses '
                'photo updates from the cloud. Change it to cloud or manage photos on-premises.'
            )
    except GraphError:
        settings = None  # needs PeopleSettings.Read.All; its absence is not a problem for a sync
    result = dict(
        changed=False,
        roles=roles,
        can_write_photos=can_write,
        can_read_users=can_read_users,
        photo_update_settings=settings,
        problems=problems,
    )
    blocking = (
        (module.params['require_write'] and can_write is False)
        or (module.params['require_user_read'] and can_read_users is False)
        or (settings is not None and str(settings.get('source', '')).lower() == 'onpremises' and module.params['require_write'])
    )
    if blocking:
        module.fail_json(msg='Preflight failed: ' + ' '.join(problems), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
