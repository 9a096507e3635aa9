# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Base of the photo action plugins: finds ``src`` on the controller the way ansible.builtin.copy
does (role files/, playbook files/), then runs the module of the same name with absolute paths."""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase


def resolve_src(action, src):
    """Absolute controller path of ``src``; unchanged when not found, so the module reports the
    missing file for the user it belongs to instead of the whole task failing here."""
    if not src:
        return src
    try:
        return action._find_needle('files', src)
    except AnsibleError:
        return src


class PhotoAction(ActionBase):
    """Runs the module of the same name after ``resolve_paths`` rewrote its arguments."""

    TRANSFERS_FILES = False

    def resolve_paths(self, args):
        if args.get('src'):
            args['src'] = resolve_src(self, args['src'])
        return args

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super().run(tmp, task_vars)
        args = self.resolve_paths(dict(self._task.args))
        # wrap_async: with ``async`` the module runs in the background like any module (poll: 0 and async_status work).
        result.update(
            self._execute_module(
                module_name=self._task.resolved_action, module_args=args, task_vars=task_vars, wrap_async=self._task.async_val
            )
        )
        return result
