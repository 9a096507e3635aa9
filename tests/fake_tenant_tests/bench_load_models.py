"""How close a bare client gets to each load model's floor (not part of the pytest run).

PYTHONPATH=tests .venv/bin/python tests/fake_tenant_tests/bench_load_models.py [--users 2000] [--only NAME ...]

The tenant runs in its own process (FakeTenantProcess). The client is minimal: one keep-alive
http.client connection per worker thread, a bearer token fetched once, and no photo logic. For
model A it keeps exactly C requests in flight; for model B it paces itself at the model's rates
(R for every request, W for writes) with more workers than the latency needs. Every 429 is
retried after its Retry-After. The floor comes from the tenant's own stats of the same run:
model A ``ops x L / C``, model B ``max(ops / R, writes / W) + L`` (ops, writes: requests that did
work). A ratio near 1.00 says the floor is reachable, i.e. the fake's own CPU and threading stay
inside the latency.
"""

import argparse
import hashlib
import http.client
import io
import json
import os
import queue
import ssl
import struct
import sys
import tempfile
import threading
import time

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_tenant import FakeTenantProcess  # noqa: E402  pylint: disable=wrong-import-position

# name, tenant options, users (None: --users), workload ('read': GET photo metadata per user;
# 'sync': GET metadata, then PUT the photo).
SCENARIOS = [
    ('A first sync', {'load_model': 'A', 'latency_ms': 20, 'concurrency_cap': 4}, None, 'sync'),
    ('A no-change', {'load_model': 'A', 'latency_ms': 20, 'concurrency_cap': 4}, None, 'read'),
    ('B first sync', {'load_model': 'B', 'latency_ms': 50, 'request_rate': 100, 'request_burst': 20, 'write_rate': 20}, None, 'sync'),
    ('B no-change', {'load_model': 'B', 'latency_ms': 50, 'request_rate': 100, 'request_burst': 20}, None, 'read'),
    ('B large no-change', {'load_model': 'B', 'latency_ms': 60, 'request_rate': 400, 'request_burst': 80}, 6000, 'read'),
]


RESET = {'concurrency_cap': 0, 'request_rate': 0, 'request_burst': 0, 'write_rate': 0, 'write_burst': 0}


def upn(number):
    return 'user%05d@contoso.example' % number


def photo_bytes(count, size=648):
    """Distinct JPEGs of one decoding cost: one encoded image, a per-user comment segment after SOI."""
    image = Image.new('RGB', (size, size))
    image.putdata([((x * 7) % 256, (y * 5) % 256, ((x ^ y) * 3) % 256) for y in range(size) for x in range(size)])
    out = io.BytesIO()
    image.save(out, 'JPEG', quality=88)
    base = out.getvalue()
    photos = []
    for number in range(1, count + 1):
        comment = ('user %d' % number).encode('ascii')
        photos.append(base[:2] + b'\xff\xfe' + struct.pack('>H', len(comment) + 2) + comment + base[2:])
    return photos


class Pacer:
    """Hands out start times spaced 1/rate apart (a client-side token bucket of burst 1); rate 0 = no pacing."""

    def __init__(self, rate):
        self.interval = 1.0 / rate if rate else 0.0
        self.lock = threading.Lock()
        self.next = 0.0

    def wait(self):
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        if start > now:
            time.sleep(start - now)

    def back_off(self, seconds):
        with self.lock:
            self.next = max(self.next, time.monotonic() + seconds)


class Worker:
    def __init__(self, host, port, context, token):
        self.host, self.port, self.context = host, port, context
        self.headers = {'Authorization': 'Bearer ' + token}
        self.conn = None

    def request(self, method, path, body=None, content_type=None):
        headers = dict(self.headers)
        if content_type:
            headers['Content-Type'] = content_type
        for dummy_attempt in range(3):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
                return response.status, response.getheader('Retry-After')
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
        raise RuntimeError('%s %s failed three times' % (method, path))


