# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""The tenant photo audit of user_photo_info: who has a photo, and, against a declared inventory,
which photos match, differ, are missing or were never declared.

One metadata read per user (GET /users/{id}/photo) on the same threads-and-adaptive-limiter engine
as user_photos; the photo itself is downloaded only for a user whose photo is declared and present
(to compare it) or when it is to be saved (``dest``)."""

from __future__ import annotations

import hashlib
import html
import json
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from ansible_collections.m365.photos.plugins.module_utils._files import unreadable_source, write_atomic
from ansible_collections.m365.photos.plugins.module_utils._graph import photos as _photos
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError
from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import cache_key, file_sha256, normalise_into_cache
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import THRESHOLD, is_same_photo
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError
from ansible_collections.m365.photos.plugins.module_utils._imaging.pool import InProcessComparer
from ansible_collections.m365.photos.plugins.module_utils._sync.backup import EXTENSIONS, safe_name
from ansible_collections.m365.photos.plugins.module_utils._sync.report import HTML_STYLE
from ansible_collections.m365.photos.plugins.module_utils._sync.source import SourceError, read_source

if TYPE_CHECKING:
    from ansible_collections.m365.photos.plugins.module_utils._graph.client import GraphClient
    from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import DesiredPhoto
    from ansible_collections.m365.photos.plugins.module_utils._sync.inventory import Entry

CLASSES = ('matches', 'differs', 'no_photo', 'undeclared_photo', 'declared_missing')
CLASS_TEXT = {
    'matches': 'photo as declared',
    'differs': 'photo differs from the declared one',
    'no_photo': 'no photo, none declared',
    'undeclared_photo': 'photo the inventory does not declare',
    'declared_missing': 'declared photo missing',
}
REPORT_MODE = 0o600


class Declared:
    """What the inventory says about the audited users: {user key: Entry} (by UPN and object id).
    With an ImageCache, declared sources are normalised through it, under the same keys as
    user_photos: an audit after a sync with the same cache normalises nothing again."""

    def __init__(self, entries, cache=None):
        self.by_key = {}
        self.errors = []
        self.cache = cache
        for entry in entries:
            if entry.error:
                self.errors.append({'user': entry.user, 'error': entry.error})
                continue
            self.by_key[entry.user.lower()] = entry

    def desired(self, user: str, entry: Entry, settings: dict) -> DesiredPhoto | None:
        """The DesiredPhoto of a declared entry; SourceError naming the user and the file."""
        if self.cache is None:
            return read_source(user, settings, entry.src, entry.content)
        try:
            source_sha256 = hashlib.sha256(entry.content).hexdigest() if entry.content is not None else file_sha256(entry.src)
        except OSError as exc:
            raise SourceError('%s: %s' % (user, unreadable_source(entry.src, exc))) from None
        key = cache_key(source_sha256, settings)
        found = self.cache.get(key)
        if found is None:
            dummy, error = normalise_into_cache(self.cache.directory, settings, key, entry.src, entry.content)
            if error:
                raise SourceError('%s: %s: %s' % (user, entry.source_name, error))
            found = self.cache.get(key)
        return found

    def find(self, user: dict) -> Entry | None:
        for key in (user.get('userPrincipalName'), user.get('id'), user.get('user')):
            if key and key.lower() in self.by_key:
                return self.by_key[key.lower()]
        return None


def audit_record(user: dict) -> dict:
    name = user.get('userPrincipalName') or user['user']
    return {
        'user': name,
        'id': user.get('id'),
        'has_photo': None,
        'etag': None,
        'width': None,
        'height': None,
        'content_type': None,
        'class': None,
        'distance': None,
        'src': None,
    }


def audit_user(
    graph: GraphClient, user: dict, declared: Declared | None, settings: dict, dest: str | None, comparer: InProcessComparer | None = None
) -> dict:
    """The audit record of one user: metadata, then (only when needed) the photo itself."""
    record = audit_record(user)
    name = record['user']
    try:
        meta = _photos.read_metadata(graph, name)
        record['has_photo'] = meta is not None
        if meta is not None:
            record.update(etag=meta.etag, width=meta.width, height=meta.height, content_type=meta.content_type)
        entry = declared.find(user) if declared is not None else None
        wanted = entry is not None and entry.state == 'present'
        if entry is not None:
            record['src'] = entry.source_name if entry.state == 'present' else None
        content = None
        if meta is not None and (wanted or dest):
            content = _photos.read_content(graph, name)
            if content is None:  # removed between the two reads
                record.update(has_photo=False, etag=None, width=None, height=None, content_type=None)
        if dest and content is not None:
            path = os.path.join(dest, safe_name(name) + EXTENSIONS.get(content.content_type, '.jpg'))
            write_atomic(path, content.data)
            record['path'] = path
        if declared is not None:
            record['class'] = _classify(record, declared, entry, wanted, content, settings, comparer or InProcessComparer())
    except GraphError as exc:
        record.update(has_photo=None, error=str(exc))
        if exc.status == 401:
            raise
    except SourceError as exc:
        record['error'] = str(exc)
    except OSError as exc:
        record['error'] = 'cannot save the photo of %s to %s: %s' % (name, dest, exc)
    return record


def _classify(record, declared, entry, wanted, content, settings, comparer):
    if not record['has_photo']:
        return 'declared_missing' if wanted else 'no_photo'
    if not wanted:
        return 'undeclared_photo'
    desired = declared.desired(record['user'], entry, settings)
    try:
        record['distance'] = round(comparer.distance(desired, content.data), 6)
    except ImageError:
        return 'differs'  # the stored photo does not decode
    return 'matches' if is_same_photo(record['distance']) else 'differs'


def run_audit(
    graph, users: list[dict], declared: Declared | None, settings: dict | None, dest: str | None = None, workers: int = 16, describe=None
) -> list[dict]:
    """Records in the order of ``users`` (``describe``, audit_user by default, gives each): one
    thread per request in flight, the client's limiter deciding how many reach the service at once."""
    describe = describe or audit_user
    with ThreadPoolExecutor(max_workers=max(1, workers)) as threads:
        return list(threads.map(lambda user: describe(graph, user, declared, settings, dest), users))


