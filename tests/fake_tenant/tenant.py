"""FakeTenant: the service behind two TLS listeners in this process (also what the CLI runs)."""

import os
import threading

from .admin_client import AdminClientMixin
from .server import TLSServer, make_ssl_context, start_thread
from .service import certs
from .service.config import RuntimeConfig
from .service.core import Site, TenantService
from .service.entra import IDENTITY_HEADER
from .service.fsutil import atomic_write_json
from .service.stats import Stats


class FakeTenant(AdminClientMixin):
    def __init__(
        self,
        state_dir,
        seed=None,
        mode='realistic',
        host='127.0.0.1',
        graph_port=0,
        login_port=0,
        info_file=None,
        fault_seed=None,
        identity_header=IDENTITY_HEADER,
        verbose=False,
        **options,
    ):
        self.state_dir = os.path.abspath(state_dir)
        self.seed = seed
        self.host = host
        self.ports = (int(graph_port or 0), int(login_port or 0))
        self.info_file = info_file
        self.fault_seed = fault_seed
        self.identity_header = identity_header
        self.verbose = verbose
        self.config = RuntimeConfig(mode=mode, **options)
        self.info = None
        self.graph_url = self.authority_host = self.ca_file = self.tenant_id = self.tenant_domain = None
        self.stats_url = None
        self.store = self.service = None
        self._servers = []
        self._lock = threading.Lock()

    def start(self):
        with self._lock:
            if self._servers:
                return self
            os.makedirs(self.state_dir, exist_ok=True)
            ca_cert, ca_key = certs.ensure_ca(self.state_dir)
            ssl_context = make_ssl_context(*certs.ensure_server_cert(self.state_dir, ca_cert, ca_key))
            stats = Stats()
            graph = TLSServer((self.host, self.ports[0]), ssl_context, stats, 'graph', self.verbose)
            try:
                login = TLSServer((self.host, self.ports[1]), ssl_context, stats, 'login', self.verbose)
            except OSError:
                graph.server_close()
                raise
            url_host = '[%s]' % self.host if ':' in self.host else self.host
            site = Site('https://%s:%d' % (url_host, graph.server_address[1]), 'https://%s:%d' % (url_host, login.server_address[1]))
            try:
                service = TenantService(self.state_dir, site, self.config, self.seed, self.fault_seed, self.identity_header, stats=stats)
            except BaseException:
                graph.server_close()
                login.server_close()
                raise
            service.info.update(graph_port=graph.server_address[1], login_port=login.server_address[1])
            graph.router = service.graph
            login.router = service.login
            self.service = service
            self.store = service.store
            self.info = service.info
            for key in ('graph_url', 'authority_host', 'ca_file', 'tenant_id', 'tenant_domain', 'stats_url'):
                setattr(self, key, self.info[key])
            self._servers = [graph, login]
            for server in self._servers:
                start_thread(server)
            atomic_write_json(os.path.join(self.state_dir, 'info.json'), self.info, private=True)  # it lists the seeded secrets
            if self.info_file:
                atomic_write_json(self.info_file, self.info, private=True)
            return self

    def stop(self):
        with self._lock:
            servers, self._servers = self._servers, []
            for server in servers:
                server.shutdown()
                server.server_close()
                server.close_connections()
            if servers and self.store is not None:
                self.store.save_tenant()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
