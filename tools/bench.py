"""make bench: m365.photos against the fake tenant in both of its load models, each run's time
over that model's floor measured in the same run.

Load model A (per-app cap): latency L, at most C requests in flight per app; floor
``ops x L / C``. Load model B (documented limits): latency L, 4 in flight per mailbox, a
tenant-wide bucket of R requests/s (burst B), optionally W writes/s; floor
``max(ops / R, writes / W) + L``. ``ops`` and ``writes`` are the requests that did work, from
the tenant's stats. ``ratio`` is the sync task's duration (Ansible's junit callback, module
start-up included) over the floor; ``startup_s`` beside it is Ansible's own start-up (a
playbook with one no-op task, measured in the same run); ``cpu_ms_per_user`` is the client's
CPU (ansible-playbook, the module and its worker processes; not the tenant) per user, with
Ansible's start-up CPU taken off. Every figure is one JSON line in .bench/results.jsonl.
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
USERS = 10000
# The client runs at a lower priority than the tenant: on a shared 2-core machine the tenant
# stands for Microsoft's machines, whose CPU a real client never competes for.
CLIENT_NICE = 5

# The load models of issue 10 (latency in ms, rates per second).
MODEL_A = {'load_model': 'A', 'latency_ms': 20, 'concurrency_cap': 4}
MODEL_B_100 = {'load_model': 'B', 'latency_ms': 50, 'request_rate': 100, 'request_burst': 20, 'write_rate': 0, 'write_burst': 0}
MODEL_B_100_W20 = dict(MODEL_B_100, write_rate=20)
MODEL_B_400 = {'load_model': 'B', 'latency_ms': 60, 'request_rate': 400, 'request_burst': 80, 'write_rate': 0, 'write_burst': 0}
MODEL_B_400_DEFAULT_BURST = dict(MODEL_B_400, request_burst=0)
UNTHROTTLED = {'load_model': 'A', 'latency_ms': 0, 'concurrency_cap': 0, 'request_rate': 0, 'write_rate': 0}

# Runs the command given after it and prints the peak RSS (KiB) of its process tree's largest
# member (the module process is a grandchild, waited for by ansible-playbook) and the CPU
# seconds of the whole tree.
RSS_WRAPPER = (
    'import os, resource, subprocess, sys\n'
    'os.nice(int(os.environ.get("BENCH_NICE", "0")))\n'
    'rc = subprocess.call(sys.argv[1:])\n'
    'usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n'
    'print("PEAK_RSS_KB=%d CPU_S=%.3f" % (usage.ru_maxrss, usage.ru_utime + usage.ru_stime))\n'
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
RUNS = 10
EXPECTED_MINUTES = 7


class Progress:
    """One line per step on stderr: which, how long it took, elapsed and the rough time left."""

    def __init__(self):
        self.started = time.monotonic()
        self.done = 0

    def elapsed(self):
        return time.monotonic() - self.started

    def run(self, bench, label, playbook, model, **extra_vars):
        self.done += 1
        print('[%d/%d] %s ...' % (self.done, RUNS, label), file=sys.stderr, flush=True)
        begun = time.monotonic()
        result = bench.run(playbook, model, **extra_vars)
        left = max(EXPECTED_MINUTES * 60 - self.elapsed(), 0) if self.done < RUNS else 0
        print(
            '[%d/%d] %s: %.0f s (elapsed %.0f s, about %.0f min left)'
            % (self.done, RUNS, label, time.monotonic() - begun, self.elapsed(), left / 60.0),
            file=sys.stderr,
            flush=True,
        )
        return result


def photos_dir(first, last):
    return os.path.join(BENCH, 'photos-%d-%d' % (first, last))


# Users first..last of each run (source directories of symlinks into .bench/photos).
RANGES = ((1, 50), (1, 2000), (2001, 4000), (1, 6000), (1, USERS))


def prepare_photos():
    os.makedirs(os.path.join(BENCH, 'photos'), exist_ok=True)
    with Pool(os.cpu_count() or 2) as pool:
        made = pool.imap_unordered(_make_photo, range(1, USERS + 1), chunksize=64)
        for done in range(1, USERS + 1):
            next(made)
            if done % 2000 == 0:
                print('  %d/%d source photos' % (done, USERS), file=sys.stderr, flush=True)
    for first, last in RANGES:
        directory = photos_dir(first, last)
        sample = os.path.join(directory, upn(first) + '.jpg')
        if os.path.isdir(directory) and len(os.listdir(directory)) == last - first + 1 and not os.path.islink(sample):
            continue
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for number in range(first, last + 1):
            # Hard links, not symlinks: src_dir never follows a symlink out of the directory.
            os.link(os.path.join(BENCH, 'photos', upn(number) + '.jpg'), os.path.join(directory, upn(number) + '.jpg'))


PLAY_BULK = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: Sync
      m365.photos.user_photos:
        src_dir: "{{ src_dir }}"
        cache_dir: "{{ cache_dir }}"
        state_file: "{{ state_file | default(omit) }}"
"""

