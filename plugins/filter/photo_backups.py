# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""m365.photos.photo_backups: the backup to restore per user from a backup directory.
Documentation: photo_backups.yml next to this file."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.m365.photos.plugins.module_utils._sync.restore import latest_backups


def photo_backups(backup_dir, users=None, before=None):
    if backup_dir is not None and not isinstance(backup_dir, str):
        raise AnsibleFilterError('photo_backups: input must be the backup directory (a path), got %s' % type(backup_dir).__name__)
    if users is not None and (isinstance(users, str) or not all(isinstance(user, str) for user in users)):
        raise AnsibleFilterError('photo_backups: users must be a list of user principal names or object ids')
    try:
        plan, times, missing = latest_backups(backup_dir or None, users or None, before)
    except ValueError as exc:
        raise AnsibleFilterError('photo_backups: %s' % exc) from None
    except OSError as exc:
        raise AnsibleFilterError('photo_backups: cannot read the backup directory %s: %s' % (backup_dir, exc.strerror)) from None
    return {'photos': plan, 'backed_up': times, 'missing': missing}


class FilterModule:
    def filters(self):
        return {'photo_backups': photo_backups}
