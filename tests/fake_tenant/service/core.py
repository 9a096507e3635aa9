"""TenantService: the emulated tenant without sockets, and the one object the listeners talk to.

It owns the state (store), the runtime config, the stats, the load model and the token
service, and builds the three route tables. Each handler class gets only what it uses.
"""

import os
from collections import namedtuple

from . import certs
from .admin import AdminApp, AdminResource
from .admin_urls import admin_routes
from .config import RuntimeConfig
from .directory import DirectoryResource
from .entra import IDENTITY_HEADER, EntraApp, EntraResource
from .entra_urls import entra_routes
from .federation import ExternalIdP
from .graph import GraphApp
from .graph_urls import graph_routes
from .imaging import RenditionCache
from .load import LoadModel
from .photos import PhotoResource
from .seed import load_seed
from .stats import Stats
from .store import TenantStore
from .tokens import TokenService

# Where the two hosts listen; known once the listeners are bound.
Site = namedtuple('Site', 'graph_url authority_host')


class TenantService:
    def __init__(self, state_dir, site, config=None, seed=None, fault_seed=None, identity_header=IDENTITY_HEADER, stats=None):
        self.state_dir = os.path.abspath(state_dir)
        self.site = site
        self.config = config or RuntimeConfig()
        self.stats = stats or Stats()
        self.identity_header = identity_header
        self.store = TenantStore(self.state_dir)
        self.store.initialize(load_seed(seed))
        self.load = LoadModel(self.config, self.stats, fault_seed)
        self.tokens = TokenService(self.store.tenant_id, self.config, extra_audiences=[site.graph_url])
        self.tokens.stats = self.stats  # counts the rejections of token_expire_every
        self.external_idp = ExternalIdP(self.state_dir, site.authority_host)
        self.info = self._info()
        directory = DirectoryResource(self.store, site.graph_url, self.config)
        photos = PhotoResource(self.store, self.config, RenditionCache(), directory, site.graph_url, self.store.tenant_id)
        entra = EntraResource(self.store, self.tokens, self.stats, site, self.external_idp, identity_header)
        admin = AdminApp(admin_routes(AdminResource(self)))
        self.graph = GraphApp(
            graph_routes(directory, photos),
            admin,
            self.tokens,
            self.load,
            self.stats,
            self.config,
            site,
            self.store.tenant_id,
            self.store.find_user,
        )
        self.login = EntraApp(entra_routes(entra))

    def _info(self):
        """The start-up JSON (also served at /_fake/info); the listener ports are added by the wrapper."""
        graph_url, authority_host = self.site
        return {
            'graph_url': graph_url,
            'authority_host': authority_host,
            'ca_file': os.path.join(self.state_dir, certs.CA_CERT),
            'tenant_id': self.store.tenant_id,
            'tenant_domain': self.store.tenant_domain,
            'pid': os.getpid(),
            'stats_url': graph_url + '/_fake/stats',
            'state_dir': self.state_dir,
            'identity_endpoint': authority_host + '/msi/token',
            'identity_header': self.identity_header,
            'external_issuer': self.external_idp.issuer,
            'apps': [self._app_info(app) for app in self.store.apps.values()],
            'managed_identities': [
                {'client_id': mi['client_id'], 'system_assigned': bool(mi.get('system_assigned'))} for mi in self.store.managed_identities
            ],
        }

    def _app_info(self, app):
        """What a client needs to sign in as a seeded app (this is a fake tenant: its secrets are meant to be shown)."""
        info = {'client_id': app['client_id'], 'display_name': app.get('display_name', ''), 'secrets': list(app.get('secrets', []))}
        pem_files = [os.path.join(self.state_dir, name) for name in app.get('certificate_files', [])]
        if pem_files:
            info['certificate_files'] = pem_files
            info['pfx_files'] = [os.path.splitext(path)[0] + '.pfx' for path in pem_files]
            info['pfx_password'] = certs.PFX_PASSWORD
        federated = app.get('federated_credentials', [])
        if federated:
            info['federated_credentials'] = [
                dict(c, issuer=c['issuer'].replace('{authority_host}', self.site.authority_host)) for c in federated
            ]
        return info

    def save(self):
        self.store.save_tenant()
