# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Base for every module of the collection: the shared auth/connection options (documented in
the m365.photos.auth doc fragment), dependency checks, and a ready Graph client."""

from __future__ import annotations

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.m365.photos.plugins.module_utils._deps import require_libraries
from ansible_collections.m365.photos.plugins.module_utils._graph.clouds import CLOUDS, cloud_endpoints
from ansible_collections.m365.photos.plugins.module_utils._graph.credentials import apply_env_fallbacks, select_credential
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError

LONG_WAIT = 10.0  # seconds: a single wait this long is worth a warning of its own

# Secrets the environment may give: masked in the module's output like no_log options.
SECRET_ENV_VARS = ('AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'M365_ACCESS_TOKEN')

AUTH_ARGUMENT_SPEC = dict(
    tenant_id=dict(type='str'),
    client_id=dict(type='str'),
    client_secret=dict(type='str', no_log=True),
    client_certificate_path=dict(type='path'),
    client_certificate_password=dict(type='str', no_log=True),
    federated_token_file=dict(type='path'),
    managed_identity=dict(type='bool', default=False),
    managed_identity_client_id=dict(type='str'),
    access_token=dict(type='str', no_log=True),
    cloud=dict(type='str', default='global', choices=list(CLOUDS)),
    authority_host=dict(type='str'),
    graph_url=dict(type='str'),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    timeout=dict(type='float', default=30.0),
    max_retries=dict(type='int', default=5),
    max_retry_wait=dict(type='float', default=120.0),
    token_cache=dict(type='bool', default=True),
    token_cache_dir=dict(type='path'),
)


def connection_option_problems(params: dict) -> list[str]:
    """What is wrong with timeout, max_retries and max_retry_wait, in words."""
    problems = []
    if params.get('timeout') is not None and not params['timeout'] > 0:
        problems.append('timeout must be a number of seconds greater than 0, got %s' % params['timeout'])
    if params.get('max_retries') is not None and not 0 <= params['max_retries'] <= 100:
        problems.append('max_retries must be an integer from 0 to 100, got %s' % params['max_retries'])
    if params.get('max_retry_wait') is not None and not params['max_retry_wait'] >= 0:
        problems.append('max_retry_wait must be a number of seconds, 0 or more, got %s' % params['max_retry_wait'])
    return problems


class GraphModule:
    """Wraps AnsibleModule (like amazon.aws does) and adds ``graph()``."""

    def __init__(self, argument_spec, libraries=('requests', 'msal', 'Pillow'), **kwargs):
        spec = dict(AUTH_ARGUMENT_SPEC)
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        for variable in SECRET_ENV_VARS:
            if os.environ.get(variable):
                self.module.no_log_values.add(os.environ[variable])
        problems = connection_option_problems(self.params)
        if problems:
            self.module.fail_json(msg='Invalid options: %s.' % '; '.join(problems))
        if not self.params['validate_certs']:
            self.module.warn(
                'validate_certs=false: the TLS certificate of Microsoft Graph and the sign-in host is not checked, so anyone '
                'on the network path can read the credentials and photos. Use ca_path for a private CA instead.'
            )
        self.libraries = libraries
        self.retry_events = []
        self.long_waits = []
        self._graph = None
        self._connection = None

    def __getattr__(self, name):
        return getattr(self.module, name)

    def connection(self, pool_size=16):
        """Resolved connection settings (env fallbacks applied), built once; ``pool_size``: the
        connections kept open (at least the requests in flight, or each extra one is a new TLS
        handshake)."""
        if self._connection is None:
            require_libraries(self.module, self.libraries)
            from ansible_collections.m365.photos.plugins.module_utils._graph.client import Connection

            params, from_env = apply_env_fallbacks(self.params)
            try:
                kind = select_credential(params, from_env)
                authority_host, graph_url, resource = cloud_endpoints(
                    params['cloud'], params.get('authority_host'), params.get('graph_url')
                )
                self._connection = Connection(
                    params,
                    kind,
                    authority_host,
                    graph_url,
                    resource,
                    on_retry=self._on_retry,
                    warn=self.module.warn,
                    pool_size=pool_size,
                )
            except GraphError as exc:
                self.fail_graph(exc)
        return self._connection

    def graph(self, limiter=None):
        """The GraphClient for this run (one token, one connection pool)."""
        if self._graph is None:
            try:
                in_flight = getattr(limiter, 'maximum', None) or 0
                self._graph = self.connection(pool_size=max(16, 2 * in_flight)).client(limiter=limiter)
            except GraphError as exc:
                self.fail_graph(exc)
        return self._graph

    def _on_retry(self, reason, delay):
        self.retry_events.append((reason, delay))
        if delay >= LONG_WAIT:
            self.long_waits.append((reason, delay))

    def warn_retries(self):
        """One summary warning instead of one per retry (bulk runs can retry hundreds of times), and
        one for the long waits the service asked for (Retry-After of 10 s or more)."""
        if self.long_waits:
            longest = max(d for r, d in self.long_waits)
            self.module.warn(
                '%d long wait(s) for Microsoft Graph (%s): the longest %.1f s, %.1f s in all; waits beyond max_retry_wait '
                '(%s s) fail the user instead.'
                % (
                    len(self.long_waits),
                    ', '.join(sorted(set(r for r, d in self.long_waits))),
                    longest,
                    sum(d for r, d in self.long_waits),
                    self.params['max_retry_wait'],
                )
            )
        if self.retry_events:
            reasons = sorted(set(r for r, d in self.retry_events))
            self.module.warn(
                '%d Graph request(s) were retried (%s); waited %.1f s in total.'
                % (len(self.retry_events), ', '.join(reasons), sum(d for r, d in self.retry_events))
            )

    def fail_graph(self, exc, msg=None, **result):
        text = '%s: %s' % (msg, exc) if msg else str(exc)
        self.module.fail_json(msg=text, error=exc.as_dict(), **result)
