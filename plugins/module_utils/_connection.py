# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Assembles transport, token cache and credential from resolved options. Imported only after
the dependency check, because it needs requests and msal at import time."""

from __future__ import annotations

from ansible_collections.m365.photos.plugins.module_utils._auth import build_credential
from ansible_collections.m365.photos.plugins.module_utils._graph import GraphClient
from ansible_collections.m365.photos.plugins.module_utils._http import RetryPolicy, VerifyingSession, require_https, verify_setting
from ansible_collections.m365.photos.plugins.module_utils._token_cache import PersistentTokenCache


class Connection:
    def __init__(self, params, credential_kind, authority_host, graph_url, graph_resource, on_retry=None, pool_size=16):
        require_https(graph_url, 'graph_url')
        require_https(authority_host, 'authority_host')
        self.params = params
        self.credential_kind = credential_kind
        self.authority_host = authority_host
        self.graph_url = graph_url
        self.http = VerifyingSession(
            verify_setting(params['validate_certs'], params.get('ca_path')), timeout=params['timeout'], pool_size=pool_size
        )
        self.policy = RetryPolicy(max_retries=params['max_retries'], on_retry=on_retry)
        cache_store = None
        if params.get('token_cache', True) and credential_kind != 'access_token':
            client = params.get('client_id') or params.get('managed_identity_client_id') or 'managed-identity'
            credential = '%s=%s' % (credential_kind, params.get(credential_kind))
            cache_store = PersistentTokenCache(
                params.get('token_cache_dir'), authority_host, params.get('tenant_id'), client, credential=credential
            )
        self.credential = build_credential(credential_kind, params, authority_host, graph_resource, self.http, cache_store)

    def client(self, limiter=None):
        return GraphClient(self.http, self.graph_url, self.credential, self.policy, limiter=limiter)