def run_scenario(tenant, name, options, users, workload, photos):
    tenant.set_config(**dict(RESET, **options))
    tenant.reset_stats()
    model_b = options['load_model'] == 'B'
    reads = Pacer(options.get('request_rate', 0) if model_b else 0)
    writes = Pacer(options.get('write_rate', 0) if model_b else 0)
    if model_b:
        # Enough workers to keep R x L requests in flight with room for the gaps between requests.
        workers = max(8, int(options['request_rate'] * options['latency_ms'] / 1000.0 * 3) + 4)
    else:
        workers = options['concurrency_cap']
    context = ssl.create_default_context(cafile=tenant.ca_file)
    host, port = tenant.graph_url.split('://', 1)[1].rsplit(':', 1)
    token = tenant.token()
    todo = queue.Queue()
    for number in range(1, users + 1):
        todo.put(number)
    retries = [0]
    lock = threading.Lock()

    def call(worker, method, path, body=None, content_type=None):
        while True:
            if method in ('PUT', 'PATCH', 'DELETE'):
                writes.wait()
            reads.wait()
            status, retry_after = worker.request(method, path, body, content_type)
            if status != 429:
                return status
            with lock:
                retries[0] += 1
            pause = float(retry_after or 0.1)
            (writes if method in ('PUT', 'PATCH', 'DELETE') and model_b else reads).back_off(pause)
            if not model_b:
                time.sleep(pause)

    def work():
        worker = Worker(host.strip('[]'), int(port), context, token)
        while True:
            try:
                number = todo.get_nowait()
            except queue.Empty:
                return
            path = '/v1.0/users/%s/photo' % upn(number)
            status = call(worker, 'GET', path)
            assert status in (200, 404), (path, status)
            if workload == 'sync':
                status = call(worker, 'PUT', path + '/$value', photos[number - 1], 'image/jpeg')
                assert status == 200, (path, status)

    threads = [threading.Thread(target=work) for dummy in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    stats = tenant.stats()
    latency = options['latency_ms'] / 1000.0
    if model_b:
        floor = max(stats['ops'] / options['request_rate'], stats['writes'] / options['write_rate'] if options.get('write_rate') else 0.0)
        floor += latency
    else:
        floor = stats['ops'] * latency / options['concurrency_cap']
    result = {
        'scenario': name,
        'options': options,
        'users': users,
        'workers': workers,
        'ops': stats['ops'],
        'writes': stats['writes'],
        'throttled': stats['throttled'],
        'throttled_by_reason': stats['throttled_by_reason'],
        'ops_over_latency': stats['ops_over_latency'],
        'peak_concurrency': stats['peak_concurrency'],
        'peak_concurrency_per_user': stats['peak_concurrency_per_user'],
        'wall_s': round(wall, 3),
        'floor_s': round(floor, 3),
        'ratio': round(wall / floor, 3),
    }
    print(
        '%-18s users %5d  ops %5d  writes %4d  throttled %3d  over-latency %3d  peak %2d (per user %d)  '
        'wall %7.2f s  floor %7.2f s  ratio %.3f'
        % (
            name,
            users,
            stats['ops'],
            stats['writes'],
            stats['throttled'],
            stats['ops_over_latency'],
            stats['peak_concurrency'],
            stats['peak_concurrency_per_user'],
            wall,
            floor,
            wall / floor,
        ),
        flush=True,
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--users', type=int, default=2000, help='users per scenario (the large one uses 6000)')
    parser.add_argument('--only', nargs='*', help='scenario names to run (default: all)')
    parser.add_argument('--json', help='also write the results as JSON lines to this file')
    parser.add_argument('--nice', type=int, default=5, help='niceness added to this client after the tenant started (0: none)')
    args = parser.parse_args()
    scenarios = [s for s in SCENARIOS if not args.only or s[0] in args.only]
    count = max([users or args.users for _name, _options, users, _workload in scenarios] + [1])
    photos = photo_bytes(count)
    assert len({hashlib.sha256(p).digest() for p in photos}) == count
    results = []
    with tempfile.TemporaryDirectory() as state:
        tenant = FakeTenantProcess(state, seed={'generated_users': {'count': count, 'prefix': 'user'}})
        if args.nice:
            # The client yields the CPU to the tenant (started before, so not affected): the fake's
            # work must fit inside its latency, as the real service's runs on other machines.
            os.nice(args.nice)
        try:
            for name, options, users, workload in scenarios:
                results.append(run_scenario(tenant, name, options, users or args.users, workload, photos))
        finally:
            tenant.stop()
    if args.json:
        with open(args.json, 'a', encoding='utf-8') as handle:
            for result in results:
                handle.write(json.dumps(result) + '\n')


if __name__ == '__main__':
    main()
