# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Read, compare, (back up,) write: bringing one user's photo to the declared state.

Shared by user_photo and user_photos so both decide identically. At most one metadata read
and one content read happen before a decision; the content is only downloaded when there is
something to compare or to back up."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

try:
    from PIL import Image
except ImportError:
    Image = None  # type: ignore[assignment]

from ansible_collections.m365.photos.plugins.module_utils._graph import photos
from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import DesiredPhoto
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import is_same_photo
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError
from ansible_collections.m365.photos.plugins.module_utils._imaging.pool import InProcessComparer, PoolComparer
from ansible_collections.m365.photos.plugins.module_utils._imaging.resolution import DOWNGRADE_THRESHOLD, is_higher_resolution
from ansible_collections.m365.photos.plugins.module_utils._sync.backup import save_backup

if TYPE_CHECKING:  # the client needs requests at import time; modules import it after the dependency check
    from ansible_collections.m365.photos.plugins.module_utils._graph.client import GraphClient


@dataclass(frozen=True)
class ReconcileOptions:
    """How reconcile() works for every user of a task.

    ``backup``: True, False, or ``'removals'`` to save the current photo only before removing it
    (the bulk module's default).
    ``metadata_first``: read the photo's metadata (``@odata.mediaEtag``, dimensions) before the
    content. Without it a present photo is judged from one content read alone, the cheapest
    check when nothing is recorded about the user.
    ``read_etag_after_write``: read the new ETag after an upload (for state files).
    ``keep_previous``: keep the replaced or removed photo's bytes on the outcome (contact sheets)."""

    force: bool = False
    backup: bool | str = False
    backup_dir: str | None = None
    check_mode: bool = False
    read_etag_after_write: bool = False
    keep_previous: bool = False
    metadata_first: bool = True


class Outcome:
    def __init__(self, user):
        self.user = user
        self.action = 'unchanged'
        self.changed = False
        self.previous = None
        self.distance = None
        self.backup_file = None
        self.photo = None
        self.etag = None  # ETag after the run (recorded by state files)
        self.before = None
        self.after = None
        self.previous_content = None  # bytes of the replaced/removed photo (contact sheets)
        # Set when the current photo is a higher-resolution copy of the (smaller) declared one.
        self.higher_resolution = None
        # State files: the ETag seen before an upload, whether the upload is not visible yet (the read after it
        # still shows etag_before), and the time of an earlier upload still pending (nothing was sent again).
        self.etag_before = None
        self.pending_write = False
        self.pending_since = None

    def diff(self) -> dict:
        return {
            'before': self.before,
            'after': self.after,
            'before_header': '%s (Microsoft 365)' % self.user,
            'after_header': '%s (declared)' % self.user,
        }


def describe_photo(
    sha256: str | None = None, width: int | None = None, height: int | None = None, size: int | None = None, etag: str | None = None
) -> str:
    """Diff text of a photo: never its bytes."""
    lines = []
    if sha256:
        lines.append('sha256: %s' % sha256)
    lines.append('dimensions: %sx%s' % (width, height))
    if size is not None:
        lines.append('bytes: %s' % size)
    if etag:
        lines.append('etag: %s' % etag)
    return '\n'.join(lines) + '\n'


