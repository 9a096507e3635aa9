"""The reports a person looks at, at scale: a 2,000-user plan through the m365.photos.sync
playbook (four chunks of 500), its terse diff, the combined report.html in headless Chromium, the
contact-sheet pages; and the small cases: no contact sheet without changes, reports and a Stopped
line when the preflight fails, stale reports removed, one file mode."""

import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool

import pytest
from conftest import COLLECTIONS
from PIL import Image, ImageEnhance
from sample_photos import write_samples

USERS = 2000
GHOSTS = ['ghost%d@contoso.example' % n for n in range(1, 4)]
MAX_PAGE_BYTES = 15 * 1024 * 1024
SCREEN = (1280, 1600)
CHROMIUM_FLAGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
]


def upn(number):
    return 'user%05d@contoso.example' % number


_BASES = []


def _photograph(number, variant, size):
    """A real photograph (scikit-image's sample data), cropped and tinted per user and variant."""
    if not _BASES:
        import skimage.data  # pylint: disable=import-outside-toplevel

        for name in ('astronaut', 'coffee', 'chelsea', 'rocket', 'camera', 'immunohistochemistry', 'retina', 'cat'):
            _BASES.append(Image.fromarray(getattr(skimage.data, name)()).convert('RGB'))
    image = _BASES[(number + variant * 3) % len(_BASES)]
    width, height = image.size
    side = int(min(width, height) * 0.6)
    left = (number * 37 + variant * 101) % (width - side)
    top = (number * 53 + variant * 71) % (height - side)
    picture = image.crop((left, top, left + side, top + side)).resize((size, size))
    picture = ImageEnhance.Color(picture).enhance(0.5 + (number % 9) / 10.0)
    buffer = io.BytesIO()
    picture.save(buffer, format='JPEG', quality=88)
    return buffer.getvalue()


def _current(number):
    return _photograph(number, 0, 240)


def _declared(args):
    number, directory = args
    with open(os.path.join(directory, upn(number) + '.jpg'), 'wb') as handle:
        handle.write(_photograph(number, 1, 600))


