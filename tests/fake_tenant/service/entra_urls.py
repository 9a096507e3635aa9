"""Entra ID login host: the route table (method, path pattern -> handler), as moto's urls.py per service.

Routes with ``key=None`` are counted as ``OTHER`` in the stats.
"""

from .routing import Route, RouteTable


def entra_routes(entra):
    return RouteTable(
        [
            Route('GET', '/{tenant}/v2.0/.well-known/openid-configuration', entra.discovery),
            Route('POST', '/{tenant}/oauth2/v2.0/token', entra.token),
            Route('GET', '/{tenant}/discovery/v2.0/keys', entra.signing_keys, key=None),
            Route('GET', '/msi/token', entra.managed_identity),
            Route('GET', '/external-idp/.well-known/openid-configuration', entra.external_idp_configuration, key=None),
            Route('GET', '/external-idp/keys', entra.external_idp_keys, key=None),
        ]
    )