def image_size(data: bytes) -> tuple[int | None, int | None]:
    """(width, height) from the image header, without decoding the pixels."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, SyntaxError):
        return None, None


def photo_facts(desired: DesiredPhoto) -> dict:
    return {'sha256': desired.sha256, 'width': desired.width, 'height': desired.height, 'bytes': desired.size}


def reconcile(
    graph: GraphClient,
    user: str,
    desired: DesiredPhoto | None,
    options: ReconcileOptions | None = None,
    comparer: InProcessComparer | PoolComparer | None = None,
    known_etag: str | None = None,
    pending: dict | None = None,
) -> Outcome:
    """Bring ``user``'s photo to ``desired`` or remove it (``desired`` None).

    ``comparer``: gives ``distance(desired, current bytes)``; in this process when not given,
    or backed by the worker pool (_imaging.pool.PoolComparer).
    ``known_etag``: the ETag recorded when this same desired photo was last confirmed; if the
    service still reports it, nothing changed on either side and no download is needed.
    ``pending``: an earlier upload of this same desired photo that the service did not show yet
    (state file ``pending``: ``etag_before``, ``time``). While the service still shows ``etag_before``,
    the upload is taken as in progress, not as drift: nothing is sent again."""
    options = options or ReconcileOptions()
    comparer = comparer or InProcessComparer()
    check_mode = options.check_mode
    read_etag_after_write = options.read_etag_after_write
    keep_previous = options.keep_previous
    outcome = Outcome(user)
    backup = options.backup is True or (options.backup == 'removals' and desired is None)
    if desired is not None:
        outcome.photo = photo_facts(desired)
        outcome.after = describe_photo(desired.sha256, desired.width, desired.height, desired.size)
    else:
        outcome.after = 'state: absent\n'
    need_content = desired is not None or backup or keep_previous
    meta = None
    if options.metadata_first or not need_content:
        meta = photos.read_metadata(graph, user)
        if (
            desired is not None
            and pending is not None
            and not options.force
            and (meta.etag if meta else None) == pending.get('etag_before')
        ):
            outcome.pending_since = pending.get('time')
            outcome.before = outcome.after
            return outcome
        if meta is None:
            return _absent_now(graph, outcome, desired, check_mode, read_etag_after_write)
        outcome.previous = meta.as_dict()
        outcome.etag = meta.etag
        if desired is not None and known_etag and known_etag == meta.etag and not options.force:
            outcome.before = outcome.after
            return outcome
    content = photos.read_content(graph, user) if need_content else None
    if need_content and content is None:  # no photo (or deleted between the two reads)
        outcome.previous = None
        return _absent_now(graph, outcome, desired, check_mode, read_etag_after_write)
    if content is not None:
        width, height = image_size(content.data)
        if meta is None:
            outcome.previous = {'etag': content.etag, 'width': width, 'height': height, 'content_type': content.content_type}
            outcome.etag = content.etag
        else:
            outcome.previous['content_type'] = content.content_type or meta.content_type
        outcome.before = describe_photo(content.sha256, width, height, len(content.data), outcome.etag)
    elif meta is not None:  # no content was needed: the metadata was read
        outcome.before = describe_photo(None, meta.width, meta.height, None, meta.etag)

    if desired is not None and content is not None:  # a desired photo always has the content here
        try:
            outcome.distance = round(comparer.distance(desired, content.data), 6)
        except ImageError:
            outcome.distance = None  # the stored photo does not decode: replacing it is the fix
        same = outcome.distance is not None and is_same_photo(outcome.distance)
        # Never downgrade: a smaller source that is the same picture (an AD thumbnail of the photo
        # the user has) leaves the better copy in place.
        if (
            outcome.distance is not None
            and is_higher_resolution(desired.width, desired.height, width, height)
            and (same or comparer.distance_at_source_size(desired, content.data) <= DOWNGRADE_THRESHOLD)
        ):
            outcome.higher_resolution = '%sx%s' % (width, height)
            same = True
        if same and not options.force:
            outcome.before = outcome.after
            return outcome

    if backup and not check_mode and content is not None:  # a backup always has the content here
        outcome.backup_file = save_backup(options.backup_dir, user, content)
    if keep_previous and content is not None:
        outcome.previous_content = content.data
    if desired is None:
        outcome.action, outcome.changed = 'removed', True
        outcome.etag = None
        if not check_mode:
            photos.remove(graph, user)
        return outcome
    return _write(graph, outcome, desired, check_mode, read_etag_after_write)


def higher_resolution_message(outcome: Outcome, desired: DesiredPhoto) -> str | None:
    """What to say when the current photo is a higher-resolution copy of the declared one."""
    if not outcome.higher_resolution:
        return None
    copy = 'the current photo (%s) is a higher-resolution copy of the source (%sx%s)' % (
        outcome.higher_resolution,
        desired.width,
        desired.height,
    )
    if outcome.action == 'unchanged':
        return 'unchanged: %s; kept (force=true uploads the source anyway)' % copy
    return 'uploaded: force=true, although %s' % copy


def _absent_now(graph, outcome, desired, check_mode, read_etag_after_write):
    """The user has no photo: nothing to do for state=absent, an upload for state=present."""
    outcome.before = 'state: absent\n'
    outcome.etag = None
    if desired is None:
        return outcome
    return _write(graph, outcome, desired, check_mode, read_etag_after_write)


def _write(graph, outcome, desired, check_mode, read_etag_after_write):
    outcome.action, outcome.changed = 'uploaded', True
    if check_mode:
        return outcome
    outcome.etag_before = outcome.etag
    photos.upload(graph, outcome.user, desired.data)
    outcome.etag = None
    if read_etag_after_write:
        meta = photos.read_metadata(graph, outcome.user)
        outcome.etag = meta.etag if meta else None
        if outcome.etag is None or outcome.etag == outcome.etag_before:
            # Not visible yet (uploads are processed asynchronously): the next run must not take the old
            # ETag for drift and upload again.
            outcome.pending_write = True
            outcome.etag = None
    return outcome
