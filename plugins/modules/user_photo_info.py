#!/usr/bin/python
# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: user_photo_info
short_description: Read Microsoft 365 users' profile photos
version_added: 1.0.0
description:
  - Reports, for each user, whether Microsoft 365 holds a profile photo and describes it (ETag, dimensions, media type, SHA-256).
  - Optionally saves each current photo as a file, for backups or review.
  - Never changes anything. A failure for one user (unknown user, mailbox hosted on-premises) is reported for that user and
    does not stop the others.
  - "A tenant photo audit: with O(group) or O(all_users=true) instead of O(users) it reads the photo metadata of every user
    in scope, one request per user, on the same concurrent engine as M(m365.photos.user_photos) (the number of requests in
    flight adapts to the service, C(Retry-After) is honoured). With O(compare_to) every user is classed against a declared
    inventory, and O(report_dir) gets C(audit.json) and C(audit.md) (coverage: how many users have a photo, by class)."
options:
  users:
    description:
      - User principal names or object ids. Their photos are downloaded to report their RV(photos[].sha256) and size.
      - Exactly one of O(users), O(group) and O(all_users=true) is required.
    type: list
    elements: str
  group:
    description:
      - Audit the members of this Entra group, given by object id or display name (the name must match exactly one group).
        Nested members count; members that are not users (devices, contacts, groups) are left out.
      - Only the photo metadata is read (one request per user); RV(photos[].sha256) and RV(photos[].bytes) stay null unless
        the photo is downloaded for O(compare_to) or O(dest).
    type: str
  all_users:
    description:
      - Audit the whole tenant, every page of its users, that is the member users whose account is enabled, and guests too with
        O(include_guests=true). Needs C(User.Read.All).
      - Only the photo metadata is read (one request per user), as with O(group).
    type: bool
    default: false
  include_guests:
    description:
      - With O(all_users=true), also audit guest users (C(userType) C(Guest)).
    type: bool
    default: false
  compare_to:
    description:
      - A declared inventory, in the forms M(m365.photos.user_photos) takes, to class every user in scope against, in
        RV(photos[].class) - V(matches) (the photo is the declared one), V(differs) (a photo, but not the declared one),
        V(no_photo) (no photo and none declared), V(undeclared_photo) (a photo the inventory does not declare, or declares
        V(absent)), V(declared_missing) (a photo is declared but the user has none).
      - A user's photo is downloaded only when a photo is declared for that user and the user has one; the comparison is the
        same perceptual one as M(m365.photos.user_photos) (re-encoding by the service does not count as a difference), on the
        declared source normalised with O(size), O(crop) and the other normalisation options.
      - Paths are on the host running the module; the P(m365.photos.photo_sync#role) role's audit makes them absolute.
    type: dict
    suboptions:
      photos:
        description: Declared users, as O(m365.photos.user_photos#module:photos).
        type: list
        elements: dict
        default: []
        suboptions:
          user:
            description: User principal name or object id.
            type: str
            required: true
          src:
            description: Image file of the declared photo.
            type: path
          content:
            description: The declared image's bytes, base64-encoded, instead of O(compare_to.photos[].src).
            type: str
          state:
            description: V(present) declares a photo, V(absent) declares none.
            type: str
            choices: [present, absent]
            default: present
      src_dir:
        description: Directory of image files named after their users, as O(m365.photos.user_photos#module:src_dir).
        type: path
      match:
        description: What the file names in O(compare_to.src_dir) are matched against, as O(m365.photos.user_photos#module:match).
        type: str
        choices: [upn, mail_nickname, mail]
        default: upn
  report_dir:
    description:
      - Directory to write the audit to, owner-only (mode C(0600)) - C(audit.json) (scope, counts, every user's record, and the
        peak number of requests in flight and of throttled answers)
        and C(audit.md) (coverage, n of m users have a photo, the count per class with O(compare_to), and the users of each
        class that needs attention) and C(report.html) (the same as a self-contained page, filtered by class). Created when
        missing.
    type: path
  cache_dir:
    description:
      - Directory where the declared sources of O(compare_to) are cached once normalised, by source hash and options; the
        same cache as M(m365.photos.user_photos), so an audit after a sync with the same options normalises nothing again.
      - Defaults to C(~/.ansible/m365_photos/image_cache).
    type: path
  concurrency:
    description: Requests in flight at the start; adapts between 1 and O(max_concurrency) as the service answers.
    type: int
    default: 4
  max_concurrency:
    description: Upper bound of requests in flight.
    type: int
    default: 16
  dest:
    description:
      - Directory on the host running the module to save each current photo to, as C(<user>.jpg) (the extension follows the
        media type). Created when missing.
    type: path
extends_documentation_fragment:
  - m365.photos.normalise
  - m365.photos.auth
  - m365.photos.connection
  - m365.photos.attributes
  - m365.photos.attributes.INFO_MODULE
seealso:
  - module: m365.photos.user_photo
author:
  - m365.photos contributors (@m365-photos)
'''

EXAMPLES = r'''
- name: Which of these users have a photo?
  m365.photos.user_photo_info:
    users:
      - alice@contoso.com
      - bob@contoso.com
  delegate_to: localhost
  register: photo_info

- name: List users without a photo
  ansible.builtin.debug:
    msg: "{{ photo_info.photos | rejectattr('has_photo') | map(attribute='user') | list }}"

- name: Save current photos before a bulk change (read-only app with ProfilePhoto.Read.All)
  m365.photos.user_photo_info:
    users: "{{ staff }}"
    dest: "{{ playbook_dir }}/photo-backup"
    tenant_id: "{{ m365_tenant_id }}"
    client_id: "{{ m365_reader_client_id }}"
    client_certificate_path: /etc/m365/photo-reader.pem
  delegate_to: localhost

- name: Tenant photo audit against the declared inventory
  m365.photos.user_photo_info:
    all_users: true
    compare_to:
      src_dir: "{{ playbook_dir }}/photos"
    report_dir: "{{ playbook_dir }}/audit"
  delegate_to: localhost
  register: audit

- name: Coverage
  ansible.builtin.debug:
    msg: "{{ audit.summary.with_photo }} of {{ audit.summary.users }} users have a photo; {{ audit.summary.classes }}"
'''

RETURN = r'''
photos:
  description: One entry per user, in the order of O(users), or of the group's members or the tenant's users.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user as given.
      type: str
      sample: alice@contoso.com
    has_photo:
      description: Whether the user has a profile photo. Null when the user could not be read (see RV(photos[].error)).
      type: bool
    etag:
      description: The photo's C(@odata.mediaEtag).
      type: str
    width:
      description: Width in pixels of the largest stored size.
      type: int
    height:
      description: Height in pixels of the largest stored size.
      type: int
    content_type:
      description: Media type of the photo.
      type: str
      sample: image/jpeg
    sha256:
      description: SHA-256 of the photo bytes as served.
      type: str
    bytes:
      description: Size in bytes of the photo as served.
      type: int
    path:
      description: File the photo was saved to, when O(dest) is set and the user has a photo.
      type: str
    error:
      description: Why this user could not be read, with what to do about it.
      type: str
    id:
      description: The user's object id, for O(group) and O(all_users) audits.
      type: str
    class:
      description: With O(compare_to), how the user's photo compares with the inventory (see O(compare_to)); null without it
        or when the user could not be read.
      type: str
      choices: [matches, differs, no_photo, undeclared_photo, declared_missing]
    distance:
      description: With O(compare_to), the perceptual distance between the declared and the current photo, when compared.
      type: float
    src:
      description: With O(compare_to), the declared source (file, or C(content)) of the user; null when none is declared.
      type: str
summary:
  description: Counts of the run.
  returned: always
  type: dict
  contains:
    users:
      description: Users in scope.
      type: int
    with_photo:
      description: Users with a photo.
      type: int
    without_photo:
      description: Users without a photo.
      type: int
    failed:
      description: Users that could not be read.
      type: int
    coverage:
      description: Percentage of the users in scope with a photo (null for no users).
      type: float
    classes:
      description: With O(compare_to), the number of users per RV(photos[].class).
      type: dict
  sample: {users: 120, with_photo: 97, without_photo: 23, failed: 0, coverage: 80.8,
           classes: {matches: 90, differs: 4, no_photo: 15, undeclared_photo: 3, declared_missing: 8}}
report_files:
  description: Paths of the reports, when O(report_dir) is set.
  returned: when O(report_dir) is set
  type: dict
  contains:
    json:
      description: C(audit.json).
      type: str
    markdown:
      description: C(audit.md).
      type: str
    html:
      description:
        - C(report.html), one self-contained page (no network, no script) in the style of the sync's report - the coverage,
          the count per class, and a card per user that needs a look, filtered by class.
      type: str
declared_errors:
  description: Entries of O(compare_to) that are invalid (duplicates, missing files, files matching no user), with the reason.
  returned: when O(compare_to) is set
  type: list
  elements: dict
'''

import os

from ansible_collections.m365.photos.plugins.module_utils._deps import require_libraries
from ansible_collections.m365.photos.plugins.module_utils._graph import photos as _photos
from ansible_collections.m365.photos.plugins.module_utils._graph.directory import (
    directory_resolver,
    find_group_id,
    group_members,
    tenant_users,
)
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError
from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import ImageCache
from ansible_collections.m365.photos.plugins.module_utils._module import GraphModule
from ansible_collections.m365.photos.plugins.module_utils._sync.audit import Declared, run_audit, summarise_audit, write_audit_reports
from ansible_collections.m365.photos.plugins.module_utils._sync.backup import EXTENSIONS, safe_name
from ansible_collections.m365.photos.plugins.module_utils._sync.inventory import build_inventory, inventory_argument_spec
from ansible_collections.m365.photos.plugins.module_utils._sync.source import normalise_argument_spec, normalise_settings


def describe_user_photo(graph, user, dest):
    entry = dict(user=user, has_photo=None, etag=None, width=None, height=None, content_type=None, sha256=None, bytes=None)
    meta = _photos.read_metadata(graph, user)
    if meta is None:
        entry['has_photo'] = False
        return entry
    content = _photos.read_content(graph, user)
    if content is None:
        entry['has_photo'] = False
        return entry
    entry.update(
        has_photo=True,
        etag=meta.etag,
        width=meta.width,
        height=meta.height,
        content_type=content.content_type or meta.content_type,
        sha256=content.sha256,
        bytes=len(content.data),
    )
    if dest:
        path = os.path.join(dest, safe_name(user) + EXTENSIONS.get(entry['content_type'], '.jpg'))
        with open(path, 'wb') as handle:
            handle.write(content.data)
        entry['path'] = path
    return entry


def main():
    argument_spec = dict(
        users=dict(type='list', elements='str'),
        group=dict(type='str'),
        all_users=dict(type='bool', default=False),
        include_guests=dict(type='bool', default=False),
        dest=dict(type='path'),
        compare_to=dict(type='dict', options=inventory_argument_spec()),
        report_dir=dict(type='path'),
        cache_dir=dict(type='path'),
        concurrency=dict(type='int', default=4),
        max_concurrency=dict(type='int', default=16),
    )
    argument_spec.update(normalise_argument_spec())
    module = GraphModule(argument_spec, libraries=('requests', 'msal'), supports_check_mode=True)
    params = module.params
    scopes = [name for name in ('users', 'group', 'all_users') if params[name]]
    if len(scopes) != 1:
        module.fail_json(
            msg='Give exactly one scope: users (a list), group (an id or display name) or all_users=true; got %s.'
            % (' and '.join(scopes) or 'none')
        )
    if params['include_guests'] and not params['all_users']:
        module.fail_json(msg='include_guests applies to all_users=true only.')
    compare_to = params['compare_to']
    if compare_to is not None:
        require_libraries(module.module, ('Pillow',))
        if compare_to['src_dir'] and not os.path.isdir(compare_to['src_dir']):
            module.fail_json(msg='compare_to.src_dir %s is not a directory' % compare_to['src_dir'])
        try:
            settings = normalise_settings(params)
        except ValueError as exc:
            module.fail_json(msg=str(exc))
    else:
        settings = None
    dest = params['dest']
    for option, path in (('dest', dest), ('report_dir', params['report_dir'])):
        if path:
            try:
                os.makedirs(path, exist_ok=True)
            except OSError as exc:
                module.fail_json(msg='Cannot create %s directory %s: %s' % (option, path, exc.strerror))

    from ansible_collections.m365.photos.plugins.module_utils._graph.limiter import AdaptiveLimiter

    limiter = AdaptiveLimiter(initial=params['concurrency'], maximum=max(params['max_concurrency'], params['concurrency']))
    graph = module.graph(limiter=limiter)
    workers = max(params['max_concurrency'], params['concurrency'])
    output = {}
    try:
        graph.sign_in()
        if params['users']:
            scope = 'users: %d given' % len(params['users'])
            users = [dict(user=user) for user in params['users']]
        elif params['group']:
            group_id = find_group_id(graph, params['group'], option='group')
            users = group_members(graph, group_id)
            scope = 'members of group %s (%s), nested members included' % (params['group'], group_id)
        else:
            users = tenant_users(graph, params['include_guests'])
            scope = 'all enabled member users%s of the tenant' % (' and guests' if params['include_guests'] else '')
        declared = None
        if compare_to is not None:
            resolver = directory_resolver(graph, compare_to['match']) if compare_to['src_dir'] and compare_to['match'] != 'upn' else None
            entries, dummy = build_inventory(compare_to['photos'], compare_to['src_dir'], resolver)
            declared = Declared(entries, ImageCache(params['cache_dir'], settings))
            output['declared_errors'] = declared.errors
    except GraphError as exc:
        module.fail_graph(exc, msg='Cannot list the users to audit')

    try:
        if params['users'] and compare_to is None:
            # Today's per-user report: the photo is downloaded for its SHA-256 and size.
            photos = run_audit(graph, users, None, None, dest, workers, describe=_describe)
        else:
            photos = run_audit(graph, users, declared, settings, dest, workers)
    except GraphError as exc:
        module.fail_graph(exc, msg='Sign-in failed')
    summary = summarise_audit(photos, compare_to is not None)
    output.update(changed=False, photos=photos, summary=summary)
    if params['report_dir']:
        output['report_files'] = write_audit_reports(
            params['report_dir'],
            summary,
            photos,
            scope,
            compare_to is not None,
            extra={'declared_errors': output.get('declared_errors', []), 'peak_concurrency': limiter.peak, 'throttled': limiter.throttled},
        )
    module.warn_retries()
    module.exit_json(**output)


def _describe(graph, user, dummy_declared, dummy_settings, dest):
    try:
        return describe_user_photo(graph, user['user'], dest)
    except GraphError as exc:
        if exc.status == 401:
            raise
        return dict(user=user['user'], has_photo=None, error=str(exc))
    except OSError as exc:
        return dict(user=user['user'], has_photo=None, error='cannot save the photo of %s to %s: %s' % (user['user'], dest, exc))


if __name__ == '__main__':
    main()
