# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""From a declared source file to the normalised photo to upload, with errors that name the
user and the file, so one bad file is easy to find in a run over thousands."""

from __future__ import annotations

from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError, normalise_image, validate_options

NORMALISE_OPTIONS = ('size', 'crop', 'background', 'quality', 'max_bytes')


class SourceError(Exception):
    """A declared source that cannot become a photo; nothing was written for that user."""


def normalise_argument_spec():
    return dict(
        size=dict(type='int', default=648),
        crop=dict(type='str', default='center', choices=['center', 'top', 'none']),
        background=dict(type='str', default='#ffffff'),
        quality=dict(type='int', default=90),
        max_bytes=dict(type='int', default=4194304),
    )


def normalise_settings(params):
    """The normalisation options as a dict, validated (ValueError with a clear message)."""
    settings = dict((name, params[name]) for name in NORMALISE_OPTIONS)
    validate_options(**settings)
    return settings


def read_source(user, src):
    if not src:
        raise SourceError('%s: no src given for state=present' % user)
    try:
        with open(src, 'rb') as handle:
            return handle.read()
    except FileNotFoundError:
        raise SourceError(
            '%s: source file %s not found (relative paths are searched in the role and playbook files/ directories)' % (user, src)
        ) from None
    except IsADirectoryError:
        raise SourceError('%s: source %s is a directory, not an image file' % (user, src)) from None
    except OSError as exc:
        raise SourceError('%s: cannot read source file %s: %s' % (user, src, exc.strerror)) from None


def normalise_source(user, src, data, settings):
    try:
        return normalise_image(data, **settings)
    except ImageError as exc:
        raise SourceError('%s: %s: %s' % (user, src, exc)) from None


def load_desired_photo(params, user, src):
    """Read and normalise ``src`` for ``user``; SourceError on any problem."""
    try:
        settings = normalise_settings(params)
    except ValueError as exc:
        raise SourceError('%s: %s' % (user, exc)) from None
    return normalise_source(user, src, read_source(user, src), settings)