def summarise_audit(records: list[dict], compared: bool) -> dict:
    failed = sum(1 for r in records if r.get('error'))
    with_photo = sum(1 for r in records if r['has_photo'])
    summary: dict[str, object] = {
        'users': len(records),
        'with_photo': with_photo,
        'without_photo': sum(1 for r in records if r['has_photo'] is False),
        'failed': failed,
        'coverage': round(100.0 * with_photo / len(records), 1) if records else None,
    }
    if compared:
        summary['classes'] = dict((name, sum(1 for r in records if r['class'] == name)) for name in CLASSES)
    return summary


def render_audit_md(summary: dict, records: list[dict], scope: str, compared: bool) -> str:
    lines = ['# Microsoft 365 photo audit', '', 'Scope: %s.' % scope, '']
    coverage = ' (%.1f %%)' % summary['coverage'] if summary['coverage'] is not None else ''
    lines.append('**Coverage: %d of %d users have a photo%s.**' % (summary['with_photo'], summary['users'], coverage))
    if summary['failed']:
        lines.append('')
        lines.append('%d users could not be read (listed below).' % summary['failed'])
    if compared:
        lines += ['', '| class | users | meaning |', '|---|---:|---|']
        for name in CLASSES:
            lines.append('| %s | %d | %s |' % (name, summary['classes'][name], CLASS_TEXT[name]))
        for name in ('differs', 'declared_missing', 'undeclared_photo', 'no_photo'):
            members = [r['user'] for r in records if r['class'] == name]
            if members:
                lines += ['', '## %s (%d)' % (name, len(members)), '']
                lines += ['- %s' % user for user in members[:500]]
                if len(members) > 500:
                    lines.append('- ... and %d more (audit.json lists all)' % (len(members) - 500))
    else:
        missing = [r['user'] for r in records if r['has_photo'] is False]
        if missing:
            lines += ['', '## Without a photo (%d)' % len(missing), '']
            lines += ['- %s' % user for user in missing[:500]]
            if len(missing) > 500:
                lines.append('- ... and %d more (audit.json lists all)' % (len(missing) - 500))
    failed = [r for r in records if r.get('error')]
    if failed:
        lines += ['', '## Could not be read (%d)' % len(failed), '']
        lines += ['- %s: %s' % (r['user'], r['error'].replace('\n', ' ')) for r in failed[:200]]
    lines += ['', 'Photos compare as the same when their distance is at most %.4f. Full detail: audit.json.' % THRESHOLD, '']
    return '\n'.join(lines)


# The audit page: the sync report's style, with a filter by class instead of by action.
AUDIT_STYLE = (
    HTML_STYLE
    + ''.join(
        '#%s:checked~.filter label[for=%s]{background:#0969da;color:#fff;border-color:#0969da}' % (c, c) for c in CLASSES + ('failed',)
    )
    + ','.join('#%s:checked~.cards .card:not(.%s)' % (c, c) for c in CLASSES + ('failed',))
    + '{display:none}.card.differs,.card.declared_missing{border-color:#bf8700;background:#fff8c5}'
)
HTML_MAX_CARDS = 2000


