"""Access tokens issued by the fake login host and checked by the fake Graph.

The signing key lives only in memory and is replaced on every start and on
/_fake/rotate-signing-key, so previously issued tokens stop validating the
way they would after a key roll-over.
"""

import threading
import time
import uuid

import jwt

from . import certs

GRAPH_RESOURCE = 'https://graph.microsoft.com'
GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'
EXPIRED_MESSAGE = 'Lifetime validation failed, the token is expired.'


class TokenError(Exception):
    pass


class TokenService:
    def __init__(self, tenant_id, config, extra_audiences=()):
        self.tenant_id = tenant_id
        self.config = config
        self.issuer = 'https://sts.windows.net/%s/' % tenant_id
        self.audiences = [GRAPH_RESOURCE, GRAPH_RESOURCE + '/', GRAPH_APP_ID] + list(extra_audiences)
        self._lock = threading.Lock()
        self._key = None
        self._public = None
        self._kid = None
        self._cache = {}
        # token_expire_every: Graph requests are counted; every N of them a new generation starts and
        # tokens issued in an earlier one are rejected as expired (a client must sign in again).
        self.stats = None
        self._validations = 0
        self._generation = 0
        self._generation_of = {}  # uti -> generation at issue
        self.rotate()

    def rotate(self):
        key = certs.new_rsa_key()
        with self._lock:
            self._key = key
            self._public = key.public_key()
            self._kid = uuid.uuid4().hex
            self._cache = {}

    def jwks(self):
        with self._lock:
            return {'keys': [certs.public_jwk(self._public, self._kid)]}

    def issue(self, appid, roles, display_name, oid=None):
        now = int(time.time())
        lifetime = int(self.config.token_lifetime)
        claims = {
            'aud': GRAPH_RESOURCE,
            'iss': self.issuer,
            'iat': now,
            'nbf': now,
            'exp': now + lifetime,
            'tid': self.tenant_id,
            'appid': appid,
            'app_displayname': display_name,
            'appidacr': '1',
            'idtyp': 'app',
            'oid': oid or str(uuid.uuid5(uuid.NAMESPACE_URL, 'sp/' + appid)),
            'roles': list(roles),
            'ver': '1.0',
            'uti': uuid.uuid4().hex,
        }
        claims['sub'] = claims['oid']
        with self._lock:
            key, kid = self._key, self._kid
            if len(self._generation_of) > 100000:
                self._generation_of = {}
            self._generation_of[claims['uti']] = self._generation
        token = jwt.encode(claims, key, algorithm='RS256', headers={'kid': kid, 'x5t': kid})
        return token, lifetime

    def validate(self, token):
        """Claims of a valid token, else TokenError with a Graph-like message."""
        if not token:
            raise TokenError('Access token is empty.')
        with self._lock:
            claims = self._cache.get(token)
            public = self._public
        if claims is None:
            if token.count('.') != 2:
                raise TokenError('IDX14100: JWT is not well formed, there are no dots (.).')
            try:
                claims = jwt.decode(
                    token,
                    public,
                    algorithms=['RS256'],
                    audience=self.audiences,
                    issuer=self.issuer,
                    options={'require': ['exp', 'iat', 'aud', 'iss']},
                )
            except jwt.ExpiredSignatureError:
                raise TokenError(EXPIRED_MESSAGE) from None
            except jwt.InvalidAudienceError:
                raise TokenError('Access token validation failure. Invalid audience.') from None
            except jwt.InvalidIssuerError:
                raise TokenError('Access token validation failure. Invalid issuer.') from None
            except jwt.InvalidTokenError:
                raise TokenError('Access token validation failure. Invalid signature.') from None
            with self._lock:
                if self._public is public:
                    if len(self._cache) > 20000:
                        self._cache = {}
                    self._cache[token] = claims
        now = time.time()
        if claims['exp'] <= now:
            raise TokenError(EXPIRED_MESSAGE)
        early = self.config.token_early_expiry
        if early and now - claims['iat'] > early:
            raise TokenError(EXPIRED_MESSAGE)
        every = self.config.token_expire_every
        if every:
            with self._lock:
                self._validations += 1
                if self._validations % every == 0:
                    self._generation += 1
                stale = self._generation_of.get(claims.get('uti'), self._generation) < self._generation
            if stale:
                if self.stats is not None:
                    self.stats.fault('token_expiry')
                raise TokenError(EXPIRED_MESSAGE)
        return claims
