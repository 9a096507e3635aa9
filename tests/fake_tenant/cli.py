"""python -m fake_tenant serve | mint-federated-token | stop"""

import argparse
import errno
import json
import os
import signal
import sys
import threading
import time

from .connection import describe
from .service import seed as seedmod
from .service.config import EMPTY_PHOTO, LOAD_MODELS, MODES, UNKNOWN_USER_PHOTO
from .service.fsutil import read_json

EXIT_ADDRESS_IN_USE = 3
SWITCH_INTERVAL = 0.0005


def _parser():
    parser = argparse.ArgumentParser(prog='python -m fake_tenant', description='Local fake Microsoft 365 tenant (Graph + Entra).')
    sub = parser.add_subparsers(dest='command', required=True)
    serve = sub.add_parser('serve', help='run the Graph and login listeners')
    serve.add_argument('--state-dir', required=True)
    serve.add_argument('--host', default='127.0.0.1')
    serve.add_argument('--graph-port', type=int, default=0)
    serve.add_argument('--login-port', type=int, default=0)
    serve.add_argument('--info-file')
    serve.add_argument('--seed')
    serve.add_argument('--mode', choices=MODES, default='realistic')
    serve.add_argument('--jpeg-quality', type=int, default=75)
    serve.add_argument('--max-dimension', type=int, default=648)
    serve.add_argument('--latency-ms', type=float, default=0)
    serve.add_argument('--concurrency-cap', type=int, default=0, help='in-flight Graph requests per app; 0 = unlimited')
    serve.add_argument('--retry-after', type=float, default=0.1, help='Retry-After seconds sent with 429/503')
    serve.add_argument('--load-model', choices=LOAD_MODELS, type=str.upper, default='A', help='A: per-app cap; B: documented limits')
    serve.add_argument('--mailbox-concurrency', type=int, default=4, help='model B: in-flight requests per app and mailbox')
    serve.add_argument('--request-rate', type=float, default=0.0, help='model B: tenant-wide requests/s (token bucket); 0 = unlimited')
    serve.add_argument('--request-burst', type=int, default=0, help='model B: bucket size; 0 = one second of --request-rate')
    serve.add_argument('--write-rate', type=float, default=0.0, help='model B: PUT/PATCH/DELETE per second (second bucket); 0 = off')
    serve.add_argument('--write-burst', type=int, default=0, help='model B: write bucket size; 0 = one second of --write-rate')
    serve.add_argument('--fault-503-rate', type=float, default=0.0)
    serve.add_argument('--fault-drop-rate', type=float, default=0.0)
    serve.add_argument('--fault-429-rate', type=float, default=0.0, help='fraction of Graph requests that start a burst of 429s')
    serve.add_argument('--fault-429-burst', type=int, default=5, help='requests answered 429 (with Retry-After) per burst')
    serve.add_argument(
        '--token-expire-every', type=int, default=0, help='every N Graph requests, every token issued before is rejected (0 = off)'
    )
    serve.add_argument('--token-lifetime', type=int, default=3599)
    serve.add_argument('--token-early-expiry', type=float, default=0, help='reject tokens older than this many seconds (0 = off)')
    serve.add_argument(
        '--unknown-user-photo',
        choices=UNKNOWN_USER_PHOTO,
        default='Request_ResourceNotFound',
        help='404 code for an unknown user on the photo endpoints (ImageNotFound: as live tenants answer)',
    )
    serve.add_argument(
        '--limited-members',
        type=str.lower,
        choices=('true', 'false'),
        default='false',
        help='members seen by an app without a user-read role carry only @odata.type and id (as live)',
    )
    serve.add_argument('--visibility-delay', type=float, default=0.0, help='seconds a photo read returns the state before a PUT/DELETE')
    serve.add_argument(
        '--wrap-errors', type=str.lower, choices=('true', 'false'), default='false', help='photo errors wrapped as UnknownError'
    )
    serve.add_argument('--empty-photo', choices=EMPTY_PHOTO, default='404', help='no photo: 404 ImageNotFound or 200 1x1 image/gif')
    serve.add_argument('--fault-seed', type=int)
    serve.add_argument('--identity-header', default='fake-identity-header')
    serve.add_argument('--verbose', action='store_true', help='log every request to stderr')
    serve.add_argument('--quiet', action='store_true', help='print only the start-up JSON line, not the connection details')
    mint = sub.add_parser('mint-federated-token', help='token from the fake external IdP')
    mint.add_argument('--state-dir', required=True)
    mint.add_argument('--client-id', required=True)
    mint.add_argument('--subject', default=seedmod.FEDERATED_SUBJECT)
    mint.add_argument('--audience', default=seedmod.FEDERATED_AUDIENCE)
    mint.add_argument('--lifetime', type=int, default=600)
    mint.add_argument('--issuer')
    mint.add_argument('--out')
    stop = sub.add_parser('stop', help='SIGTERM a tenant started with --info-file and wait for it')
    stop.add_argument('--info-file', required=True)
    stop.add_argument('--timeout', type=float, default=30)
    return parser