def render_audit_html(summary: dict, records: list[dict], scope: str, compared: bool) -> str:
    """report.html of an audit: one self-contained page (no network, no script) with the coverage,
    the count per class and a card per user that needs a look (every class but ``matches``, and
    failures), filtered by class with radio buttons and CSS, like the sync's report.html."""
    esc = html.escape
    title = 'm365.photos: photo audit'
    out = [
        '<!DOCTYPE html>',
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        '<title>%s</title><style>%s</style></head><body>' % (esc(title), AUDIT_STYLE),
        '<h1>%s</h1>' % esc(title),
        '<p>Scope: %s.</p>' % esc(scope),
    ]
    coverage = ' (%.1f %%)' % summary['coverage'] if summary['coverage'] is not None else ''
    out.append('<p><strong>Coverage: %d of %d users have a photo%s.</strong></p>' % (summary['with_photo'], summary['users'], coverage))
    out.append('<table class="counts"><tr><th>class</th><th>users</th><th>meaning</th></tr>')
    if compared:
        for name in CLASSES:
            out.append('<tr><td>%s</td><td class="n">%d</td><td>%s</td></tr>' % (name, summary['classes'][name], esc(CLASS_TEXT[name])))
    else:
        out.append('<tr><td>with a photo</td><td class="n">%d</td><td></td></tr>' % summary['with_photo'])
        out.append('<tr><td>without a photo</td><td class="n">%d</td><td></td></tr>' % summary['without_photo'])
    out.append('<tr><td>failed</td><td class="n">%d</td><td>could not be read</td></tr></table>' % summary['failed'])

    def kind(record):
        if record.get('error'):
            return 'failed'
        if compared:
            return record['class']
        return 'no_photo' if record['has_photo'] is False else None

    rows = [(kind(r), r) for r in records if kind(r) not in (None, 'matches')]
    out.append('<h2>Users to look at</h2>')
    if not rows:
        out.append('<p>Nothing to look at: every user in scope is as declared.</p>')
    else:
        present = [name for name in CLASSES + ('failed',) if any(k == name for k, dummy in rows)]
        out.append('<input type="radio" name="show" id="all" checked hidden>')
        out += ['<input type="radio" name="show" id="%s" hidden>' % name for name in present]
        out.append('<div class="filter">Show: <label for="all">all (%d)</label>' % len(rows))
        out += ['<label for="%s">%s (%d)</label>' % (name, name, sum(1 for k, dummy in rows if k == name)) for name in present]
        out.append('</div><div class="cards">')
        for name, record in rows[:HTML_MAX_CARDS]:
            detail = record.get('error') or (CLASS_TEXT.get(name) if compared else 'no photo')
            size = ' %sx%s' % (record['width'], record['height']) if record.get('width') else ''
            out.append(
                '<div class="card %s"><div class="user">%s</div><div class="action">%s%s</div><div class="msg">%s</div></div>'
                % (name, esc(str(record['user'])), esc(name), esc(size), esc(detail or ''))
            )
        out.append('</div>')
        if len(rows) > HTML_MAX_CARDS:
            out.append('<p class="note">%d more users are listed in audit.json.</p>' % (len(rows) - HTML_MAX_CARDS))
    out.append('<p class="note">Full detail of every user: audit.json next to this page.</p></body></html>')
    return '\n'.join(out) + '\n'


def write_audit_reports(report_dir: str, summary: dict, records: list[dict], scope: str, compared: bool, extra: dict | None = None) -> dict:
    """audit.json, audit.md and report.html in report_dir (owner-only); their paths."""
    os.makedirs(report_dir, exist_ok=True)
    paths = {
        'json': os.path.join(report_dir, 'audit.json'),
        'markdown': os.path.join(report_dir, 'audit.md'),
        'html': os.path.join(report_dir, 'report.html'),
    }
    document = {'scope': scope, 'summary': summary, 'users': records}
    document.update(extra or {})
    write_atomic(paths['json'], json.dumps(document, indent=2, sort_keys=True).encode('utf-8'), mode=REPORT_MODE)
    write_atomic(paths['markdown'], render_audit_md(summary, records, scope, compared).encode('utf-8'), mode=REPORT_MODE)
    write_atomic(paths['html'], render_audit_html(summary, records, scope, compared).encode('utf-8'), mode=REPORT_MODE)
    return paths
