"""FakeTenant: the in-process server (also what the CLI runs)."""

import os
import threading
from types import SimpleNamespace

from . import certs, federation
from .admin_client import AdminClientMixin
from .admin_routes import AdminRoutes
from .config import RuntimeConfig
from .entra_routes import IDENTITY_HEADER, EntraRouter
from .fsutil import atomic_write_json
from .graph_routes import GraphRouter
from .imaging import RenditionCache
from .seed import load_seed
from .server import TLSServer, make_ssl_context, start_thread
from .service import ServiceModel
from .stats import Stats
from .store import TenantStore
from .tokens import TokenService


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
        self.store = self.ctx = None
        self._servers = []
        self._lock = threading.Lock()

    def start(self):
        with self._lock:
            if self._servers:
                return self
            os.makedirs(self.state_dir, exist_ok=True)
            ca_cert, ca_key = certs.ensure_ca(self.state_dir)
            ssl_context = make_ssl_context(*certs.ensure_server_cert(self.state_dir, ca_cert, ca_key))
            store = TenantStore(self.state_dir)
            store.initialize(load_seed(self.seed))
            stats = Stats()
            graph = TLSServer((self.host, self.ports[0]), ssl_context, stats, 'graph', self.verbose)
            try:
                login = TLSServer((self.host, self.ports[1]), ssl_context, stats, 'login', self.verbose)
            except OSError:
                graph.server_close()
                raise
            url_host = '[%s]' % self.host if ':' in self.host else self.host
            graph_url = 'https://%s:%d' % (url_host, graph.server_address[1])
            authority_host = 'https://%s:%d' % (url_host, login.server_address[1])
            external_key = federation.external_key(self.state_dir)
            # Everything a router needs, in one object so routers stay decoupled from start-up order.
            self.ctx = SimpleNamespace(
                store=store,
                stats=stats,
                config=self.config,
                service=ServiceModel(self.config, stats, self.fault_seed),
                tokens=TokenService(store.tenant_id, self.config, extra_audiences=[graph_url]),
                renditions=RenditionCache(),
                graph_url=graph_url,
                authority_host=authority_host,
                identity_header=self.identity_header,
                state_dir=self.state_dir,
                external_issuer=federation.issuer_for(authority_host),
                external_public_key=external_key.public_key(),
                info=None,
            )
            graph.router = GraphRouter(self.ctx, AdminRoutes(self.ctx))
            login.router = EntraRouter(self.ctx)
            self.store = store
            self.info = {
                'graph_url': graph_url,
                'authority_host': authority_host,
                'ca_file': os.path.join(self.state_dir, certs.CA_CERT),
                'tenant_id': store.tenant_id,
                'tenant_domain': store.tenant_domain,
                'pid': os.getpid(),
                'stats_url': graph_url + '/_fake/stats',
                'state_dir': self.state_dir,
                'graph_port': graph.server_address[1],
                'login_port': login.server_address[1],
                'identity_endpoint': authority_host + '/msi/token',
                'identity_header': self.identity_header,
                'external_issuer': self.ctx.external_issuer,
            }
            self.ctx.info = self.info
            for key in ('graph_url', 'authority_host', 'ca_file', 'tenant_id', 'tenant_domain', 'stats_url'):
                setattr(self, key, self.info[key])
            self._servers = [graph, login]
            for server in self._servers:
                start_thread(server)
            atomic_write_json(os.path.join(self.state_dir, 'info.json'), self.info)
            if self.info_file:
                atomic_write_json(self.info_file, self.info)
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
