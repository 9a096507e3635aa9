"""The fake external identity provider (a stand-in for e.g. GitHub Actions OIDC).

Its key is kept in the state dir so tokens can be minted by a separate
process (CLI or test) and verified by the running tenant.
"""

import json
import os
import time
import uuid

import jwt

from . import certs
from . import seed as seedmod

KID = 'external-idp-1'


def external_key(state_dir):
    os.makedirs(state_dir, exist_ok=True)
    return certs.load_or_create_rsa_key(os.path.join(state_dir, certs.EXTERNAL_IDP_KEY))


def issuer_for(authority_host):
    return authority_host.rstrip('/') + '/external-idp'


def _issuer_from_state(state_dir):
    try:
        with open(os.path.join(state_dir, 'info.json'), 'rb') as handle:
            info = json.loads(handle.read().decode('utf-8'))
    except FileNotFoundError:
        raise ValueError('no info.json in %s: start the tenant first or pass issuer=' % state_dir) from None
    return issuer_for(info['authority_host'])


def mint_federated_token(
    state_dir, client_id, subject=seedmod.FEDERATED_SUBJECT, lifetime=600, audience=seedmod.FEDERATED_AUDIENCE, issuer=None
):
    """A workload-identity token the federated app can present as client_assertion."""
    issuer = issuer or _issuer_from_state(state_dir)
    now = int(time.time())
    claims = {
        'iss': issuer,
        'sub': subject,
        'aud': audience,
        'iat': now,
        'nbf': now,
        'exp': now + int(lifetime),
        'jti': uuid.uuid4().hex,
        'client_id_hint': client_id,
    }
    return jwt.encode(claims, external_key(state_dir), algorithm='RS256', headers={'kid': KID})


def openid_configuration(authority_host):
    issuer = issuer_for(authority_host)
    return {
        'issuer': issuer,
        'jwks_uri': issuer + '/keys',
        'response_types_supported': ['id_token'],
        'subject_types_supported': ['public'],
        'id_token_signing_alg_values_supported': ['RS256'],
        'claims_supported': ['sub', 'aud', 'exp', 'iat', 'iss', 'jti'],
    }


def jwks(state_dir):
    return {'keys': [certs.public_jwk(external_key(state_dir).public_key(), KID)]}


class ExternalIdP:
    """The fake external IdP as the token endpoint sees it: issuer URL, verification key, discovery documents."""

    def __init__(self, state_dir, authority_host):
        self.state_dir = state_dir
        self.authority_host = authority_host
        self.issuer = issuer_for(authority_host)
        self.public_key = external_key(state_dir).public_key()

    def configuration(self):
        return openid_configuration(self.authority_host)

    def keys(self):
        return jwks(self.state_dir)
