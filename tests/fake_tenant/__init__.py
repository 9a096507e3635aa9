"""Local fake of the Microsoft 365 pieces m365.photos talks to: Entra token endpoint and Microsoft Graph.

``service/`` is the emulated tenant; this package wraps it in TLS listeners (tenant.py), a
subprocess (process.py) and a command line (cli.py). FakeTenant and mint_federated_token are
imported on first use, so ``python -m fake_tenant`` can explain a missing dependency itself.
"""

from .connection import collection_env
from .process import FakeTenantProcess
from .service.seed import (
    CERT_APP_ID,
    CLIENT_CERT_FILE,
    DEFAULT_GROUP,
    DEFAULT_TENANT_DOMAIN,
    DEFAULT_TENANT_ID,
    DEMO_APP_ID,
    DEMO_APP_SECRET,
    FEDERATED_APP_ID,
    READONLY_APP_ID,
    READONLY_APP_SECRET,
    SYSTEM_MI_ID,
    USER_MI_ID,
)

# FakeTenant and mint_federated_token are provided by __getattr__ below (not listed: pylint
# would call them undefined).
__all__ = [
    'FakeTenantProcess',
    'collection_env',
    'CERT_APP_ID',
    'CLIENT_CERT_FILE',
    'DEFAULT_GROUP',
    'DEFAULT_TENANT_DOMAIN',
    'DEFAULT_TENANT_ID',
    'DEMO_APP_ID',
    'DEMO_APP_SECRET',
    'FEDERATED_APP_ID',
    'READONLY_APP_ID',
    'READONLY_APP_SECRET',
    'SYSTEM_MI_ID',
    'USER_MI_ID',
]


def __getattr__(name):
    if name == 'FakeTenant':
        from .tenant import FakeTenant  # pylint: disable=import-outside-toplevel

        return FakeTenant
    if name == 'mint_federated_token':
        from .service.federation import mint_federated_token  # pylint: disable=import-outside-toplevel

        return mint_federated_token
    raise AttributeError('module %r has no attribute %r' % (__name__, name))
