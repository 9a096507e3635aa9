# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Run reports for people: report.json for tools, summary.md for a pull-request comment (a
plan in check mode), report.html (one self-contained page: counts, before/after thumbnails of
every changed user, failed users, a filter by action), and contact-sheet PNG pages with the
before/after thumbnails in a grid. All are written owner-only (0600): they name users."""

from __future__ import annotations

import base64
import html
import io
import json
import os
import shutil
import tempfile
from typing import Any

from ansible_collections.m365.photos.plugins.module_utils._files import write_atomic

try:
    from PIL import Image, ImageDraw
except ImportError:
    Image = ImageDraw = None  # type: ignore[assignment]

REPORT_MODE = 0o600
THUMB = 96  # contact-sheet thumbnails
HTML_THUMB = 72  # report.html thumbnails: small JPEG data URIs keep 2,000 changed users near 10 MB
HTML_QUALITY = 70
HTML_MAX_CARDS = 5000  # beyond this the page stops being usable; report.json has everyone
SHEET_COLUMNS = 8  # before/after pairs per row
SHEET_MAX_HEIGHT = 4000  # pixels; longer sheets are split into pages
SHEET_PAD = 8
SHEET_LINE = 14
SHEET_HEADER = 32
CELL_WIDTH = 2 * THUMB + 3 * SHEET_PAD
CELL_HEIGHT = THUMB + 2 * SHEET_PAD + 2 * SHEET_LINE
SHEET_ROWS_PER_PAGE = (SHEET_MAX_HEIGHT - SHEET_HEADER - SHEET_PAD) // CELL_HEIGHT
SHEET_NAME = 'contact-sheet'
THUMBNAILS_FILE = 'thumbnails.json'  # data URIs per changed user, for the role's combined report.html


class ThumbnailStore:
    """Before/after thumbnails of changed users, kept on disk until the reports are written: a PNG
    for the contact sheet and a small JPEG for report.html."""

    def __init__(self, report_dir):
        self.directory = tempfile.mkdtemp(prefix='.thumbs-', dir=report_dir)

    def _path(self, index, side, ext='png'):
        return os.path.join(self.directory, '%06d-%s.%s' % (index, side, ext))

    def add(self, index: int, before_bytes: bytes | None, after_bytes: bytes | None) -> None:
        for side, data in (('before', before_bytes), ('after', after_bytes)):
            if data is None:
                continue
            with Image.open(io.BytesIO(data)) as image:
                image.draft('RGB', (THUMB, THUMB))
                thumb = image.convert('RGB')
                thumb.thumbnail((THUMB, THUMB))
                thumb.save(self._path(index, side), format='PNG')
                thumb.thumbnail((HTML_THUMB, HTML_THUMB))
                thumb.save(self._path(index, side, 'jpg'), format='JPEG', quality=HTML_QUALITY, optimize=True)

    def load(self, index: int, side: str) -> Image.Image | None:
        path = self._path(index, side)
        if not os.path.exists(path):
            return None
        with Image.open(path) as image:
            return image.copy()

    def data_uri(self, index: int, side: str) -> str | None:
        path = self._path(index, side, 'jpg')
        if not os.path.exists(path):
            return None
        with open(path, 'rb') as handle:
            return 'data:image/jpeg;base64,' + base64.b64encode(handle.read()).decode('ascii')

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def _placeholder(text):
    tile = Image.new('RGB', (THUMB, THUMB), '#eeeeee')
    ImageDraw.Draw(tile).text((8, THUMB // 2 - 6), text, fill='#777777')
    return tile


def _fit(draw, text, width):
    """``text`` cut (with '...') to fit ``width`` pixels in the default font."""
    if draw.textlength(text) <= width:
        return text
    while text and draw.textlength(text + '...') > width:
        text = text[:-1]
    return text + '...'


def sheet_pages(report_dir: str) -> list[str]:
    """The contact-sheet pages present in report_dir, in page order."""
    try:
        names = os.listdir(report_dir)
    except OSError:
        return []
    pages = [name for name in names if name == SHEET_NAME + '.png' or (name.startswith(SHEET_NAME + '-') and name.endswith('.png'))]
    return [os.path.join(report_dir, name) for name in sorted(pages, key=lambda name: (len(name), name))]


def draw_contact_sheet(report_dir: str, rows: list[tuple[int, str, str]], thumbs: ThumbnailStore, check_mode: bool = False) -> list[str]:
    """Contact-sheet pages in report_dir: a grid of SHEET_COLUMNS before/after pairs per row, each
    labelled with the user and the action, pages no taller than SHEET_MAX_HEIGHT pixels
    (contact-sheet.png, contact-sheet-2.png, ...). rows: (index, user, action) of the changed
    users. Pages of an earlier run are removed first; nothing is written when nothing changed.
    Returns the paths of the pages."""
    for stale in sheet_pages(report_dir):
        os.unlink(stale)
    per_page = SHEET_COLUMNS * SHEET_ROWS_PER_PAGE
    pages = [rows[start : start + per_page] for start in range(0, len(rows), per_page)]
    paths = []
    for number, page in enumerate(pages, 1):
        grid_rows = (len(page) + SHEET_COLUMNS - 1) // SHEET_COLUMNS
        columns = min(len(page), SHEET_COLUMNS)
        width = max(columns * CELL_WIDTH + SHEET_PAD, 480)
        sheet = Image.new('RGB', (width, SHEET_HEADER + grid_rows * CELL_HEIGHT + SHEET_PAD), 'white')
        draw = ImageDraw.Draw(sheet)
        title = 'm365.photos %s: before | after, %d changed user%s' % (
            'plan' if check_mode else 'sync',
            len(rows),
            '' if len(rows) == 1 else 's',
        )
        if len(pages) > 1:
            title += ' (page %d of %d)' % (number, len(pages))
        draw.text((SHEET_PAD, 10), title, fill='black')
        for position, (index, user, action) in enumerate(page):
            left = SHEET_PAD + (position % SHEET_COLUMNS) * CELL_WIDTH
            top = SHEET_HEADER + (position // SHEET_COLUMNS) * CELL_HEIGHT
            before = thumbs.load(index, 'before') or _placeholder('no photo')
            after = thumbs.load(index, 'after') or _placeholder('removed')
            sheet.paste(before, (left, top))
            sheet.paste(after, (left + THUMB + SHEET_PAD, top))
            label_width = 2 * THUMB + SHEET_PAD
            draw.text((left, top + THUMB + 4), _fit(draw, user, label_width), fill='black')
            action_text = ('would be ' + action) if check_mode and action in ('uploaded', 'removed') else action
            draw.text((left, top + THUMB + 4 + SHEET_LINE), action_text, fill='#555555')
        path = os.path.join(report_dir, SHEET_NAME + ('.png' if number == 1 else '-%d.png' % number))
        buffer = io.BytesIO()
        sheet.save(buffer, format='PNG', optimize=True)
        write_atomic(path, buffer.getvalue(), mode=REPORT_MODE)
        paths.append(path)
    return paths


def terse_diff(diffs: list[tuple[int, dict]]) -> dict | None:
    """Ansible diff for many users: one prepared text with, per changed user, one line for the
    photo before and one after (SHA-256 prefix, dimensions, bytes); nothing for unchanged users.
    ``diffs``: (index, reconcile diff dict) pairs. The full detail is in report.json."""
    lines = []
    for diff in [item[1] for item in sorted(diffs, key=lambda item: item[0])]:
        user = diff.get('before_header', '').rsplit(' (', 1)[0] or diff.get('after_header', '').rsplit(' (', 1)[0]
        lines.append('-%s  %s' % (user, _photo_line(diff.get('before'))))
        lines.append('+%s  %s' % (user, _photo_line(diff.get('after'))))
    return {'prepared': '\n'.join(lines) + '\n'} if lines else None


def _photo_line(text):
    """'sha256 1a2b3c4d5e6f  648x648  45123 bytes' from a describe_photo() text, 'no photo' for none."""
    facts = dict(line.split(': ', 1) for line in (text or '').splitlines() if ': ' in line)
    if not facts or facts.get('state') == 'absent':
        return 'no photo'
    parts = []
    if facts.get('sha256'):
        parts.append('sha256 %s' % facts['sha256'][:12])
    if facts.get('dimensions'):
        parts.append(facts['dimensions'])
    if facts.get('bytes'):
        parts.append('%s bytes' % facts['bytes'])
    return '  '.join(parts) or 'photo'


def _cell(text) -> str:
    return str(text if text is not None else '').replace('|', '\\|').replace('\n', ' ')


def render_summary(
    summary: dict,
    results: list[dict],
    check_mode: bool,
    max_rows: int = 200,
    calls: list[dict] | None = None,
    stopped: str | None = None,
    report_dir: str | None = None,
    marker: str | None = None,
) -> str:
    """summary.md: totals, the changed, failed and skipped users (a plan in check mode), and for
    the photo_sync role the calls it made (``calls``: name, label, report_dir, summary) and why it
    ``stopped`` (a sentence: what failed and what was not done). The one renderer of summary.md,
    for user_photos and for the role (through the m365.photos.photo_summary filter). ``marker``:
    an HTML comment first, for bots that update their pull-request comment."""
    count = dict((key, int(summary.get(key) or 0)) for key in ('uploaded', 'removed', 'unchanged', 'failed', 'skipped', 'total'))
    to_upload, to_remove = ('to upload', 'to remove') if check_mode else ('uploaded', 'removed')
    lines = []
    if marker:
        lines.append('<!-- %s -->' % marker)
    lines.append('## m365.photos: %s' % ('plan (check mode, nothing written)' if check_mode else 'sync result'))
    if stopped:
        lines += ['', '> **Stopped**: %s' % stopped.replace('\n', ' ')]
    skipped = ', %d skipped' % count['skipped'] if count['skipped'] else ''
    lines += [
        '',
        '**%d %s, %d %s, %d unchanged, %d failed%s** (%d user%s)'
        % (
            count['uploaded'],
            to_upload,
            count['removed'],
            to_remove,
            count['unchanged'],
            count['failed'],
            skipped,
            count['total'],
            '' if count['total'] == 1 else 's',
        ),
        '',
        '| %s | users |' % ('Plan' if check_mode else 'Applied'),
        '|---|---:|',
        '| %s | %d |' % (to_upload, count['uploaded']),
        '| %s | %d |' % (to_remove, count['removed']),
        '| unchanged | %d |' % count['unchanged'],
        '| failed | %d |' % count['failed'],
    ]
    if count['skipped']:
        lines.append('| skipped | %d |' % count['skipped'])
    lines += ['| **total** | **%d** |' % count['total'], '']
    rows = [r for r in results if r['action'] != 'unchanged']
    if rows:
        lines += ['### %s' % ('Changes and failures' if check_mode else 'Changed and failed users'), '']
        lines += ['| user | action | details |', '|---|---|---|']
        for result in rows[:max_rows]:
            details = _cell(result.get('msg'))
            if result.get('backup_file'):
                details += ' (backup: `%s`)' % _cell(result['backup_file'])
            lines.append('| %s | %s | %s |' % (_cell(result['user']), _action_text(result['action'], check_mode), details))
        if len(rows) > max_rows:
            lines.append('| ... | | %d more in report.json |' % (len(rows) - max_rows))
        backups = sorted(set(os.path.dirname(r['backup_file']) for r in results if r.get('backup_file')))
        if backups:
            lines += [
                '',
                'Backups of the replaced or removed photos (%d) are in %s.'
                % (len([r for r in results if r.get('backup_file')]), ', '.join('`%s`' % _cell(path) for path in backups)),
            ]
    else:
        lines.append('Nothing to change: every declared photo is already in place.')
    lines.append('')
    if calls:
        lines += ['### Calls', '', '| call | uploaded | removed | unchanged | failed | report |', '|---|---:|---:|---:|---:|---|']
        for call in calls:
            calls_count = dict(
                (key, int(call['summary'].get(key) or 0)) for key in ('uploaded', 'removed', 'unchanged', 'failed', 'skipped')
            )
            sheet = '-'
            if call.get('report_dir') and calls_count['uploaded'] + calls_count['removed'] + calls_count['failed'] > 0:
                sheet = '`%s/report.html`' % os.path.relpath(call['report_dir'], report_dir or '.')
            lines.append(
                '| %s | %d | %d | %d | %d | %s |'
                % (
                    _cell(call['label']),
                    calls_count['uploaded'],
                    calls_count['removed'],
                    calls_count['unchanged'],
                    calls_count['failed'] + calls_count['skipped'],
                    sheet,
                )
            )
        if count['uploaded'] + count['removed'] > 0:
            lines += [
                '',
                'Before/after thumbnails of every changed user: `report.html` next to this summary (all calls), and the '
                '`contact-sheet*.png` pages next to each call\'s own report.',
            ]
        lines.append('')
    return '\n'.join(lines)


def _action_text(action, check_mode):
    return 'would be ' + action if check_mode and action in ('uploaded', 'removed') else action


HTML_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:24px 0 8px}
.stopped{background:#fff1f0;border-left:4px solid #cf222e;padding:8px 12px;margin:12px 0}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 10px;text-align:left}
td.n{text-align:right}
.filter{margin:16px 0 8px}.filter input{position:absolute;opacity:0}
.filter label{display:inline-block;border:1px solid #d0d7de;border-radius:16px;padding:3px 12px;margin:0 6px 6px 0;cursor:pointer}
#all:checked~.filter label[for=all],#uploaded:checked~.filter label[for=uploaded],
#removed:checked~.filter label[for=removed],#failed:checked~.filter label[for=failed],
#skipped:checked~.filter label[for=skipped]{background:#0969da;color:#fff;border-color:#0969da}
#uploaded:checked~.cards .card:not(.uploaded),#removed:checked~.cards .card:not(.removed),
#failed:checked~.cards .card:not(.failed),#skipped:checked~.cards .card:not(.skipped){display:none}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px;overflow-wrap:anywhere}
.card.failed{border-color:#cf222e;background:#fff8f8}.card.skipped{background:#f6f8fa}
.pair{display:flex;gap:6px}.pair figure{margin:0;text-align:center;font-size:11px;color:#57606a}
.pair img,.pair .none{width:72px;height:72px;display:block;border-radius:4px;background:#eaeef2}
.pair .none{line-height:72px;font-size:11px}
.user{font-weight:600;margin-top:6px}.action{color:#57606a;font-size:12px}.msg{font-size:12px;margin-top:4px}
.card.failed .msg{color:#cf222e}.note{color:#57606a}
"""


