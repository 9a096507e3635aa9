"""Verification of client_assertion JWTs: certificate credentials and federated credentials."""

import jwt

from . import certs

ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
CLOCK_SKEW = 300  # Entra tolerates five minutes of skew on assertions.


class AssertionRejected(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _unverified(assertion):
    try:
        return jwt.get_unverified_header(assertion), jwt.decode(assertion, options={'verify_signature': False})
    except jwt.InvalidTokenError:
        raise AssertionRejected(50027, 'JWT token is invalid or malformed.') from None


def verify(app, assertion, token_endpoints, external_issuer, external_public_key):
    """Raise AssertionRejected unless the assertion authenticates app; return which form it used
    ('federated', or the algorithm and thumbprint header of a certificate assertion: 'PS256 x5t#S256', 'RS256 x5t')."""
    header, claims = _unverified(assertion)
    federated = [
        dict(c, issuer=c['issuer'].replace('{authority_host}', external_issuer[: -len('/external-idp')]))
        for c in app.get('federated_credentials', [])
    ]
    if claims.get('iss') != app['client_id'] and federated:
        _verify_federated(federated, assertion, claims, external_issuer, external_public_key)
        return 'federated'
    _verify_certificate(app, assertion, header, claims, token_endpoints)
    thumbprint = 'x5t#S256' if header.get('x5t#S256') else 'x5t' if header.get('x5t') else 'no thumbprint'
    return '%s %s' % (header.get('alg'), thumbprint)


def _verify_federated(credentials, assertion, claims, external_issuer, external_public_key):
    issuer, subject, audience = claims.get('iss'), claims.get('sub'), claims.get('aud')
    by_issuer = [c for c in credentials if c['issuer'] == issuer]
    if not by_issuer:
        raise AssertionRejected(
            700211,
            "No matching federated identity record found for presented assertion issuer '%s'. "
            "Please check your federated identity credential Subject, Audience and Issuer "
            "against the presented assertion." % issuer,
        )
    by_subject = [c for c in by_issuer if c['subject'] == subject]
    if not by_subject:
        raise AssertionRejected(
            700213,
            "No matching federated identity record found for presented assertion subject '%s'. "
            "Please check your federated identity credential Subject, Audience and Issuer "
            "against the presented assertion." % subject,
        )
    audiences = audience if isinstance(audience, list) else [audience]
    if not [c for c in by_subject if c['audience'] in audiences]:
        raise AssertionRejected(700212, "No matching federated identity record found for presented assertion audience '%s'." % audience)
    if issuer != external_issuer:
        raise AssertionRejected(700027, 'Client assertion failed signature validation: the issuer signing keys are unknown.')
    try:
        jwt.decode(
            assertion,
            external_public_key,
            algorithms=['RS256'],
            audience=by_subject[0]['audience'],
            options={'require': ['exp', 'iss', 'sub', 'aud']},
            leeway=CLOCK_SKEW,
        )
    except jwt.ExpiredSignatureError:
        raise AssertionRejected(700024, 'Client assertion is not within its valid time range.') from None
    except jwt.InvalidTokenError:
        raise AssertionRejected(700027, 'Client assertion failed signature validation.') from None


def _verify_certificate(app, assertion, header, claims, token_endpoints):
    registered = [certs.load_certificate(pem) for pem in app.get('certificates', [])]
    if not registered:
        raise AssertionRejected(
            700027,
            'The certificate with identifier used to sign the client assertion is not '
            'registered on application. [Reason - The key was not found.]',
        )
    wanted = header.get('x5t#S256'), header.get('x5t')
    candidates = registered
    if any(wanted):
        candidates = [c for c in registered if thumbprint_matches(c, wanted)]
        if not candidates:
            raise AssertionRejected(
                700027,
                "The certificate with identifier used to sign the client assertion is not "
                "registered on application. [Reason - The key was not found., Thumbprint of "
                "key used by client: '%s']" % (wanted[0] or wanted[1]),
            )
    algorithm = header.get('alg')
    if algorithm not in ('RS256', 'PS256'):
        raise AssertionRejected(700027, 'Client assertion failed signature validation: unsupported algorithm %r.' % algorithm)
    last_error = None
    for cert in candidates:
        try:
            jwt.decode(
                assertion,
                cert.public_key(),
                algorithms=[algorithm],
                audience=token_endpoints,
                options={'require': ['exp', 'iss', 'sub', 'aud']},
                leeway=CLOCK_SKEW,
            )
            last_error = None
            break
        except jwt.ExpiredSignatureError:
            raise AssertionRejected(700024, 'Client assertion is not within its valid time range.') from None
        except jwt.InvalidAudienceError:
            raise AssertionRejected(
                700016, "Client assertion audience '%s' does not match the token endpoint." % claims.get('aud')
            ) from None
        except jwt.InvalidTokenError as exc:
            last_error = exc
    if last_error is not None:
        raise AssertionRejected(700027, 'Client assertion contains an invalid signature.')
    if claims.get('iss') != app['client_id'] or claims.get('sub') != app['client_id']:
        raise AssertionRejected(700021, "Client assertion application identifier doesn't match 'client_id' parameter.")


def thumbprint_matches(cert, wanted):
    # msal sends base64url with '=' padding; Entra accepts either spelling.
    prints = certs.thumbprints(cert)
    s256, sha1 = (w.rstrip('=') if w else w for w in wanted)
    return bool((s256 and s256 == prints['x5t#S256']) or (sha1 and sha1 == prints['x5t']))
