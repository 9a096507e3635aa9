# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""A bulk reconciliation: every declared user through the same read-compare-write as the
single-user module, concurrently, with one token and one connection pool.

Sources are normalised in worker processes while earlier users are already being reconciled
by threads, so CPU work and network waits overlap. Nothing about a user is kept in memory
after its turn except its small result record."""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from ansible_collections.m365.photos.plugins.module_utils._files import special_source, unreadable_source
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError
from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import (
    DesiredPhoto,
    ImageCache,
    cache_key,
    file_sha256,
    normalise_into_cache,
)
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import THRESHOLD
from ansible_collections.m365.photos.plugins.module_utils._imaging.pool import InProcessComparer, PoolComparer, process_pool
from ansible_collections.m365.photos.plugins.module_utils._sync.inventory import Entry
from ansible_collections.m365.photos.plugins.module_utils._sync.reconcile import (
    Outcome,
    ReconcileOptions,
    higher_resolution_message,
    reconcile,
)

ACTIONS = ('uploaded', 'removed', 'unchanged', 'failed', 'skipped')


def result_record(
    entry: Entry, action: str, changed: bool = False, msg: str | None = None, distance: float | None = None, backup_file: str | None = None
) -> dict:
    return {
        'user': entry.user,
        'action': action,
        'changed': changed,
        'msg': msg,
        'distance': distance,
        'backup_file': backup_file,
        'src': entry.src,
        'state': entry.state,
    }


def explain(outcome: Outcome, entry: Entry, from_state: bool, desired: DesiredPhoto | None = None) -> str:
    higher_resolution = higher_resolution_message(outcome, desired) if desired is not None else None
    if higher_resolution:
        return higher_resolution
    if outcome.pending_since is not None:
        return (
            'unchanged: the upload of this photo %s ago is pending (the service still shows the photo from before it); '
            'not sent again' % _age(outcome.pending_since)
        )
    if outcome.action == 'unchanged':
        if entry.state == 'absent':
            return 'no photo, as declared'
        if from_state:
            return 'unchanged: the photo ETag matches the state file'
        return 'unchanged: same photo (distance %.4f <= %.4f)' % (outcome.distance, THRESHOLD)
    if outcome.action == 'removed':
        return 'removed: not declared, member of the purge group' if entry.purged else 'removed (state=absent)'
    if outcome.distance is None:
        return 'uploaded: the user had no photo'
    if outcome.distance <= THRESHOLD:
        return 'uploaded: same photo, but force=true'
    return 'uploaded: the photo differs (distance %.4f > %.4f)' % (outcome.distance, THRESHOLD)


def _age(since) -> str:
    seconds = max(0, int(time.time() - since))
    return '%dh%02dm' % (seconds // 3600, seconds % 3600 // 60) if seconds >= 3600 else '%dm%02ds' % (seconds // 60, seconds % 60)


class BulkRun:
    def __init__(
        self,
        graph,
        settings,
        cache_dir=None,
        state=None,
        backup=False,
        backup_dir=None,
        force=False,
        check_mode=False,
        thumbs=None,
        workers=16,
        processes=2,
    ):
        self.graph = graph
        self.settings = settings
        self.cache = ImageCache(cache_dir, settings)
        self.state = state
        self.backup_dir = backup_dir
        self.check_mode = check_mode
        self.thumbs = thumbs
        self.options = ReconcileOptions(
            force=force,
            backup=backup,
            backup_dir=backup_dir,
            check_mode=check_mode,
            read_etag_after_write=state is not None,
            keep_previous=thumbs is not None,
            metadata_first=state is not None,
        )
        self.comparer = InProcessComparer()
        self.workers = workers
        self.processes = processes
        self.lock = threading.Lock()
        self.diffs = []
        # Warnings for the task's output, each naming its user (crop=face fell back to top).
        self.warnings = []
        self.pool = None

    def run(self, entries: list) -> list[dict]:
        """Results in the order of ``entries``."""
        results: list = [None] * len(entries)
        # Worker processes normalise new sources and compare photos, so the CPU work uses every
        # core and leaves this process's GIL to the HTTP threads. They are forked before any
        # thread exists (fork and threads do not mix): one job each starts them all now.
        present = any(entry.state == 'present' and not entry.error for entry in entries)
        pool = process_pool(self.processes) if present else None
        self.pool = pool
        self.comparer = PoolComparer(pool) if pool else InProcessComparer()
        if pool:
            for started in [pool.submit(int, 0) for dummy in range(self.processes)]:
                started.result()
        pending_sources: dict[str, list] = {}  # cache key -> [(index, entry)] waiting for normalisation
        jobs = {}
        try:
            with ThreadPoolExecutor(max_workers=self.workers) as threads:
                calls = []
                # Each user goes to the threads as soon as it is ready, so the first requests are on
                # their way while the later sources are still being fingerprinted.
                for index, entry in enumerate(entries):
                    if entry.error:
                        results[index] = result_record(entry, 'failed', msg=entry.error)
                        continue
                    source = 'ready' if entry.state == 'absent' else self._prepare_source(index, entry, results, pending_sources)
                    if source == 'ready':
                        calls.append(threads.submit(self._reconcile_one, index, entry))
                    elif source == 'new':
                        jobs[self._normalise(pool, entry)] = entry.source_key
                # as_completed, not a wait() loop: wait() re-registers on every pending job each time,
                # which is quadratic in the inventory size.
                for job in as_completed(jobs):
                    key, error = job.result()
                    for index, entry in pending_sources[key]:
                        if error:
                            results[index] = result_record(entry, 'failed', msg='%s: %s' % (entry.source_name, error))
                        else:
                            calls.append(threads.submit(self._reconcile_one, index, entry))
                for call in calls:
                    index, record = call.result()
                    results[index] = record
        finally:
            if pool:
                pool.shutdown(wait=True)
        return results

    def _prepare_source(self, index, entry, results, pending) -> str:
        """Where ``entry``'s photo stands: 'ready' (in the cache), 'new' (the first user waiting
        for this source to be normalised), 'waiting' (a user before it has the same source), or
        'failed' (its record is in ``results``)."""
        special = special_source(entry.src) if entry.content is None and entry.src else None
        if special:
            results[index] = result_record(entry, 'failed', msg=special)
            return 'failed'
        try:
            # The same fingerprint for the same bytes, from a file or from content (state files).
            source_sha256 = hashlib.sha256(entry.content).hexdigest() if entry.content is not None else file_sha256(entry.src)
            entry.source_key = cache_key(source_sha256, self.settings)
        except OSError as exc:
            results[index] = result_record(entry, 'failed', msg=unreadable_source(entry.src, exc))
            return 'failed'
        entry.desired = self.cache.get(entry.source_key)
        if entry.desired is not None:
            entry.content = None  # normalised before: the cache has it
            return 'ready'
        waiting = pending.setdefault(entry.source_key, [])
        waiting.append((index, entry))
        if len(waiting) > 1:
            entry.content = None  # the first of these users' job normalises it
            return 'waiting'
        return 'new'

    def _normalise(self, pool, entry):
        """Normalise ``entry``'s source into the cache in a worker process; the job's future."""
        job = pool.submit(normalise_into_cache, self.cache.directory, self.settings, entry.source_key, entry.src, entry.content)
        entry.content = None  # in the job now; not kept for the rest of the run
        return job

    def _reconcile_one(self, index, entry):
        desired = None
        if entry.state == 'present':
            # Looked up once while preparing; sources normalised during the run are read now.
            desired = entry.desired or self.cache.get(entry.source_key)
        known = self.state.known_etag(entry.user, entry.source_key) if self.state and desired else None
        pending = self.state.pending_for(entry.user, entry.source_key) if self.state and desired else None
        try:
            outcome = reconcile(self.graph, entry.user, desired, self.options, self.comparer, known_etag=known, pending=pending)
        except GraphError as exc:
            if self.state:
                self.state.forget(entry.user)
            return index, result_record(entry, 'failed', msg=str(exc))
        except OSError as exc:
            return index, result_record(entry, 'failed', msg='cannot write the backup to %s: %s' % (self.backup_dir, exc))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # Whatever goes wrong for one user (a malformed answer, a crashed worker process) must
            # not stop the others: it becomes that user's failure.
            if self.state:
                self.state.forget(entry.user)
            return index, result_record(entry, 'failed', msg='unexpected error: %s: %s' % (type(exc).__name__, exc))
        from_state = bool(known) and outcome.action == 'unchanged' and outcome.distance is None
        msg = explain(outcome, entry, from_state, desired)
        if desired is not None and desired.warnings:
            msg += '; ' + '; '.join(desired.warnings)
            with self.lock:
                self.warnings.extend(
                    '%s (%s): %s' % (entry.user, entry.source_name, warning)
                    for warning in desired.warnings
                    if warning.startswith('crop=face')
                )
        if self.state and not self.check_mode:
            if outcome.pending_since is not None:
                pass  # still pending: the record stays as it is
            elif desired is not None and outcome.pending_write:
                self.state.record_pending(entry.user, entry.source_key, outcome.etag_before)
            elif desired is not None and outcome.action in ('uploaded', 'unchanged'):
                self.state.record(entry.user, entry.source_key, outcome.etag)
            else:
                self.state.forget(entry.user)
        if outcome.changed:
            if self.thumbs is not None:
                self.thumbs.add(index, outcome.previous_content, desired.data if desired is not None else None)
            with self.lock:
                self.diffs.append((index, outcome.diff()))
        return index, result_record(entry, outcome.action, outcome.changed, msg, outcome.distance, outcome.backup_file)


def summarise(results: list[dict]) -> dict:
    summary = dict((action, 0) for action in ACTIONS)
    for record in results:
        summary[record['action']] += 1
    summary['total'] = len(results)
    return summary
