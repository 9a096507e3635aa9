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
options:
  users:
    description:
      - User principal names or object ids.
    type: list
    elements: str
    required: true
  dest:
    description:
      - Directory on the host running the module to save each current photo to, as C(<user>.jpg) (the extension follows the
        media type). Created when missing.
    type: path
extends_documentation_fragment:
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
'''

RETURN = r'''
photos:
  description: One entry per user, in the order of O(users).
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
'''

import os

from ansible_collections.m365.photos.plugins.module_utils._graph import photos as _photos
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError
from ansible_collections.m365.photos.plugins.module_utils._module import GraphModule
from ansible_collections.m365.photos.plugins.module_utils._sync.backup import EXTENSIONS, safe_name


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
    module = GraphModule(
        dict(users=dict(type='list', elements='str', required=True), dest=dict(type='path')),
        libraries=('requests', 'msal'),
        supports_check_mode=True,
    )
    dest = module.params['dest']
    if dest:
        try:
            os.makedirs(dest, exist_ok=True)
        except OSError as exc:
            module.fail_json(msg='Cannot create dest directory %s: %s' % (dest, exc.strerror))
    graph = module.graph()
    photos = []
    for user in module.params['users']:
        try:
            photos.append(describe_user_photo(graph, user, dest))
        except GraphError as exc:
            if exc.status == 401:
                module.fail_graph(exc, msg='Sign-in failed', photos=photos)
            photos.append(dict(user=user, has_photo=None, error=str(exc)))
        except OSError as exc:
            photos.append(dict(user=user, has_photo=None, error='cannot save the photo of %s to %s: %s' % (user, dest, exc)))
    module.warn_retries()
    module.exit_json(changed=False, photos=photos)


if __name__ == '__main__':
    main()
