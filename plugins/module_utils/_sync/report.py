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


def summary_markdown(summary, results, check_mode, max_rows=200):
    verb = 'Plan' if check_mode else 'Applied'
    lines = [
        '## m365.photos: %s' % ('plan (check mode, nothing written)' if check_mode else 'sync result'),
        '',
        '| %s | users |' % verb,
        '|---|---:|',
        '| %s | %d |' % ('to upload' if check_mode else 'uploaded', summary['uploaded']),
        '| %s | %d |' % ('to remove' if check_mode else 'removed', summary['removed']),
        '| unchanged | %d |' % summary['unchanged'],
        '| failed | %d |' % summary['failed'],
    ]
    if summary.get('skipped'):
        lines.append('| skipped | %d |' % summary['skipped'])
    lines += ['| **total** | **%d** |' % summary['total'], '']
    changed = [r for r in results if r['changed'] or r['action'] == 'failed']
    if changed:
        lines += ['| user | action | details |', '|---|---|---|']
        for result in changed[:max_rows]:
            details = (result.get('msg') or '').replace('|', '\\|').replace('\n', ' ')
            lines.append('| %s | %s | %s |' % (result['user'], result['action'], details))
        if len(changed) > max_rows:
            lines.append('| ... | | %d more in report.json |' % (len(changed) - max_rows))
        lines.append('')
    return '\n'.join(lines)


def write_reports(report_dir, summary, results, check_mode, thumbs, extra=None):
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
    write_atomic(paths['summary'], summary_markdown(summary, results, check_mode))
    rows = [(i, r['user'], r['action']) for i, r in enumerate(results) if r['changed']]
    draw_contact_sheet(paths['contact_sheet'], rows, thumbs)
    return paths
