#!/usr/bin/python
# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: user_photo
short_description: Set or remove one Microsoft 365 user's profile photo, idempotently
version_added: 1.0.0
description:
  - Keeps one user's Microsoft 365 / Entra ID profile photo as declared, through Microsoft Graph.
  - The source image is normalised deterministically (EXIF orientation, sRGB, square crop, resize, JPEG without metadata).
  - Before writing, the module reads the current photo and compares decoded pixels with the normalised image. Microsoft Graph
    re-encodes every upload, so bytes never match; the comparison tolerates re-encoding and resizing but catches real edits
    (see the collection's C(docs/change-detection.md)). Only a different photo is uploaded.
  - Replaces the retired Exchange Online C(Set-UserPhoto) for hybrid tenants where the on-premises C(thumbnailPhoto) no longer
    reaches Exchange Online (KB 3062745).
options:
  user:
    description:
      - User principal name or object id of the user.
    type: str
    required: true
  src:
    description:
      - Image file on the controller. Relative paths are searched like M(ansible.builtin.copy)'s O(ansible.builtin.copy#module:src),
        in the role's C(files/) directory and then the playbook's C(files/) directory.
      - JPEG, PNG, GIF (first frame), BMP, WebP and TIFF are accepted.
      - One of O(src) and O(content) is required when O(state=present).
    type: path
  content:
    description:
      - The image's bytes, base64-encoded, instead of a file; for example the C(thumbnailPhoto) of an Active Directory user read
        with M(community.general.ldap_search) and O(community.general.ldap_search#module:base64_attributes), or
        M(ansible.builtin.slurp)'s RV(ansible.builtin.slurp#module:content). Whitespace and line breaks are ignored.
      - Treated exactly like the same bytes in a file given as O(src) (normalisation, comparison, check mode, diff, backups).
      - Mutually exclusive with O(src).
      - Marked C(no_log). It is not secret, but large, and so kept out of the module arguments that verbose output (C(-vvv)),
        job event stores and the system log record.
    type: str
  state:
    description:
      - V(present) makes the photo match O(src) or O(content); V(absent) removes the user's photo.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - Upload even when the current photo is the same, or a higher-resolution copy of the source.
    type: bool
    default: false
  backup:
    description:
      - Save the current photo to a file in O(backup_dir) before replacing or removing it. The path is returned as RV(backup_file).
      - When not set, the photo is backed up before a removal (O(state=absent)) but not before a replacement, like
        M(m365.photos.user_photos). V(false) turns removal backups off too.
      - Backups are named by user, time and content (C(alice@contoso.com_20261125T120000Z_1a2b3c4d.jpg)) and never overwrite
        an existing file.
    type: bool
  backup_dir:
    description:
      - Directory for O(backup) files, on the host running the module.
      - Defaults to C(~/.ansible/m365_photos/backups).
    type: path
extends_documentation_fragment:
  - m365.photos.normalise
  - m365.photos.auth
  - m365.photos.connection
  - m365.photos.attributes
  - m365.photos.attributes.CHECK_MODE_FULL
notes:
  - In check mode the current photo is read and compared, nothing is written.
  - Never downgrades. When the source is smaller than the user's current photo and is the same picture (for example an
    Active Directory thumbnail of the photo uploaded at 648 px), the user is left V(unchanged) and RV(msg) says the current
    photo is a higher-resolution copy of the source; O(force=true) uploads the source anyway. The smaller photo is compared
    with the current one reduced to its size.
  - Sources that give a photo below 240 pixels are uploaded with a warning that they look soft in Teams and Outlook.
  - With C(--diff) the before and after photos are described by SHA-256, dimensions, size in bytes and ETag; image bytes are never shown.
  - Microsoft 365 clients cache photos; a new photo can take hours to appear everywhere (Teams, Outlook, SharePoint).
seealso:
  - module: m365.photos.user_photos
  - module: m365.photos.user_photo_info
author:
  - m365.photos contributors (@m365-photos)
'''

EXAMPLES = r'''
- name: Set Alice's photo (client secret from the environment, AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET)
  m365.photos.user_photo:
    user: alice@contoso.com
    src: photos/alice.jpg
  delegate_to: localhost

- name: Sign in with a certificate registered for the app
  m365.photos.user_photo:
    tenant_id: contoso.onmicrosoft.com
    client_id: 9d3a5c1e-7b2f-4e8a-a6d4-2c8e1f0b7a53
    client_certificate_path: /etc/m365/photos-app.pem
    user: bob@contoso.com
    src: bob.png
    crop: top
  delegate_to: localhost

- name: Secret-less sign-in from CI with workload identity federation
  m365.photos.user_photo:
    tenant_id: "{{ lookup('ansible.builtin.env', 'AZURE_TENANT_ID') }}"
    client_id: "{{ lookup('ansible.builtin.env', 'AZURE_CLIENT_ID') }}"
    federated_token_file: "{{ lookup('ansible.builtin.env', 'AZURE_FEDERATED_TOKEN_FILE') }}"
    user: carol@contoso.com
    src: carol.jpg
  delegate_to: localhost

- name: Alice's photo from her Active Directory thumbnailPhoto (base64, see the collection's docs/hybrid.md)
  m365.photos.user_photo:
    user: alice@contoso.com
    content: "{{ ad_user.results[0].thumbnailPhoto }}"
  delegate_to: localhost