def render_html(
    summary: dict,
    results: list[dict],
    check_mode: bool,
    thumbnails: dict | None = None,
    calls: list[dict] | None = None,
    stopped: str | None = None,
    report_dir: str | None = None,
    max_cards: int = HTML_MAX_CARDS,
) -> str:
    """report.html: one self-contained page (no network, no script) with the counts, a card per
    changed, failed or skipped user (before/after thumbnails from ``thumbnails``, a dict of lower-
    cased user to ``{'before': data URI, 'after': data URI}``), the calls of the role, and a
    filter by action made of radio buttons and CSS."""
    thumbnails = thumbnails or {}
    count = dict((key, int(summary.get(key) or 0)) for key in ('uploaded', 'removed', 'unchanged', 'failed', 'skipped', 'total'))
    title = 'm365.photos: %s' % ('plan (check mode, nothing written)' if check_mode else 'sync result')
    esc = html.escape
    out = [
        '<!DOCTYPE html>',
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        '<title>%s</title><style>%s</style></head><body>' % (esc(title), HTML_STYLE),
        '<h1>%s</h1>' % esc(title),
    ]
    if stopped:
        out.append('<p class="stopped"><strong>Stopped</strong>: %s</p>' % esc(stopped))
    labels = (
        ('uploaded', 'to upload' if check_mode else 'uploaded'),
        ('removed', 'to remove' if check_mode else 'removed'),
        ('unchanged', 'unchanged'),
        ('failed', 'failed'),
        ('skipped', 'skipped'),
    )
    out.append('<table class="counts"><tr><th>%s</th><th>users</th></tr>' % ('Plan' if check_mode else 'Applied'))
    for key, label in labels:
        if key != 'skipped' or count['skipped']:
            out.append('<tr><td>%s</td><td class="n">%d</td></tr>' % (label, count[key]))
    out.append('<tr><th>total</th><th class="n">%d</th></tr></table>' % count['total'])

    rows = [r for r in results if r['action'] in ('uploaded', 'removed', 'failed', 'skipped')]
    shown = rows[:max_cards]
    out.append('<h2>%s</h2>' % ('Changes and failures' if check_mode else 'Changed and failed users'))
    if not rows:
        out.append('<p>Nothing to change: every declared photo is already in place.</p>')
    else:
        present = [key for key, dummy in labels if key != 'unchanged' and any(r['action'] == key for r in rows)]
        out.append('<input type="radio" name="show" id="all" checked hidden>')
        out += ['<input type="radio" name="show" id="%s" hidden>' % key for key in present]
        out.append('<div class="filter">Show: <label for="all">all (%d)</label>' % len(rows))
        out += ['<label for="%s">%s (%d)</label>' % (key, dict(labels)[key], count[key]) for key in present]
        out.append('</div><div class="cards">')
        for result in shown:
            out.append(_card(result, check_mode, thumbnails.get(str(result['user']).lower()) or {}))
        out.append('</div>')
        if len(rows) > len(shown):
            out.append('<p class="note">%d more users are listed in report.json.</p>' % (len(rows) - len(shown)))
    backups = [r for r in results if r.get('backup_file')]
    if backups:
        out.append(
            '<h2>Backups</h2><p>%d replaced or removed photo%s saved in %s.</p>'
            % (
                len(backups),
                '' if len(backups) == 1 else 's',
                ', '.join('<code>%s</code>' % esc(path) for path in sorted(set(os.path.dirname(r['backup_file']) for r in backups))),
            )
        )
    if calls:
        out.append(
            '<h2>Calls</h2><table><tr><th>call</th><th>uploaded</th><th>removed</th><th>unchanged</th><th>failed</th><th>report</th></tr>'
        )
        for call in calls:
            numbers = dict((key, int(call['summary'].get(key) or 0)) for key in ('uploaded', 'removed', 'unchanged', 'failed', 'skipped'))
            link = '-'
            if call.get('report_dir'):
                relative = os.path.relpath(call['report_dir'], report_dir or '.')
                link = '<a href="%s/report.html">%s/report.html</a>' % (esc(relative), esc(relative))
            out.append(
                '<tr><td>%s</td><td class="n">%d</td><td class="n">%d</td><td class="n">%d</td><td class="n">%d</td><td>%s</td></tr>'
                % (
                    esc(call['label']),
                    numbers['uploaded'],
                    numbers['removed'],
                    numbers['unchanged'],
                    numbers['failed'] + numbers['skipped'],
                    link,
                )
            )
        out.append('</table>')
    out.append('<p class="note">Full detail of every user: report.json next to this page.</p></body></html>')
    return '\n'.join(out) + '\n'