PLAY_LOOP = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: One task per user
      m365.photos.user_photo:
        user: "{{ item }}"
        src: "{{ src_dir }}/{{ item }}.jpg"
      loop: "{{ users }}"
"""

PLAY_NOOP = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: Nothing
      ansible.builtin.meta: noop
"""


class Bench:
    def __init__(self, tenant):
        self.tenant = tenant
        self.home = os.path.join(BENCH, 'home')
        os.makedirs(self.home, exist_ok=True)
        for name, text in (('bulk.yml', PLAY_BULK), ('loop.yml', PLAY_LOOP), ('noop.yml', PLAY_NOOP)):
            with open(os.path.join(BENCH, name), 'w', encoding='utf-8') as handle:
                handle.write(text)

    def run(self, playbook, model, **extra_vars):
        """One ansible-playbook run against the tenant configured as ``model``."""
        env = dict(
            os.environ,
            HOME=self.home,
            BENCH_NICE=str(CLIENT_NICE),
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
        self.tenant.set_config(**model)
        self.tenant.reset_stats()
        # Whatever the last run left in the buckets refills to a full burst before this one.
        time.sleep(1.0)
        started = time.monotonic()
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        if completed.returncode != 0:
            raise SystemExit('benchmark run failed:\n' + completed.stdout[-3000:] + completed.stderr[-3000:])
        marker = completed.stdout.rsplit('PEAK_RSS_KB=', 1)[1].split()
        rss_kb = int(marker[0])
        cpu_s = float(marker[1].split('=', 1)[1])
        stats = self.tenant.stats()
        if playbook == 'bulk.yml' and not stats['ops']:
            raise SystemExit('benchmark run did no work (no Graph request):\n' + completed.stdout[-3000:])
        return {
            'task_s': round(task_seconds(junit_dir), 2),
            'wall_s': round(wall, 2),
            'cpu_s': round(cpu_s, 2),
            'ops': stats['ops'],
            'writes': stats['writes'],
            'requests': stats['ops'] + stats.get('throttled', 0),
            'throttled': stats.get('throttled', 0),
            'throttled_by_reason': stats.get('throttled_by_reason', {}),
            'peak_in_flight': stats.get('peak_concurrency'),
            'peak_in_flight_per_user': stats.get('peak_concurrency_per_user'),
            'ops_over_latency': stats.get('ops_over_latency'),
            'peak_rss_mb': round(rss_kb / 1024.0, 1),
        }


def task_seconds(junit_dir):
    """Duration of the playbook's tasks, from the junit callback's report."""
    from xml.etree import ElementTree

    total = 0.0
    for name in os.listdir(junit_dir):
        for case in ElementTree.parse(os.path.join(junit_dir, name)).iter('testcase'):
            total += float(case.get('time', 0))
    return total


def floor_seconds(model, measured):
    """The fastest any client could be: model A ``ops x L / C``, model B ``max(ops / R, writes / W) + L``."""
    latency = model['latency_ms'] / 1000.0
    if model['load_model'] == 'A':
        return measured['ops'] * latency / model['concurrency_cap']
    rate = measured['ops'] / float(model['request_rate'])
    writes = measured['writes'] / float(model['write_rate']) if model.get('write_rate') else 0.0
    return max(rate, writes) + latency


def model_label(model):
    if model['load_model'] == 'A':
        return 'A (L %d ms, C %d)' % (model['latency_ms'], model['concurrency_cap'])
    text = 'B (L %d ms, R %d/s, burst %s' % (model['latency_ms'], model['request_rate'], model['request_burst'] or model['request_rate'])
    if model.get('write_rate'):
        text += ', W %d/s' % model['write_rate']
    return text + ')'


def report(name, users, model, measured, startup, target=None, **extra):
    floor = floor_seconds(model, measured)
    ratio = measured['task_s'] / floor if floor else None
    line = {
        'bench': name,
        'users': users,
        'model': model_label(model),
        'floor_s': round(floor, 2),
        'ratio': round(ratio, 3) if ratio else None,
        'wall_ratio': round(measured['wall_s'] / floor, 3) if floor else None,
        'target': target,
        'met': (ratio <= target) if (ratio and target) else None,
        'throttled_share': round(measured['throttled'] / float(max(1, measured['requests'])), 4),
        'cpu_ms_per_user': round(max(0.0, measured['cpu_s'] - startup['cpu_s']) * 1000.0 / users, 2),
        'startup_s': startup['wall_s'],
        'requests_per_user': round(measured['requests'] / float(users), 3),
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
    print('load average before: %s' % ' '.join('%.2f' % x for x in os.getloadavg()), file=sys.stderr, flush=True)
    print('preparing %d source photos in %s (kept between runs) ...' % (USERS, BENCH), file=sys.stderr, flush=True)
    prepare_photos()
    for name in ('tenant', 'cache', 'home'):
        shutil.rmtree(os.path.join(BENCH, name), ignore_errors=True)
    state = os.path.join(BENCH, 'state.json')
    if os.path.exists(state):
        os.unlink(state)
    tenant = FakeTenantProcess(
        os.path.join(BENCH, 'tenant'),
        latency_ms=MODEL_A['latency_ms'],
        concurrency_cap=MODEL_A['concurrency_cap'],
        seed={'generated_users': {'count': USERS, 'prefix': 'user', 'domain': 'contoso.example'}},
    )
    tenant.start()
    bench = Bench(tenant)
    cache = os.path.join(BENCH, 'cache')
    lines = []
    try:
        startup = progress.run(bench, "Ansible's own start-up (one no-op task)", 'noop.yml', UNTHROTTLED)
        lines.append(dict(bench='ansible_startup', wall_s=startup['wall_s'], cpu_s=startup['cpu_s'], peak_rss_mb=startup['peak_rss_mb']))
        print(json.dumps(lines[-1]), flush=True)

        def bulk(label, model, first, last, **extra):
            return progress.run(bench, label, 'bulk.yml', model, src_dir=photos_dir(first, last), cache_dir=cache, **extra)

        measured = bulk('first sync, model A, 2,000 users (cold image cache)', MODEL_A, 1, 2000)
        lines.append(report('first_sync', 2000, MODEL_A, measured, startup, target=1.5))
        measured = bulk('no-change sync, model A, 2,000 users', MODEL_A, 1, 2000)
        no_change_a = report('no_change', 2000, MODEL_A, measured, startup, target=1.25)
        lines.append(no_change_a)
        users = [upn(n) for n in range(1, 51)]
        loop = progress.run(
            bench, 'baseline: loop of user_photo tasks, 50 users, model A', 'loop.yml', MODEL_A, src_dir=photos_dir(1, 50), users=users
        )
        per_user_loop = loop['task_s'] / len(users)
        per_user_bulk = no_change_a['task_s'] / 2000.0
        lines.append(
            report(
                'baseline_task_loop',
                50,
                MODEL_A,
                loop,
                startup,
                per_user_s=round(per_user_loop, 4),
                bulk_per_user_s=round(per_user_bulk, 5),
                speedup=round(per_user_loop / per_user_bulk, 1),
            )
        )
        measured = bulk('no-change sync, model B (R 100/s), 2,000 users', MODEL_B_100, 1, 2000)
        lines.append(report('no_change', 2000, MODEL_B_100, measured, startup, target=1.15))
        measured = bulk('first sync, model B (R 100/s, W 20/s), users 2,001-4,000 (cold image cache)', MODEL_B_100_W20, 2001, 4000)
        lines.append(report('first_sync', 2000, MODEL_B_100_W20, measured, startup, target=1.15))
        # Photos for every user and their ETags in the state file, unthrottled: set-up, not measured.
        bulk('set-up: photos for users 4,001-%d, ETags of all into the state file' % USERS, UNTHROTTLED, 1, USERS, state_file=state)
        measured = bulk('no-change sync with state file, model B (R 400/s, burst 80), 6,000 users', MODEL_B_400, 1, 6000, state_file=state)
        six = report('no_change_state_file', 6000, MODEL_B_400, measured, startup, target=1.25)
        lines.append(six)
        measured = bulk(
            'no-change sync with state file, model B (R 400/s), %d users' % USERS, MODEL_B_400_DEFAULT_BURST, 1, USERS, state_file=state
        )
        lines.append(
            report(
                'scale_no_change_state_file',
                USERS,
                MODEL_B_400_DEFAULT_BURST,
                measured,
                startup,
                seconds_per_1000_users=round(measured['task_s'] * 1000.0 / USERS, 3),
                seconds_per_1000_users_at_6000=round(six['task_s'] * 1000.0 / 6000, 3),
                rss_target_mb=250,
            )
        )
        measured = bulk('no-change sync, model B (R 400/s), 2,000 users, no state file', MODEL_B_400_DEFAULT_BURST, 1, 2000)
        lines.append(report('no_change', 2000, MODEL_B_400_DEFAULT_BURST, measured, startup))
    finally:
        tenant.stop()
    with open(os.path.join(BENCH, 'results.jsonl'), 'w', encoding='utf-8') as handle:
        handle.write(''.join(json.dumps(line) + '\n' for line in lines))
    print('load average after: %s' % ' '.join('%.2f' % x for x in os.getloadavg()), file=sys.stderr, flush=True)
    print('bench finished in %.0f s; results in %s' % (time.monotonic() - started, os.path.join(BENCH, 'results.jsonl')), file=sys.stderr)


if __name__ == '__main__':
    main()
