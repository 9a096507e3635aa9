"""make bench: m365.photos against the fake tenant with a service model of 20 ms latency per
request and at most 4 concurrent requests per app (Graph's documented per-app concurrency).

Every figure is measured in this run and reported as JSON lines. The service's floor for a
run is the number of Graph operations it needed times the latency divided by the cap: no
client can finish faster. ``ratio`` is the run's wall time (whole ansible-playbook process,
start-up included) over that floor.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from multiprocessing import Pool

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
sys.path[:0] = [os.path.join(REPO, 'tests'), os.path.join(REPO, 'tools')]

from fake_tenant import FakeTenantProcess, collection_env  # noqa: E402 pylint: disable=wrong-import-position

BENCH = os.path.join(REPO, '.bench')
LATENCY_MS = 20
CAP = 4
USERS = 10000
TOKEN_ROUTES = ('POST /{tenant}/oauth2/v2.0/token', 'GET /{tenant}/v2.0/.well-known/openid-configuration')

# Runs the command given after it and prints the peak RSS (KiB) of its process tree's largest
# member: the module process is a grandchild, waited for by ansible-playbook.
RSS_WRAPPER = (
    'import resource, subprocess, sys\n'
    'rc = subprocess.call(sys.argv[1:])\n'
    'print("PEAK_RSS_KB=%d" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n'
    'sys.exit(rc)\n'
)


def upn(number):
    return 'user%05d@contoso.example' % number


def _make_photo(number):
    """A distinct 720x720 photo per user: one of 20 portraits with a per-user mark."""
    from PIL import ImageDraw
    from sample_photos import portrait

    path = os.path.join(BENCH, 'photos', upn(number) + '.jpg')
    if os.path.exists(path):
        return
    image = portrait('base%d' % (number % 20), width=720, height=720)
    draw = ImageDraw.Draw(image)
    x, y = (number * 37) % 600, (number * 91) % 300
    draw.rectangle([x, y, x + 110, y + 60], fill=((number * 53) % 256, (number * 97) % 256, (number * 13) % 256))
    draw.text((x + 8, y + 20), str(number), fill='white')
    image.save(path, format='JPEG', quality=88)


# ansible-playbook runs main() makes, and the whole bench's duration on the project's 2-core machine.
RUNS = 9
EXPECTED_MINUTES = 10


class Progress:
    """One line per step on stderr: which, how long it took, elapsed and the rough time left."""

    def __init__(self):
        self.started = time.monotonic()
        self.done = 0

    def elapsed(self):
        return time.monotonic() - self.started

    def run(self, bench, label, playbook, **extra_vars):
        self.done += 1
        print('[%d/%d] %s ...' % (self.done, RUNS, label), file=sys.stderr, flush=True)
        begun = time.monotonic()
        result = bench.run(playbook, **extra_vars)
        left = max(EXPECTED_MINUTES * 60 - self.elapsed(), 0) if self.done < RUNS else 0
        print(
            '[%d/%d] %s: %.0f s (elapsed %.0f s, about %.0f min left)'
            % (self.done, RUNS, label, time.monotonic() - begun, self.elapsed(), left / 60.0),
            file=sys.stderr,
            flush=True,
        )
        return result


def prepare_photos():
    os.makedirs(os.path.join(BENCH, 'photos'), exist_ok=True)
    with Pool(os.cpu_count() or 2) as pool:
        made = pool.imap_unordered(_make_photo, range(1, USERS + 1), chunksize=64)
        for done in range(1, USERS + 1):
            next(made)
            if done % 2000 == 0:
                print('  %d/%d source photos' % (done, USERS), file=sys.stderr, flush=True)
    for count in (50, 1000, 2000, 5000, USERS):
        directory = os.path.join(BENCH, 'photos-%d' % count)
        if os.path.isdir(directory) and len(os.listdir(directory)) == count:
            continue
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for number in range(1, count + 1):
            os.symlink(os.path.join(BENCH, 'photos', upn(number) + '.jpg'), os.path.join(directory, upn(number) + '.jpg'))


PLAY_BULK = '''- hosts: localhost
  gather_facts: false
  tasks:
    - name: Sync
      m365.photos.user_photos:
        src_dir: "{{ src_dir }}"
        cache_dir: "{{ cache_dir }}"
        state_file: "{{ state_file | default(omit) }}"
'''

PLAY_LOOP = '''- hosts: localhost
  gather_facts: false
  tasks:
    - name: One task per user
      m365.photos.user_photo:
        user: "{{ item }}"
        src: "{{ src_dir }}/{{ item }}.jpg"
      loop: "{{ users }}"
'''


class Bench:
    def __init__(self, tenant):
        self.tenant = tenant
        self.home = os.path.join(BENCH, 'home')
        os.makedirs(self.home, exist_ok=True)
        for name, text in (('bulk.yml', PLAY_BULK), ('loop.yml', PLAY_LOOP)):
            with open(os.path.join(BENCH, name), 'w', encoding='utf-8') as handle:
                handle.write(text)

    def stats(self):
        return self.tenant.stats()

    def reset(self):
        self.tenant.reset_stats()

    def run(self, playbook, **extra_vars):
        env = dict(
            os.environ,
            HOME=self.home,
            ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'build', 'collections'),
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_LOCALHOST_WARNING='0',
            ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
            **collection_env(self.tenant.info),
        )
        junit_dir = os.path.join(BENCH, 'junit')
        shutil.rmtree(junit_dir, ignore_errors=True)
        env.update(ANSIBLE_CALLBACKS_ENABLED='ansible.builtin.junit', JUNIT_OUTPUT_DIR=junit_dir)
        command = [
            sys.executable,
            '-c',
            RSS_WRAPPER,
            os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
            '-i',
            'localhost,',
            '-c',
            'local',
            os.path.join(BENCH, playbook),
            '-e',
            json.dumps(extra_vars),
        ]
        self.reset()
        started = time.monotonic()
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        if completed.returncode != 0:
            raise SystemExit('benchmark run failed:\n' + completed.stdout[-3000:] + completed.stderr[-3000:])
        rss_kb = int(completed.stdout.rsplit('PEAK_RSS_KB=', 1)[1].split()[0])
        stats = self.stats()
        operations = sum(sum(counts.values()) for route, counts in stats['by_route'].items() if route not in TOKEN_ROUTES)
        return {
            'task_s': round(task_seconds(junit_dir), 2),
            'wall_s': round(wall, 2),
            'operations': operations,
            'throttled': stats.get('throttled', 0),
            'peak_concurrency': stats.get('peak_concurrency'),
            'peak_rss_mb': round(rss_kb / 1024.0, 1),
        }


def task_seconds(junit_dir):
    """Duration of the playbook's one task, from the junit callback's report."""
    from xml.etree import ElementTree

    total = 0.0
    for name in os.listdir(junit_dir):
        for case in ElementTree.parse(os.path.join(junit_dir, name)).iter('testcase'):
            total += float(case.get('time', 0))
    return total


def report(name, users, measured, **extra):
    floor = measured['operations'] * LATENCY_MS / 1000.0 / CAP
    line = {
        'bench': name,
        'users': users,
        'latency_ms': LATENCY_MS,
        'cap': CAP,
        'floor_s': round(floor, 2),
        'ratio': round(measured['task_s'] / floor, 3) if floor else None,
        'wall_ratio': round(measured['wall_s'] / floor, 3) if floor else None,
        'requests_per_user': round(measured['operations'] / float(users), 3),
    }
    line.update(measured)
    line.update(extra)
    print(json.dumps(line), flush=True)
    return line


def main():
    started = time.monotonic()
    progress = Progress()
    print(
        'make bench: %d ansible-playbook runs against the fake tenant (%d users), about %d minutes on a 2-core machine'
        % (RUNS, USERS, EXPECTED_MINUTES),
        file=sys.stderr,
        flush=True,
    )
    print('preparing %d source photos in %s (kept between runs) ...' % (USERS, BENCH), file=sys.stderr, flush=True)
    prepare_photos()
    shutil.rmtree(os.path.join(BENCH, 'tenant'), ignore_errors=True)
    shutil.rmtree(os.path.join(BENCH, 'cache'), ignore_errors=True)
    for name in ('state.json',):
        if os.path.exists(os.path.join(BENCH, name)):
            os.unlink(os.path.join(BENCH, name))
    tenant = FakeTenantProcess(
        os.path.join(BENCH, 'tenant'),
        latency_ms=LATENCY_MS,
        concurrency_cap=CAP,
        seed={'generated_users': {'count': USERS, 'prefix': 'user', 'domain': 'contoso.example'}},
    )
    tenant.start()
    bench = Bench(tenant)
    cache = os.path.join(BENCH, 'cache')
    lines = []
    try:

        def photos(count):
            return os.path.join(BENCH, 'photos-%d' % count)

        first = progress.run(bench, 'first sync, 2,000 users', 'bulk.yml', src_dir=photos(2000), cache_dir=cache)
        lines.append(report('first_sync', 2000, first))
        again = progress.run(bench, 'no-change sync, 2,000 users', 'bulk.yml', src_dir=photos(2000), cache_dir=cache)
        lines.append(report('no_change', 2000, again))
        state = os.path.join(BENCH, 'state.json')
        # records ETags
        progress.run(bench, 'state file: recording ETags', 'bulk.yml', src_dir=photos(2000), cache_dir=cache, state_file=state)
        with_state = progress.run(
            bench, 'no-change sync with state file, 2,000 users', 'bulk.yml', src_dir=photos(2000), cache_dir=cache, state_file=state
        )
        lines.append(report('no_change_state_file', 2000, with_state))
        users = [upn(n) for n in range(1, 51)]
        loop = progress.run(bench, 'baseline: loop of user_photo tasks, 50 users', 'loop.yml', src_dir=photos(50), users=users)
        per_user_loop = loop['task_s'] / len(users)
        per_user_bulk = lines[1]['task_s'] / 2000.0
        lines.append(
            report(
                'baseline_task_loop',
                50,
                loop,
                per_user_s=round(per_user_loop, 4),
                bulk_per_user_s=round(per_user_bulk, 5),
                speedup=round(per_user_loop / per_user_bulk, 1),
            )
        )
        progress.run(bench, 'uploading users 2,001-%d' % USERS, 'bulk.yml', src_dir=photos(USERS), cache_dir=cache)
        for count in (1000, 5000, USERS):
            result = progress.run(bench, 'no-change sync, %d users' % count, 'bulk.yml', src_dir=photos(count), cache_dir=cache)
            lines.append(report('scale_no_change', count, result, seconds_per_1000_users=round(result['task_s'] * 1000.0 / count, 2)))
    finally:
        tenant.stop()
    with open(os.path.join(BENCH, 'results.jsonl'), 'w', encoding='utf-8') as handle:
        handle.write(''.join(json.dumps(line) + '\n' for line in lines))
    print('bench finished in %.0f s; results in %s' % (time.monotonic() - started, os.path.join(BENCH, 'results.jsonl')), file=sys.stderr)


if __name__ == '__main__':
    main()