- name: Sign-in options once for several tasks (module_defaults for the collection's group; a play takes them too)
  module_defaults:
    group/m365.photos.graph:
      tenant_id: "{{ m365_tenant_id }}"
      client_id: "{{ m365_client_id }}"
      client_secret: "{{ m365_client_secret }}"
  delegate_to: localhost
  block:
    - name: Replace Dave's photo, keeping the old one
      m365.photos.user_photo:
        user: dave@contoso.com
        src: dave.jpg
        backup: true
      register: dave_photo

    - name: Remove a leaver's photo
      m365.photos.user_photo:
        user: erin@contoso.com
        state: absent
'''

RETURN = r'''
msg:
  description: What was done and why, for example that the current photo is a higher-resolution copy of the source.
  returned: always
  type: str
  sample: 'unchanged: same photo (distance 0.0123 <= 1.0000)'
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  choices: [uploaded, removed, unchanged]
  sample: uploaded
user:
  description: The user as given in O(user).
  returned: always
  type: str
  sample: alice@contoso.com
photo:
  description: The normalised photo that was uploaded, would be uploaded, or already matches. Null for O(state=absent).
  returned: always
  type: dict
  contains:
    sha256:
      description: SHA-256 of the uploaded JPEG bytes.
      type: str
    width:
      description: Width in pixels.
      type: int
    height:
      description: Height in pixels.
      type: int
    bytes:
      description: Size of the upload in bytes.
      type: int
previous:
  description: The photo Microsoft 365 held before the run. Null when the user had none.
  returned: always
  type: dict
  contains:
    etag:
      description: The photo's C(@odata.mediaEtag).
      type: str
    width:
      description: Width in pixels.
      type: int
    height:
      description: Height in pixels.
      type: int
    content_type:
      description: Media type of the stored photo.
      type: str
distance:
  description:
    - Perceptual distance between the declared and the current photo; above the documented threshold means changed.
    - Null when nothing was compared (no current photo, or O(state=absent)).
  returned: always
  type: float
  sample: 0.0123
backup_file:
  description:
    - File the previous photo was saved to, when it was replaced with O(backup=true), or removed (unless O(backup=false)); null
      otherwise.
  returned: always
  type: str
  sample: /home/ansible/.ansible/m365_photos/backups/alice@contoso.com_20261125T120000Z_1a2b3c4d.jpg
'''

from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError
from ansible_collections.m365.photos.plugins.module_utils._module import GraphModule
from ansible_collections.m365.photos.plugins.module_utils._sync.bulk import explain
from ansible_collections.m365.photos.plugins.module_utils._sync.inventory import Entry
from ansible_collections.m365.photos.plugins.module_utils._sync.reconcile import ReconcileOptions, reconcile
from ansible_collections.m365.photos.plugins.module_utils._sync.source import (
    SourceError,
    decode_content,
    normalise_argument_spec,
    read_source,
    source_settings,
)


def main():
    argument_spec = dict(
        user=dict(type='str', required=True),
        src=dict(type='path'),
        # Not secret, but large: no_log keeps it out of the invocation that -vvv, job event stores and syslog record.
        content=dict(type='str', no_log=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        force=dict(type='bool', default=False),
        backup=dict(type='bool'),
        backup_dir=dict(type='path'),
    )
    argument_spec.update(normalise_argument_spec())
    module = GraphModule(
        argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('src', 'content')],
        required_if=[('state', 'present', ('src', 'content'), True)],
    )
    params = module.params
    user = params['user']
    result = dict(changed=False, user=user, action='unchanged', photo=None, previous=None, distance=None, backup_file=None)
    source_name = params['src'] if params['content'] is None else 'content'

    desired = None
    if params['state'] == 'present':
        try:
            content = None
            if params['content'] is not None:
                try:
                    content = decode_content(params['content'])
                except ValueError as exc:
                    raise SourceError('%s: %s' % (user, exc)) from None
            desired = read_source(user, source_settings(params, user), src=params['src'], content=content)
        except SourceError as exc:
            module.fail_json(msg=str(exc), **result)
        for warning in desired.warnings:
            module.warn('%s (%s): %s' % (user, source_name, warning))

    graph = module.graph()
    try:
        # Not set: back up before a removal only, as user_photos does.
        backup = params['backup'] if params['backup'] is not None else 'removals'
        options = ReconcileOptions(force=params['force'], backup=backup, backup_dir=params['backup_dir'], check_mode=module.check_mode)
        outcome = reconcile(graph, user, desired, options)
    except GraphError as exc:
        module.warn_retries()
        module.fail_graph(exc, msg='Cannot manage the photo of %s' % user, **result)
    except OSError as exc:
        module.fail_json(msg='Cannot write the backup of %s to %s: %s' % (user, params['backup_dir'], exc), **result)

    module.warn_retries()
    result.update(changed=outcome.changed, action=outcome.action, photo=outcome.photo, previous=outcome.previous, distance=outcome.distance)
    result['backup_file'] = outcome.backup_file
    result['msg'] = explain(outcome, Entry(user, params['state'], params['src']), False, desired)
    if module._diff:
        result['diff'] = outcome.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
