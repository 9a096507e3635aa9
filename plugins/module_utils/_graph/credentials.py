# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Which credential to sign in with, from module options and the azure-identity environment
variables users already have.

Explicit options beat the environment: a task that names a credential is not overridden by
ambient variables of the CI runner. Within one layer exactly one credential may be present."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ansible_collections.m365.photos.plugins.module_utils._graph.errors import AuthError

# option -> environment variable (the names azure-identity and the Azure CLI use).
ENV_FALLBACKS = {
    'tenant_id': 'AZURE_TENANT_ID',
    'client_id': 'AZURE_CLIENT_ID',
    'client_secret': 'AZURE_CLIENT_SECRET',
    'client_certificate_path': 'AZURE_CLIENT_CERTIFICATE_PATH',
    'client_certificate_password': 'AZURE_CLIENT_CERTIFICATE_PASSWORD',
    'federated_token_file': 'AZURE_FEDERATED_TOKEN_FILE',
    'access_token': 'M365_ACCESS_TOKEN',
    'authority_host': 'AZURE_AUTHORITY_HOST',
    'graph_url': 'M365_GRAPH_URL',
    'ca_path': 'M365_CA_PATH',
}

# Credential kinds, each identified by the option that carries it.
CREDENTIAL_OPTIONS = ('access_token', 'client_secret', 'client_certificate_path', 'federated_token_file', 'managed_identity')


def apply_env_fallbacks(params: dict, environ: Mapping[str, str] | None = None) -> tuple[dict, set[str]]:
    """Return a copy of params with unset options filled from the environment, and the
    set of option names that came from it."""
    environ = os.environ if environ is None else environ
    resolved = dict(params)
    from_env = set()
    for option, variable in ENV_FALLBACKS.items():
        if resolved.get(option) in (None, '') and environ.get(variable):
            resolved[option] = environ[variable]
            from_env.add(option)
    return resolved, from_env


def _describe(option, from_env):
    return '%s (from %s)' % (option, ENV_FALLBACKS[option]) if option in from_env else option


def select_credential(params: dict, from_env: set[str]) -> str:
    """Name the one credential option to use, or raise AuthError listing what was found."""
    explicit = [o for o in CREDENTIAL_OPTIONS if params.get(o) and o not in from_env]
    ambient = [o for o in CREDENTIAL_OPTIONS if params.get(o) and o in from_env]
    layer = explicit or ambient
    if len(layer) == 1:
        kind = layer[0]
    elif not layer:
        raise AuthError(
            'No credential found. Set exactly one of client_secret (AZURE_CLIENT_SECRET), client_certificate_path '
            '(AZURE_CLIENT_CERTIFICATE_PATH), federated_token_file (AZURE_FEDERATED_TOKEN_FILE), '
            'managed_identity=true, or access_token (M365_ACCESS_TOKEN).'
        )
    else:
        raise AuthError('More than one credential found: %s. Set exactly one.' % ', '.join(_describe(o, from_env) for o in layer))
    needs = {
        'client_secret': ('tenant_id', 'client_id'),
        'client_certificate_path': ('tenant_id', 'client_id'),
        'federated_token_file': ('tenant_id', 'client_id'),
    }.get(kind, ())
    missing = [o for o in needs if not params.get(o)]
    if missing:
        raise AuthError(
            '%s needs %s (or the %s environment variables).'
            % (_describe(kind, from_env), ' and '.join(missing), ' and '.join(ENV_FALLBACKS[o] for o in missing))
        )
    return kind
