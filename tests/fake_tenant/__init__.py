"""Local fake of the Microsoft 365 pieces m365.photos talks to: Entra token endpoint and Microsoft Graph."""

from .federation import mint_federated_token
from .process import FakeTenantProcess
from .seed import (
    CERT_APP_ID,
    DEFAULT_GROUP,
    DEFAULT_TENANT_DOMAIN,
    DEFAULT_TENANT_ID,
    DEMO_APP_ID,
    FEDERATED_APP_ID,
    READONLY_APP_ID,
    SYSTEM_MI_ID,
    USER_MI_ID,
)
from .tenant import FakeTenant

__all__ = [
    'FakeTenant',
    'FakeTenantProcess',
    'mint_federated_token',
    'CERT_APP_ID',
    'DEFAULT_GROUP',
    'DEFAULT_TENANT_DOMAIN',
    'DEFAULT_TENANT_ID',
    'DEMO_APP_ID',
    'FEDERATED_APP_ID',
    'READONLY_APP_ID',
    'SYSTEM_MI_ID',
    'USER_MI_ID',
]
