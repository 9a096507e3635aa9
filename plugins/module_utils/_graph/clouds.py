# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Endpoints of the Microsoft clouds. Tokens are not interchangeable between clouds, so the
Entra authority host and the Graph root always come as a pair."""

from __future__ import annotations

CLOUDS = {
    'global': {'authority_host': 'https://login.microsoftonline.com', 'graph_url': 'https://graph.microsoft.com'},
    'usgovernment': {'authority_host': 'https://login.microsoftonline.us', 'graph_url': 'https://graph.microsoft.us'},
    'usgovernmentdod': {'authority_host': 'https://login.microsoftonline.us', 'graph_url': 'https://dod-graph.microsoft.us'},
    'china': {'authority_host': 'https://login.partner.microsoftonline.cn', 'graph_url': 'https://microsoftgraph.chinacloudapi.cn'},
}

# Hosts msal knows; for any other host (a fake tenant, a proxy) instance discovery must be off,
# or msal asks the public login host about it.
MICROSOFT_AUTHORITY_HOSTS = frozenset(
    [
        'login.microsoftonline.com',
        'login.microsoft.com',
        'login.windows.net',
        'sts.windows.net',
        'login.microsoftonline.us',
        'login.usgovcloudapi.net',
        'login-us.microsoftonline.com',
        'login.partner.microsoftonline.cn',
        'login.chinacloudapi.cn',
    ]
)


def cloud_endpoints(cloud: str, authority_host: str | None = None, graph_url: str | None = None) -> tuple[str, str, str]:
    """Return (authority_host, graph_url, graph_resource) for a cloud with optional overrides.

    graph_resource is the audience tokens are requested for: always the cloud's canonical Graph
    root, because a custom graph_url (proxy, test double) still expects Graph tokens."""
    endpoints = CLOUDS[cloud]
    resource = endpoints['graph_url']
    return (
        (authority_host or endpoints['authority_host']).rstrip('/'),
        (graph_url or endpoints['graph_url']).rstrip('/'),
        resource,
    )
