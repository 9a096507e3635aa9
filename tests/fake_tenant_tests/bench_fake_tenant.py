"""Throughput of the fake itself (not part of the pytest run).

PYTHONPATH=tests python tests/fake_tenant_tests/bench_fake_tenant.py [--workers 8] [--puts 2000] [--gets 10000]
    [--size 648] [--in-process]
"""

import argparse
import io
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_tenant import FakeTenant, FakeTenantProcess  # noqa: E402  pylint: disable=wrong-import-position


def _image(seed, size):
    image = Image.new('RGB', (size, size), (seed * 37 % 256, seed * 91 % 256, seed * 13 % 256))
    image.putpixel((seed % size, seed // size % size), (255, 255, 255))  # distinct bytes: no processing-cache hits
    out = io.BytesIO()
    image.save(out, 'JPEG', quality=90)
    return out.getvalue()


def run(workers, puts, gets, mode, size, in_process):
    with tempfile.TemporaryDirectory() as state:
        seed = {'generated_users': {'count': max(puts, 1), 'prefix': 'bench'}}
        if in_process:
            tenant = FakeTenant(state, mode=mode, seed=seed).start()
        else:
            tenant = FakeTenantProcess(state, mode=mode, seed=seed)
        try:
            token = tenant.token()
            local = threading.local()

            def session():
                if not hasattr(local, 'session'):
                    local.session = requests.Session()
                    local.session.trust_env = False
                    local.session.headers['Authorization'] = 'Bearer ' + token
                return local.session

            images = [_image(i, size) for i in range(puts)]

            def put(index):
                response = session().put(
                    '%s/v1.0/users/bench%05d@contoso.example/photo/$value' % (tenant.graph_url, index + 1),
                    data=images[index],
                    headers={'Content-Type': 'image/jpeg'},
                    verify=tenant.ca_file,
                )
                return response.status_code

            def get(index):
                response = session().get(
                    '%s/v1.0/users/bench%05d@contoso.example/photo' % (tenant.graph_url, index % puts + 1), verify=tenant.ca_file
                )
                return response.status_code

            for label, func, count in (('PUT photo/$value', put, puts), ('GET photo (metadata)', get, gets)):
                started = time.time()
                with ThreadPoolExecutor(workers) as pool:
                    codes = list(pool.map(func, range(count)))
                elapsed = time.time() - started
                bad = len([c for c in codes if c != 200])
                print(
                    '%-22s %6d requests, %2d workers, %6.2f s, %7.0f req/s, non-200: %d'
                    % (label, count, workers, elapsed, count / elapsed, bad)
                )
            print('peak_concurrency', tenant.stats()['peak_concurrency'])
        finally:
            tenant.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--puts', type=int, default=2000)
    parser.add_argument('--gets', type=int, default=10000)
    parser.add_argument('--mode', default='realistic')
    parser.add_argument('--size', type=int, default=648, help='edge of the uploaded square JPEGs')
    parser.add_argument('--in-process', action='store_true', help='run the tenant in this process (shares the GIL)')
    args = parser.parse_args()
    run(args.workers, args.puts, args.gets, args.mode, args.size, args.in_process)


if __name__ == '__main__':
    main()
