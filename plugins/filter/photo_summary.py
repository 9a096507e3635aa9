# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""m365.photos.photo_summary: the summary.md of a photo sync, rendered by the same Python as the
user_photos module's own. Documentation: photo_summary.yml next to this file."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.m365.photos.plugins.module_utils._sync.report import render_summary


def photo_summary(summary, results, check_mode=False, max_rows=200, calls=None, stopped=None, report_dir=None, marker=None):
    if not isinstance(summary, dict) or not isinstance(results, list):
        raise AnsibleFilterError('photo_summary needs a summary dict as input and a list of results.')
    try:
        return render_summary(
            summary,
            results,
            bool(check_mode),
            max_rows=int(max_rows),
            calls=calls,
            stopped=stopped or None,
            report_dir=report_dir,
            marker=marker,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError('photo_summary: malformed summary, results or calls: %s' % exc) from None


class FilterModule:
    def filters(self):
        return {'photo_summary': photo_summary}