def _card(result, check_mode, thumbs):
    esc = html.escape
    action = result['action']
    parts = ['<div class="card %s">' % action]
    if action in ('uploaded', 'removed'):
        parts.append('<div class="pair">')
        for side, missing in (('before', 'no photo'), ('after', 'removed')):
            uri = thumbs.get(side)
            image = '<img src="%s" alt="%s">' % (esc(uri), side) if uri else '<div class="none">%s</div>' % missing
            parts.append('<figure>%s<figcaption>%s</figcaption></figure>' % (image, side))
        parts.append('</div>')
    parts.append(
        '<div class="user">%s</div><div class="action">%s</div>' % (esc(str(result['user'])), esc(_action_text(action, check_mode)))
    )
    if result.get('msg'):
        parts.append('<div class="msg">%s</div>' % esc(str(result['msg'])))
    parts.append('</div>')
    return ''.join(parts)


def write_reports(report_dir: str, summary: dict, results: list[dict], check_mode: bool, thumbs, extra: dict | None = None) -> dict:
    """Write report.json, summary.md, report.html, thumbnails.json (for the role's combined page)
    and the contact-sheet pages (none when nothing changed), all 0600; returns their paths."""
    os.makedirs(report_dir, exist_ok=True)
    paths: dict[str, Any] = {
        'report': os.path.join(report_dir, 'report.json'),
        'summary': os.path.join(report_dir, 'summary.md'),
        'html': os.path.join(report_dir, 'report.html'),
    }
    document = {'check_mode': check_mode, 'summary': summary, 'results': results}
    document.update(extra or {})
    write_atomic(paths['report'], json.dumps(document, indent=1, sort_keys=True), mode=REPORT_MODE)
    write_atomic(paths['summary'], render_summary(summary, results, check_mode), mode=REPORT_MODE)
    thumbnails = {}
    for index, result in enumerate(results):
        if result['changed']:
            pair = dict((side, thumbs.data_uri(index, side)) for side in ('before', 'after'))
            thumbnails[str(result['user']).lower()] = dict((side, uri) for side, uri in pair.items() if uri)
    write_atomic(paths['html'], render_html(summary, results, check_mode, thumbnails), mode=REPORT_MODE)
    write_atomic(os.path.join(report_dir, THUMBNAILS_FILE), json.dumps(thumbnails), mode=REPORT_MODE)
    rows = [(i, r['user'], r['action']) for i, r in enumerate(results) if r['changed']]
    pages = draw_contact_sheet(report_dir, rows, thumbs, check_mode)
    paths['contact_sheet'] = pages[0] if pages else None
    paths['contact_sheets'] = pages
    return paths
