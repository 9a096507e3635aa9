# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolves ``src_dir`` and every ``photos[].src`` on the controller like ansible.builtin.copy
(role files/, playbook files/), then runs the bulk module."""

from __future__ import annotations

from ansible_collections.m365.photos.plugins.plugin_utils._action import PhotoAction, resolve_src


class ActionModule(PhotoAction):
    def resolve_paths(self, args):
        if args.get('src_dir'):
            args['src_dir'] = resolve_src(self, args['src_dir'])
        photos = args.get('photos')
        if isinstance(photos, list):
            args['photos'] = [
                dict(item, src=resolve_src(self, item['src'])) if isinstance(item, dict) and item.get('src') else item for item in photos
            ]
        return args
