# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finds ``src`` on the controller the way ansible.builtin.copy does (role files/, playbook
files/), then runs the module with the absolute path."""

from __future__ import annotations

from ansible_collections.m365.photos.plugins.plugin_utils._action import PhotoAction


class ActionModule(PhotoAction):
    pass