def _serve(args):
    from .tenant import FakeTenant  # pylint: disable=import-outside-toplevel

    # A thread waking from its latency sleep must not wait 5 ms (the default) for the GIL held by a
    # busy thread: that would add to every request's latency and move the load models' floors.
    sys.setswitchinterval(SWITCH_INTERVAL)
    tenant = FakeTenant(
        args.state_dir,
        seed=args.seed,
        mode=args.mode,
        host=args.host,
        graph_port=args.graph_port,
        login_port=args.login_port,
        info_file=args.info_file and os.path.abspath(args.info_file),
        fault_seed=args.fault_seed,
        identity_header=args.identity_header,
        verbose=args.verbose,
        jpeg_quality=args.jpeg_quality,
        max_dimension=args.max_dimension,
        latency_ms=args.latency_ms,
        concurrency_cap=args.concurrency_cap,
        retry_after=args.retry_after,
        fault_503_rate=args.fault_503_rate,
        fault_drop_rate=args.fault_drop_rate,
        fault_429_rate=args.fault_429_rate,
        fault_429_burst=args.fault_429_burst,
        token_expire_every=args.token_expire_every,
        token_lifetime=args.token_lifetime,
        token_early_expiry=args.token_early_expiry,
        load_model=args.load_model,
        mailbox_concurrency=args.mailbox_concurrency,
        request_rate=args.request_rate,
        request_burst=args.request_burst,
        write_rate=args.write_rate,
        write_burst=args.write_burst,
        unknown_user_photo=args.unknown_user_photo,
        limited_members=args.limited_members,
        visibility_delay=args.visibility_delay,
        wrap_errors=args.wrap_errors,
        empty_photo=args.empty_photo,
    )
    stopping = threading.Event()

    def on_signal(_signum, _frame):
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        tenant.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            sys.stderr.write('fake_tenant: address already in use: %s\n' % exc)
            return EXIT_ADDRESS_IN_USE
        raise
    # First line: the start-up JSON (machine-readable, same as --info-file); then the same for people.
    sys.stdout.write(json.dumps(tenant.info) + '\n')
    if not args.quiet:
        sys.stdout.write('\n' + describe(tenant.info))
    sys.stdout.flush()
    while not stopping.wait(0.5):
        pass
    tenant.stop()
    return 0


def _mint(args):
    from .service.federation import mint_federated_token  # pylint: disable=import-outside-toplevel

    token = mint_federated_token(
        args.state_dir, args.client_id, subject=args.subject, lifetime=args.lifetime, audience=args.audience, issuer=args.issuer
    )
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as handle:
            handle.write(token)
    else:
        sys.stdout.write(token + '\n')
    return 0


def _stop(args):
    info = read_json(args.info_file)
    if not info:
        sys.stderr.write('fake_tenant: no info file at %s\n' % args.info_file)
        return 1
    pid = int(info['pid'])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return 0
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        if not _alive(pid):
            return 0
        time.sleep(0.1)
    sys.stderr.write('fake_tenant: pid %d did not stop within %ss\n' % (pid, args.timeout))
    return 1


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        # An exited child that its parent has not reaped yet is a zombie: it has stopped.
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            return handle.read().rsplit(b')', 1)[-1].split()[0] != b'Z'
    except OSError:
        return True


def main(argv=None):
    args = _parser().parse_args(argv)
    handler = {'serve': _serve, 'mint-federated-token': _mint, 'stop': _stop}[args.command]
    return handler(args)
