# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Run reports for people: report.json for tools, summary.md for a pull-request comment (a
plan in check mode), contact-sheet.png with before/after thumbnails of every changed user."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile

from ansible_collections.m365.photos.plugins.module_utils._files import write_atomic

try:
    from PIL import Image, ImageDraw
except ImportError:
    Image = ImageDraw = None

THUMB = 96
LABEL_WIDTH = 360
MAX_SHEET_ROWS = 1000  # a 96 px row per user: beyond this the PNG stops being viewable


class ThumbnailStore:
    """Before/after thumbnails of changed users, kept on disk until the sheet is drawn."""

    def __init__(self, report_dir):
        self.directory = tempfile.mkdtemp(prefix='.thumbs-', dir=report_dir)

    def _path(self, index, side):
        return os.path.join(self.directory, '%06d-%s.png' % (index, side))

    def add(self, index, before_bytes, after_bytes):
        for side, data in (('before', before_bytes), ('after', after_bytes)):
            if data is None:
                continue
            with Image.open(io.BytesIO(data)) as image:
                image.draft('RGB', (THUMB, THUMB))
                thumb = image.convert('RGB')
                thumb.thumbnail((THUMB, THUMB))
                thumb.save(self._path(index, side), format='PNG')

    def load(self, index, side):
        path = self._path(index, side)
        if not os.path.exists(path):
            return None
        with Image.open(path) as image:
            return image.copy()

    def cleanup(self):
        shutil.rmtree(self.directory, ignore_errors=True)


def _placeholder(text):
    tile = Image.new('RGB', (THUMB, THUMB), '#eeeeee')
    ImageDraw.Draw(tile).text((8, THUMB // 2 - 6), text, fill='#777777')
    return tile


def draw_contact_sheet(path, rows, thumbs):
    """rows: list of (index, user, action); one row per changed user: label, before, after."""
    shown = rows[:MAX_SHEET_ROWS]
    height = max(1, len(shown)) * (THUMB + 8) + 32
    sheet = Image.new('RGB', (LABEL_WIDTH + 2 * (THUMB + 16), height), 'white')
    draw = ImageDraw.Draw(sheet)
    draw.text((8, 8), 'user', fill='black')
    draw.text((LABEL_WIDTH, 8), 'before', fill='black')
    draw.text((LABEL_WIDTH + THUMB + 16, 8), 'after', fill='black')
    for position, (index, user, action) in enumerate(shown):
        top = 32 + position * (THUMB + 8)
        draw.text((8, top + THUMB // 2 - 12), user, fill='black')
        draw.text((8, top + THUMB // 2 + 4), action, fill='#555555')
        before = thumbs.load(index, 'before') or _placeholder('no photo')
        after = thumbs.load(index, 'after') or _placeholder('removed')
        sheet.paste(before, (LABEL_WIDTH, top))
        sheet.paste(after, (LABEL_WIDTH + THUMB + 16, top))
    sheet.save(path, format='PNG', optimize=True)
    return len(shown)


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
    ``stopped``. The one renderer of summary.md, for user_photos and for the role (through the
    m365.photos.photo_summary filter). ``marker``: an HTML comment first, for bots that update
    their pull-request comment."""
    count = dict((key, int(summary.get(key) or 0)) for key in ('uploaded', 'removed', 'unchanged', 'failed', 'skipped', 'total'))
    to_upload, to_remove = ('to upload', 'to remove') if check_mode else ('uploaded', 'removed')
    lines = []
    if marker:
        lines.append('<!-- %s -->' % marker)
    lines.append('## m365.photos: %s' % ('plan (check mode, nothing written)' if check_mode else 'sync result'))
    if stopped:
        lines += ['', '> **Stopped** after a call failed as a whole: %s' % stopped.replace('\n', ' ')]
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
            action = 'would be ' + result['action'] if check_mode and result['action'] in ('uploaded', 'removed') else result['action']
            lines.append('| %s | %s | %s |' % (_cell(result['user']), action, _cell(result.get('msg'))))
        if len(rows) > max_rows:
            lines.append('| ... | | %d more in report.json |' % (len(rows) - max_rows))
    else:
        lines.append('Nothing to change: every declared photo is already in place.')
    lines.append('')
    if calls:
        lines += ['### Calls', '', '| call | uploaded | removed | unchanged | failed | contact sheet |', '|---|---:|---:|---:|---:|---|']
        for call in calls:
            calls_count = dict(
                (key, int(call['summary'].get(key) or 0)) for key in ('uploaded', 'removed', 'unchanged', 'failed', 'skipped')
            )
            sheet = '-'
            if call.get('report_dir') and calls_count['uploaded'] + calls_count['removed'] > 0:
                sheet = '`%s/contact-sheet.png`' % os.path.relpath(call['report_dir'], report_dir or '.')
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
                'Before/after thumbnails of every changed user are in the contact sheets listed above (one per call, next to '
                'its own `report.json` and `summary.md`).',
            ]
        lines.append('')
    return '\n'.join(lines)


def write_reports(report_dir: str, summary: dict, results: list[dict], check_mode: bool, thumbs, extra: dict | None = None) -> dict:
    """Write the three reports; returns their paths."""
    os.makedirs(report_dir, exist_ok=True)
    paths = {
        'report': os.path.join(report_dir, 'report.json'),
        'summary': os.path.join(report_dir, 'summary.md'),
        'contact_sheet': os.path.join(report_dir, 'contact-sheet.png'),
    }
    document = {'check_mode': check_mode, 'summary': summary, 'results': results}
    document.update(extra or {})
    write_atomic(paths['report'], json.dumps(document, indent=1, sort_keys=True))
    write_atomic(paths['summary'], render_summary(summary, results, check_mode))
    rows = [(i, r['user'], r['action']) for i, r in enumerate(results) if r['changed']]
    draw_contact_sheet(paths['contact_sheet'], rows, thumbs)
    return paths