def sync(tenant, repo, *args, **overrides):
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    env.update(HOME=str(repo / 'home'), ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1')
    env.update(tenant.env())
    env.update(overrides)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', 'm365.photos.sync']
    command += ['-e', '@photos.yml'] + list(args)
    return subprocess.run(command, env=env, cwd=str(repo), capture_output=True, text=True, check=False, timeout=900)


def chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError('headless Chromium is needed for this test: make setup installs it (apt-get install chromium)')


def screenshot(page, tmp_path, name):
    """Load ``page`` in headless Chromium (a new empty profile, no network) and return the screenshot."""
    target = tmp_path / (name + '.png')
    profile = tmp_path / ('profile-' + name)
    profile.mkdir()
    command = (
        [chromium()]
        + CHROMIUM_FLAGS
        + [
            '--user-data-dir=%s' % profile,
            '--window-size=%d,%d' % SCREEN,
            '--virtual-time-budget=15000',
            '--screenshot=%s' % target,
            page.as_uri(),
        ]
    )
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert target.is_file(), completed.stdout + completed.stderr
    return Image.open(target).convert('RGB')


def ink(image):
    """Share of pixels that are not (near) white, and the number of distinct colours."""
    raw = image.resize((image.width // 4, image.height // 4)).tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    dark = sum(1 for pixel in pixels if min(pixel) < 235)
    return dark / float(len(pixels)), len(set(pixels))


@pytest.fixture
def big_plan(tmp_path_factory):
    """A check-mode run of 2,000 users whose photos all differ, plus three unknown users. Used by
    one test only: under pytest-xdist every worker would build a shared fixture again."""
    from conftest import Tenant  # pylint: disable=import-outside-toplevel
    from fake_tenant import FakeTenantProcess  # pylint: disable=import-outside-toplevel

    base = tmp_path_factory.mktemp('big')
    process = FakeTenantProcess(
        str(base / 'tenant'), seed={'generated_users': {'count': USERS, 'prefix': 'user', 'domain': 'contoso.example'}}
    )
    process.start()
    try:
        tenant = Tenant(process)
        started = time.monotonic()
        with Pool(2) as pool:
            current = pool.map(_current, range(1, USERS + 1), chunksize=50)
        with ThreadPoolExecutor(4) as threads:
            list(threads.map(lambda item: process.set_photo_out_of_band(upn(item[0]), item[1]), enumerate(current, 1)))
        repo = base / 'repo'
        (repo / 'home').mkdir(parents=True)
        (repo / 'photos').mkdir()
        with Pool(2) as pool:
            pool.map(_declared, [(n, str(repo / 'photos')) for n in range(1, USERS + 1)], chunksize=50)
        photos = [{'user': ghost, 'src': str(repo / 'photos' / (upn(1) + '.jpg'))} for ghost in GHOSTS]
        (repo / 'photos.yml').write_text(
            json.dumps({'photo_sync_src_dir': 'photos', 'photo_sync_report_dir': 'reports', 'photo_sync_photos': photos})
        )
        # A report of an earlier run that must not survive this one.
        (repo / 'reports' / 'chunks' / '009').mkdir(parents=True)
        (repo / 'reports' / 'chunks' / '009' / 'report.json').write_text('{}')
        tenant.reset_stats()
        prepared = time.monotonic()
        run = sync(tenant, repo, '--check', '--diff')
        writes = tenant.writes()
        print(
            '2,000-user plan: %.0f s to prepare the tenant and the sources, %.0f s for the run'
            % (prepared - started, time.monotonic() - prepared)
        )
        yield run, repo / 'reports', writes
    finally:
        process.stop()


def check_terse_diff_is_two_lines_per_changed_user(big_plan):
    run, dummy, writes = big_plan
    assert writes == 0
    # The three unknown users fail; the role fails at the end, after writing every report.
    assert run.returncode != 0 and '3 of %d users failed' % (USERS + 3) in run.stdout, run.stdout[-3000:] + run.stderr
    before = [line for line in run.stdout.splitlines() if re.match(r'^-user\d{5}@contoso\.example  ', line)]
    after = [line for line in run.stdout.splitlines() if re.match(r'^\+user\d{5}@contoso\.example  ', line)]
    assert len(before) == USERS and len(after) == USERS
    assert re.match(r'^-user00001@contoso\.example  sha256 [0-9a-f]{12}  240x240  \d+ bytes$', before[0]), before[0]
    assert re.match(r'^\+user00001@contoso\.example  sha256 [0-9a-f]{12}  \d+x\d+  \d+ bytes$', after[0]), after[0]
    assert 'etag' not in run.stdout.lower() and 'dimensions:' not in run.stdout
    # One before/after pair per changed user and nothing else: the diff is 2 lines per user.
    diff_lines = [line for line in run.stdout.splitlines() if line[:1] in '+-' and '@contoso.example' in line]
    assert len(diff_lines) == 2 * USERS


def check_report_html_is_one_self_contained_page(big_plan):
    dummy, reports, dummy2 = big_plan
    page = reports / 'report.html'
    size = page.stat().st_size
    assert size < MAX_PAGE_BYTES, 'report.html is %d bytes for %d changed users' % (size, USERS)
    text = page.read_text()
    assert text.count('<div class="card uploaded">') == USERS and text.count('<div class="card failed">') == len(GHOSTS)
    assert text.count('<img src="data:image/jpeg;base64,') == 2 * USERS
    # Nothing is fetched: every image is a data URI, no script, links only to the chunks' own pages.
    assert '<script' not in text.lower()
    for attribute in re.findall(r'(?:src|href)="([^"]*)"', text):
        assert attribute.startswith('data:image/jpeg;base64,') or re.match(r'^chunks/\d{3}/report\.html$', attribute), attribute
    for ghost in GHOSTS:
        assert ghost in text
    assert 'does not exist' in text
    print('report.html: %d bytes (%.2f MB) for %d changed users' % (size, size / 1048576.0, USERS))


def check_report_html_renders_in_headless_chromium(big_plan, tmp_path):
    dummy, reports, dummy2 = big_plan
    shot = screenshot(reports / 'report.html', tmp_path, 'all')
    assert shot.size == SCREEN
    share, colours = ink(shot)
    # The first screen holds the counts and rows of before/after photographs: far from blank.
    assert share > 0.15 and colours > 500, (share, colours)

    # The filter by action (radio buttons and CSS): with "failed" chosen, only the three failed
    # users' cards remain, without photographs.
    html = (reports / 'report.html').read_text()
    filtered = tmp_path / 'failed.html'
    filtered.write_text(html.replace('id="all" checked', 'id="all"').replace('id="failed"', 'id="failed" checked'))
    only_failed = screenshot(filtered, tmp_path, 'failed')
    failed_share, failed_colours = ink(only_failed)
    assert failed_share < share / 3 and failed_colours < colours / 3, (failed_share, failed_colours, share, colours)
    print(
        'screenshot %dx%d: %.0f%% ink, %d colours; failed only: %.0f%% ink'
        % (shot.width, shot.height, share * 100, colours, failed_share * 100)
    )


def check_contact_sheets_are_grids_split_into_pages(big_plan):
    dummy, reports, dummy2 = big_plan
    # 2,003 declared users in chunks of 500; the stale chunks/009 of an earlier run is gone.
    chunk_dirs = sorted((reports / 'chunks').iterdir())
    assert [path.name for path in chunk_dirs] == ['001', '002', '003', '004', '005']
    from ansible_collections.m365.photos.plugins.module_utils._sync.report import CELL_WIDTH, SHEET_COLUMNS, SHEET_PAD

    total_pages = 0
    for chunk in chunk_dirs:
        changed = json.loads((chunk / 'report.json').read_text())['summary']['uploaded']
        pages = sorted((path.name for path in chunk.glob('contact-sheet*.png')), key=lambda name: (len(name), name))
        heights = []
        for name in pages:
            with Image.open(chunk / name) as sheet:
                heights.append(sheet.height)
                # A grid of 8 before/after pairs a row (fewer only on a one-row sheet).
                assert sheet.width == SHEET_COLUMNS * CELL_WIDTH + SHEET_PAD or changed < SHEET_COLUMNS
        assert max(heights) <= 4000, heights
        # As few pages as 4,000 px allow: every page but the last is full.
        assert len(pages) == -(-changed // (SHEET_COLUMNS * 28)) and pages[0] == 'contact-sheet.png', (changed, pages)
        total_pages += len(pages)
    assert total_pages == 13


def check_reports_are_owner_only(big_plan):
    dummy, reports, dummy2 = big_plan
    files = [os.path.join(root, name) for root, dirs, names in os.walk(str(reports)) for name in names]
    assert len(files) > 20
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def check_summary_links_the_html_report(big_plan):
    dummy, reports, dummy2 = big_plan
    summary = (reports / 'summary.md').read_text()
    assert '`chunks/001/report.html`' in summary and '`report.html`' in summary


def test_2000_user_plan(big_plan, tmp_path):
    """The checks of the 2,000-user plan, one after the other on one run."""
    check_terse_diff_is_two_lines_per_changed_user(big_plan)
    check_report_html_is_one_self_contained_page(big_plan)
    check_report_html_renders_in_headless_chromium(big_plan, tmp_path)
    check_contact_sheets_are_grids_split_into_pages(big_plan)
    check_reports_are_owner_only(big_plan)
    check_summary_links_the_html_report(big_plan)


def task(**options):
    lines = ['- name: Sync photos', '  m365.photos.user_photos:']
    lines += ['    %s: %s' % (key, json.dumps(value)) for key, value in options.items()]
    return '\n'.join(lines + ['  register: sync']) + '\n'


def test_no_contact_sheet_when_nothing_changed(tenant, playbook, tmp_path):
    users = ['%s@contoso.example' % name for name in ('alice', 'bob', 'carol')]
    write_samples(str(tmp_path / 'p'), users)
    reports = tmp_path / 'r'
    first = playbook(task(src_dir=str(tmp_path / 'p'), report_dir=str(reports)), tenant, save=['sync'])
    assert first.result('sync')['report_files']['contact_sheet'] == str(reports / 'contact-sheet.png')
    with Image.open(reports / 'contact-sheet.png') as sheet:
        from ansible_collections.m365.photos.plugins.module_utils._sync.report import CELL_HEIGHT, SHEET_HEADER, SHEET_PAD

        assert sheet.height == SHEET_HEADER + CELL_HEIGHT + SHEET_PAD  # three pairs: one row
    second = playbook(task(src_dir=str(tmp_path / 'p'), report_dir=str(reports)), tenant, save=['sync'])
    files = second.result('sync')['report_files']
    assert second.result('sync')['summary']['unchanged'] == 3
    assert files['contact_sheet'] is None and files['contact_sheets'] == []
    assert not list(reports.glob('contact-sheet*.png'))
    assert 'Nothing to change' in (reports / 'report.html').read_text()


def test_preflight_failure_writes_reports_with_a_stopped_line(tenant, tmp_path):
    repo = tmp_path / 'repo'
    (repo / 'home').mkdir(parents=True)
    write_samples(str(repo / 'photos'), ['alice@contoso.example', 'bob@contoso.example'])
    (repo / 'photos.yml').write_text(json.dumps({'photo_sync_src_dir': 'photos', 'photo_sync_report_dir': 'reports'}))
    # The summary of an earlier, successful run is in place.
    assert sync(tenant, repo).returncode == 0
    assert 'alice@contoso.example' in (repo / 'reports' / 'summary.md').read_text()
    run = sync(tenant, repo, '--check', '--diff', AZURE_CLIENT_SECRET='expired-secret')
    assert run.returncode != 0
    failure = [line for line in run.stdout.splitlines() if line.startswith('fatal:')][-1]
    message = json.loads(failure.split('=> ', 1)[1])['msg']
    # One clean sentence per part: why it stopped (once), how many users were not processed, where the reports are.
    assert message.startswith('Stopped: the preflight failed, so no photo was read or changed: Sign-in for client ')
    assert message.count('failed') == 2 and message.count('AADSTS7000215') == 1, message
    assert '2 of 2 users were not processed' in message and message.endswith('Reports: %s.' % (repo / 'reports'))
    summary = (repo / 'reports' / 'summary.md').read_text()
    assert '> **Stopped**: the preflight failed' in summary and 'AADSTS7000215' in summary
    assert '| alice@contoso.example | skipped | not processed: the preflight failed |' in summary
    report = json.loads((repo / 'reports' / 'report.json').read_text())
    assert report['stopped'].startswith('the preflight failed') and report['summary']['skipped'] == 2
    assert 'Stopped' in (repo / 'reports' / 'report.html').read_text()
    assert not (repo / 'reports' / 'chunks').exists(), 'the previous run left its chunk reports behind'
