# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolves ``src_dir`` and every ``photos[].src`` on the controller like ansible.builtin.copy
(role files/, playbook files/), then runs the bulk module."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.m365.photos.plugins.action.user_photo import resolve_src


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        if args.get('src_dir'):
            args['src_dir'] = resolve_src(self, args['src_dir'])
        photos = args.get('photos')
        if isinstance(photos, list):
            args['photos'] = [dict(item, src=resolve_src(self, item['src'])) if isinstance(item, dict) and item.get('src') else item
                              for item in photos]
        result.update(self._execute_module(module_name=self._task.resolved_action or 'm365.photos.user_photos',
                                           module_args=args, task_vars=task_vars))
        return result
