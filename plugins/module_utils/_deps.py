# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Guarded imports of the third-party libraries, so a missing one fails with Ansible's
standard "missing required library" message instead of a traceback."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import requests  # noqa: F401 pylint: disable=unused-import

    REQUESTS_IMPORT_ERROR = None
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

try:
    import msal  # noqa: F401 pylint: disable=unused-import

    MSAL_IMPORT_ERROR = None
except ImportError:
    MSAL_IMPORT_ERROR = traceback.format_exc()

try:
    import PIL  # noqa: F401 pylint: disable=unused-import

    PIL_IMPORT_ERROR = None
except ImportError:
    PIL_IMPORT_ERROR = traceback.format_exc()

# Library name as pip knows it -> import error traceback (None when importable).
_LIBRARIES = {
    'requests': lambda: REQUESTS_IMPORT_ERROR,
    'msal': lambda: MSAL_IMPORT_ERROR,
    'Pillow': lambda: PIL_IMPORT_ERROR,
}


def require_libraries(module, names: tuple[str, ...] = ('requests', 'msal', 'Pillow')) -> None:
    """Fail the module with the standard message for the first missing library."""
    for name in names:
        error = _LIBRARIES[name]()
        if error is not None:
            module.fail_json(msg=missing_required_lib(name), exception=error)
