"""The login host: OIDC discovery, the v2.0 token endpoint, App Service managed identity, external IdP."""

import hmac
import time
import uuid
from urllib.parse import parse_qs

from . import client_assertion
from .http_types import PLAIN_JSON_CT, json_response, utc_stamp
from .routing import OTHER
from .tokens import GRAPH_APP_ID, GRAPH_RESOURCE

IDENTITY_HEADER = 'fake-identity-header'
IGNORED_SCOPES = ('openid', 'profile', 'offline_access')


class EntraResource:
    """Handlers of the login host; needs the store, the token service, the stats, the site URLs and the external IdP."""

    def __init__(self, store, tokens, stats, site, external_idp, identity_header=IDENTITY_HEADER):
        self.store = store
        self.tokens = tokens
        self.stats = stats
        self.site = site
        self.external_idp = external_idp
        self.identity_header = identity_header

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
                'error_uri': '%s/error?code=%d' % (self.site.authority_host, code),
            },
            content_type=PLAIN_JSON_CT,
        )

    def _tenant_ok(self, tenant):
        store = self.store
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
        graph = self.site.graph_url.rstrip('/')
        return (GRAPH_RESOURCE, GRAPH_RESOURCE + '/', GRAPH_APP_ID, graph, graph + '/')

    @staticmethod
    def not_found(_req=None, _params=None):
        return json_response(
            404, {'error': 'not_found', 'error_description': 'The requested resource does not exist.'}, content_type=PLAIN_JSON_CT
        )

    def external_idp_configuration(self, _req, _params):
        return json_response(200, self.external_idp.configuration(), content_type=PLAIN_JSON_CT)

    def external_idp_keys(self, _req, _params):
        return json_response(200, self.external_idp.keys(), content_type=PLAIN_JSON_CT)

    def signing_keys(self, _req, _params):
        return json_response(200, self.tokens.jwks(), content_type=PLAIN_JSON_CT)

    # ----- OIDC discovery ---------------------------------------------------------------
    def discovery(self, req, params):
        tenant = params['tenant']
        if not self._tenant_ok(tenant):
            return self._unknown_tenant(tenant, req)
        base = '%s/%s' % (self.site.authority_host, self.store.tenant_id)
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
                'msgraph_host': self.site.graph_url.split('://', 1)[-1],
            },
            content_type=PLAIN_JSON_CT,
        )

    # ----- token endpoint ---------------------------------------------------------------
    def token(self, req, params):
        tenant = params['tenant']
        self.stats.token_request()
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
        app = self.store.find_app(client_id)
        if app is None:
            return self._aad_error(
                400,
                'invalid_client',
                700016,
                "Application with identifier '%s' was not found in the directory '%s'. This can happen "
                "if the application has not been installed by the administrator of the tenant or "
                "consented to by any user in the tenant. You may have sent your authentication request "
                "to the wrong tenant." % (client_id, self.store.tenant_domain),
                req,
            )
        failure = self._authenticate_client(req, app, form, tenant)
        if failure is not None:
            return failure
        failure = self._check_scope(req, form.get('scope', ''))
        if failure is not None:
            return failure
        token, lifetime = self.tokens.issue(app['client_id'], app.get('roles', []), app.get('display_name', ''))
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
            if form.get('client_assertion_type') != client_assertion.ASSERTION_TYPE:
                return self._aad_error(
                    400, 'invalid_request', 50027, "Invalid client_assertion_type; expected '%s'." % client_assertion.ASSERTION_TYPE, req
                )
            endpoints = [
                '%s/%s/oauth2/v2.0/token' % (host, t)
                for host in (self.site.authority_host, 'https://login.microsoftonline.com')
                for t in (tenant, self.store.tenant_id, self.store.tenant_domain)
            ]
            try:
                form_used = client_assertion.verify(app, assertion, endpoints, self.external_idp.issuer, self.external_idp.public_key)
            except client_assertion.AssertionRejected as exc:
                return self._aad_error(401, 'invalid_client', exc.code, exc.message, req)
            self.stats.assertion(form_used)
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
                "or consented to by any user in the tenant." % (resource, self.store.tenant_domain),
                req,
            )
        return None

    # ----- App Service managed identity ----------------------------------------------------
    def managed_identity(self, req, _params):
        self.stats.token_request()

        def fail(status, message):
            return json_response(
                status, {'statusCode': status, 'message': message, 'correlationId': req.request_id}, content_type=PLAIN_JSON_CT
            )

        if req.headers.get('x-identity-header') != self.identity_header:
            return fail(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.')
        if req.param('api-version') != '2019-08-01':
            return fail(400, "Unsupported api-version %r; use 2019-08-01." % req.param('api-version'))
        resource = req.param('resource', '')
        if resource not in self.graph_resources():
            return fail(400, 'AADSTS500011: The resource principal named %s was not found in the tenant.' % resource)
        identity = self._pick_identity(req)
        if identity is None:
            return fail(400, 'No managed identity matches the requested client_id / object_id / mi_res_id.')
        token, lifetime = self.tokens.issue(
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
        for identity in self.store.managed_identities:
            if not wanted and identity.get('system_assigned'):
                return identity
            if wanted and all(str(identity.get(k, '')).lower() == v.lower() for k, v in wanted):
                return identity
        return None


class EntraApp:
    """Dispatches one login-host request through the Entra route table; unknown routes get Entra's 404."""

    def __init__(self, routes):
        self.routes = routes

    def handle(self, req):
        match = self.routes.match(req.method, req.path)
        if match.route is None:
            return OTHER, EntraResource.not_found()
        return match.key, match.route.handler(req, match.params)
