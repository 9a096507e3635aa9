# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""m365.photos.photo_report_html: the report.html of a photo sync, rendered by the same Python as
the user_photos module's own. Documentation: photo_report_html.yml next to this file."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.m365.photos.plugins.module_utils._sync.report import render_html


def photo_report_html(summary, results, check_mode=False, thumbnails=None, calls=None, stopped=None, report_dir=None):
    if not isinstance(summary, dict) or not isinstance(results, list):
        raise AnsibleFilterError('photo_report_html needs a summary dict as input and a list of results.')
    merged = {}
    for part in thumbnails if isinstance(thumbnails, list) else [thumbnails or {}]:
        if not isinstance(part, dict):
            raise AnsibleFilterError('photo_report_html: thumbnails must be dicts of user to before/after data URIs.')
        merged.update(part)
    try:
        return render_html(
            summary, results, bool(check_mode), thumbnails=merged, calls=calls, stopped=stopped or None, report_dir=report_dir
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError('photo_report_html: malformed summary, results or calls: %s' % exc) from None


class FilterModule:
    def filters(self):
        return {'photo_report_html': photo_report_html}
