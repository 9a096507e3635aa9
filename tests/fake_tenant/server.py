"""HTTPS listeners: keep-alive HTTP/1.1, one daemon thread per connection, TLS handshake off the accept loop."""

import http
import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .service.http_types import Request, graph_error

MAX_BODY = 64 * 1024 * 1024  # far above the 4 MB photo limit; only protects the process
_QUIET_ERRORS = (ConnectionError, ssl.SSLError, socket.timeout, TimeoutError, OSError)


def make_ssl_context(cert_file, key_file):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    timeout = 120  # idle keep-alive connections are closed eventually so threads do not pile up
    server_version = 'FakeM365Tenant'

    arrived = None

    def parse_request(self):
        # The request line has just been read: the service's latency starts now, so the fake's own
        # parsing, token check and routing are spent inside it rather than added to it.
        self.arrived = time.monotonic()
        return super().parse_request()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            sys.stderr.write('%s %s\n' % (self.server.listener, format % args))

    def _read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b''

    def _dispatch(self):
        server = self.server
        split = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self._read_body()
        req = Request(self.command, split.path, parse_qs(split.query, keep_blank_values=True), headers, body or b'', arrived=self.arrived)
        if body is None:
            self.close_connection = True
            key, response = 'OTHER', graph_error(req, 413, 'RequestEntityTooLarge', 'The request body is too large.')
        else:
            try:
                key, response = server.router.handle(req)
            except Exception:  # pylint: disable=broad-except
                # A bug in the fake must look like a server error to the client, not a hung socket.
                traceback.print_exc()
                key, response = 'OTHER', graph_error(req, 500, 'InternalServerError', 'Fake tenant internal error.')
        if response.drop:
            self._drop(key, len(req.body))
            return
        self._write(req, response)
        if key is not None:
            server.stats.record(key, req.method, response.status, len(req.body), len(response.body))

    def _drop(self, key, bytes_in):
        """Injected fault: close the connection without sending a single byte back."""
        self.close_connection = True
        if key is not None:
            self.server.stats.record(key, self.command, 'drop', bytes_in, 0)
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _write(self, req, response):
        headers = dict(response.headers)
        if self.server.listener == 'graph':
            headers.setdefault('request-id', req.request_id)
            headers.setdefault('client-request-id', req.client_request_id)
        else:
            headers.setdefault('x-ms-request-id', req.request_id)
            if 'client-request-id' in req.headers:
                headers.setdefault('client-request-id', req.client_request_id)
        try:
            phrase = http.HTTPStatus(response.status).phrase
        except ValueError:
            phrase = 'Unknown'
        lines = [
            'HTTP/1.1 %d %s' % (response.status, phrase),
            'Date: ' + formatdate(usegmt=True),
            'Content-Length: %d' % len(response.body),
        ]
        lines.extend('%s: %s' % item for item in headers.items())
        if self.close_connection:
            lines.append('Connection: close')
        # One write for head and body: avoids Nagle/delayed-ACK stalls on keep-alive connections.
        body = b'' if self.command == 'HEAD' else response.body  # HEAD: headers only, same Content-Length
        self.wfile.write(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, ssl_context, stats, listener, verbose=False):
        self.address_family = socket.AF_INET6 if ':' in address[0] else socket.AF_INET
        self.ssl_context = ssl_context
        self.stats = stats
        self.listener = listener
        self.verbose = verbose
        self.router = None
        self._connections = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self):
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); not wanted offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request.settimeout(15)
        try:
            conn = self.ssl_context.wrap_socket(request, server_side=True)
        except _QUIET_ERRORS:
            request.close()
            return
        with self._conn_lock:
            self._connections.add(conn)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except _QUIET_ERRORS:
            pass
        finally:
            with self._conn_lock:
                self._connections.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def shutdown_request(self, request):
        try:
            request.close()
        except OSError:
            pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, _QUIET_ERRORS):
            super().handle_error(request, client_address)

    def close_connections(self):
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def start_thread(server):
    thread = threading.Thread(
        target=server.serve_forever, kwargs={'poll_interval': 0.05}, name='fake-tenant-%s' % server.listener, daemon=True
    )
    thread.start()
    return thread
