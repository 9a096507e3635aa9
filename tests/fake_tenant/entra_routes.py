"""The login host: OIDC discovery, the v2.0 token endpoint, App Service managed identity, external IdP."""

import hmac
import time
import uuid
from urllib.parse import parse_qs

from . import assertions, federation
from .http_types import PLAIN_JSON_CT, json_response, utc_stamp
from .tokens import GRAPH_APP_ID, GRAPH_RESOURCE

ROUTE_DISCOVERY = 'GET /{tenant}/v2.0/.well-known/openid-configuration'
ROUTE_TOKEN = 'POST /{tenant}/oauth2/v2.0/token'
ROUTE_MSI = 'GET /msi/token'
IDENTITY_HEADER = 'fake-identity-header'
IGNORED_SCOPES = ('openid', 'profile', 'offline_access')


class EntraRouter:
    def __init__(self, ctx):
        self.ctx = ctx

    # ----- helpers ---------------------------------------------------------------
    def _aad_error(self, status, error, code, text, req):
        correlation = req.headers.get('client-request-id') or str(uuid.uuid4())
        trace = req.request_id
        stamp = utc_stamp() + 'Z'
        description = 'AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s' % (code, text, trace, correlation, stamp)
        return json_response(
            status,
            {
                'error': error,
                'error_description': description,
                'error_codes': [code],
                'timestamp': stamp,
                'trace_id': trace,
                'correlation_id': correlation,
                'error_uri': '%s/error?code=%d' % (self.ctx.authority_host, code),
            },
            content_type=PLAIN_JSON_CT,
        )

    def _tenant_ok(self, tenant):
        store = self.ctx.store
        return tenant.lower() in (store.tenant_id.lower(), store.tenant_domain.lower())

    def _unknown_tenant(self, tenant, req, error='invalid_tenant'):
        return self._aad_error(
            400,
            error,
            90002,
            "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud." % tenant,
            req,
        )

    def graph_resources(self):
        graph = self.ctx.graph_url.rstrip('/')
        return (GRAPH_RESOURCE, GRAPH_RESOURCE + '/', GRAPH_APP_ID, graph, graph + '/')

    # ----- dispatch ------------------------------------------------------------------
    def handle(self, req):
        parts = [p for p in req.path.split('/') if p]
        method = req.method
        if parts == ['msi', 'token']:
            if method != 'GET':
                return 'OTHER', self._not_found()
            return ROUTE_MSI, self.managed_identity(req)
        if parts and parts[0] == 'external-idp':
            if parts[1:] == ['.well-known', 'openid-configuration']:
                return 'OTHER', json_response(200, federation.openid_configuration(self.ctx.authority_host), content_type=PLAIN_JSON_CT)
            if parts[1:] == ['keys']:
                return 'OTHER', json_response(200, federation.jwks(self.ctx.state_dir), content_type=PLAIN_JSON_CT)
        if len(parts) == 4 and parts[1:] == ['v2.0', '.well-known', 'openid-configuration'] and method == 'GET':
            return ROUTE_DISCOVERY, self.discovery(req, parts[0])
        if len(parts) == 4 and parts[1:] == ['oauth2', 'v2.0', 'token'] and method == 'POST':
            return ROUTE_TOKEN, self.token(req, parts[0])
        if len(parts) == 4 and parts[1:] == ['discovery', 'v2.0', 'keys'] and method == 'GET':
            return 'OTHER', json_response(200, self.ctx.tokens.jwks(), content_type=PLAIN_JSON_CT)
        return 'OTHER', self._not_found()

    @staticmethod
    def _not_found():
        return json_response(
            404, {'error': 'not_found', 'error_description': 'The requested resource does not exist.'}, content_type=PLAIN_JSON_CT
        )

    # ----- OIDC discovery ---------------------------------------------------------------
    def discovery(self, req, tenant):
        if not self._tenant_ok(tenant):
            return self._unknown_tenant(tenant, req)
        base = '%s/%s' % (self.ctx.authority_host, self.ctx.store.tenant_id)
        return json_response(
            200,
            {
                'token_endpoint': base + '/oauth2/v2.0/token',
                'token_endpoint_auth_methods_supported': ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
                'jwks_uri': base + '/discovery/v2.0/keys',
                'response_modes_supported': ['query', 'fragment', 'form_post'],
                'subject_types_supported': ['pairwise'],
                'id_token_signing_alg_values_supported': ['RS256'],
                'response_types_supported': ['code', 'id_token', 'code id_token', 'id_token token'],
                'scopes_supported': ['openid', 'profile', 'email', 'offline_access'],
                'issuer': base + '/v2.0',
                'request_uri_parameter_supported': False,
                'authorization_endpoint': base + '/oauth2/v2.0/authorize',
                'device_authorization_endpoint': base + '/oauth2/v2.0/devicecode',
                'end_session_endpoint': base + '/oauth2/v2.0/logout',
                'tenant_region_scope': 'EU',
                'cloud_instance_name': 'microsoftonline.com',
                'msgraph_host': self.ctx.graph_url.split('://', 1)[-1],
            },
            content_type=PLAIN_JSON_CT,
        )

    # ----- token endpoint ---------------------------------------------------------------
    def token(self, req, tenant):
        self.ctx.stats.token_request()
        if not self._tenant_ok(tenant):
            return self._unknown_tenant(tenant, req, error='invalid_request')
        form = {k: v[-1] for k, v in parse_qs(req.body.decode('utf-8', 'replace'), keep_blank_values=True).items()}
        grant = form.get('grant_type')
        if grant != 'client_credentials':
            return self._aad_error(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type %r.' % grant, req)
        client_id = form.get('client_id')
        if not client_id:
            return self._aad_error(
                400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.", req
            )
        app = self.ctx.store.find_app(client_id)
        if app is None:
            return self._aad_error(
                400,
                'invalid_client',
                700016,
                "Application with identifier '%s' was not found in the directory '%s'. This can happen "
                "if the application has not been installed by the administrator of the tenant or "
                "consented to by any user in the tenant. You may have sent your authentication request "
                "to the wrong tenant." % (client_id, self.ctx.store.tenant_domain),
                req,
            )
        failure = self._authenticate_client(req, app, form, tenant)
        if failure is not None:
            return failure
        failure = self._check_scope(req, form.get('scope', ''))
        if failure is not None:
            return failure
        token, lifetime = self.ctx.tokens.issue(app['client_id'], app.get('roles', []), app.get('display_name', ''))
        return json_response(
            200,
            {'token_type': 'Bearer', 'expires_in': lifetime, 'ext_expires_in': lifetime, 'access_token': token},
            content_type=PLAIN_JSON_CT,
        )

    def _authenticate_client(self, req, app, form, tenant):
        secret = form.get('client_secret')
        assertion = form.get('client_assertion')
        if secret is not None:
            if any(hmac.compare_digest(secret.encode('utf-8'), s.encode('utf-8')) for s in app.get('secrets', [])):
                return None
            return self._aad_error(
                401,
                'invalid_client',
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the "
                "client secret value, not the client secret ID, for a secret added to app '%s'." % app['client_id'],
                req,
            )
        if assertion is not None:
            if form.get('client_assertion_type') != assertions.ASSERTION_TYPE:
                return self._aad_error(
                    400, 'invalid_request', 50027, "Invalid client_assertion_type; expected '%s'." % assertions.ASSERTION_TYPE, req
                )
            endpoints = [
                '%s/%s/oauth2/v2.0/token' % (host, t)
                for host in (self.ctx.authority_host, 'https://login.microsoftonline.com')
                for t in (tenant, self.ctx.store.tenant_id, self.ctx.store.tenant_domain)
            ]
            try:
                assertions.verify(app, assertion, endpoints, self.ctx.external_issuer, self.ctx.external_public_key)
            except assertions.AssertionRejected as exc:
                return self._aad_error(401, 'invalid_client', exc.code, exc.message, req)
            return None
        return self._aad_error(
            401,
            'invalid_client',
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            req,
        )

    def _check_scope(self, req, scope):
        scopes = [s for s in scope.split() if s not in IGNORED_SCOPES]
        if len(scopes) != 1 or not scopes[0].endswith('/.default'):
            return self._aad_error(
                400,
                'invalid_scope',
                1002012,
                "The provided value for scope %s is not valid. Client credential flows must have a "
                "scope value with /.default suffixed to the resource identifier (application ID URI)." % scope,
                req,
            )
        resource = scopes[0][: -len('/.default')]
        if resource not in self.graph_resources():
            return self._aad_error(
                400,
                'invalid_resource',
                500011,
                "The resource principal named %s was not found in the tenant named %s. This can "
                "happen if the application has not been installed by the administrator of the tenant "
                "or consented to by any user in the tenant." % (resource, self.ctx.store.tenant_domain),
                req,
            )
        return None

    # ----- App Service managed identity ----------------------------------------------------
    def managed_identity(self, req):
        self.ctx.stats.token_request()

        def fail(status, message):
            return json_response(
                status, {'statusCode': status, 'message': message, 'correlationId': req.request_id}, content_type=PLAIN_JSON_CT
            )

        if req.headers.get('x-identity-header') != self.ctx.identity_header:
            return fail(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.')
        if req.param('api-version') != '2019-08-01':
            return fail(400, "Unsupported api-version %r; use 2019-08-01." % req.param('api-version'))
        resource = req.param('resource', '')
        if resource not in self.graph_resources():
            return fail(400, 'AADSTS500011: The resource principal named %s was not found in the tenant.' % resource)
        identity = self._pick_identity(req)
        if identity is None:
            return fail(400, 'No managed identity matches the requested client_id / object_id / mi_res_id.')
        token, lifetime = self.ctx.tokens.issue(
            identity['client_id'], identity.get('roles', []), identity.get('display_name', ''), oid=identity.get('object_id')
        )
        return json_response(
            200,
            {
                'access_token': token,
                'expires_on': str(int(time.time()) + lifetime),
                'resource': resource,
                'token_type': 'Bearer',
                'client_id': identity['client_id'],
            },
            content_type=PLAIN_JSON_CT,
        )

    def _pick_identity(self, req):
        wanted = [
            ('client_id', req.param('client_id')),
            ('object_id', req.param('object_id') or req.param('principal_id')),
            ('resource_id', req.param('mi_res_id')),
        ]
        wanted = [(k, v) for k, v in wanted if v]
        for identity in self.ctx.store.managed_identities:
            if not wanted and identity.get('system_assigned'):
                return identity
            if wanted and all(str(identity.get(k, '')).lower() == v.lower() for k, v in wanted):
                return identity
        return None
