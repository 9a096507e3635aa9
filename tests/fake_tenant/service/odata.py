"""The slice of OData query options the fake supports: $select, $top, $skiptoken, $filter, $orderby, $count."""

import base64
import re
from urllib.parse import quote

MAX_IN_VALUES = 15  # Entra rejects more than 15 values/clauses in one filter
SUPPORTED_OPTIONS = ('$select', '$top', '$skiptoken', '$filter', '$orderby', '$count')


class QueryError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<id>[A-Za-z_][\w.]*)|(?P<punct>[(),]))")


def _tokens(text):
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError('Request_UnsupportedQuery', 'Unsupported Query.')
        pos = match.end()
        if match.group('str') is not None:
            out.append(('str', match.group('str')[1:-1].replace("''", "'")))
        elif match.group('id') is not None:
            out.append(('id', match.group('id')))
        else:
            out.append(('p', match.group('punct')))
    return out


class _Parser:
    def __init__(self, tokens, props):
        self.tokens = tokens
        self.pos = 0
        self.props = props  # lower-case name -> canonical name

    def _next(self):
        if self.pos >= len(self.tokens):
            raise QueryError('Request_UnsupportedQuery', 'Unsupported Query.')
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _expect(self, kind, value=None):
        token = self._next()
        if token[0] != kind or (value is not None and token[1].lower() != value):
            raise QueryError('Request_UnsupportedQuery', 'Unsupported Query.')
        return token[1]

    def _prop(self, name):
        canonical = self.props.get(name.lower())
        if canonical is None:
            raise QueryError(
                'Request_UnsupportedQuery',
                "Unsupported or invalid query filter clause specified for property '%s' of resource 'User'." % name,
            )
        return canonical

    def _peek_word(self):
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] == 'id':
            return self.tokens[self.pos][1].lower()
        return None

    def parse(self):
        disjunction = [self._conjunction()]
        while self._peek_word() == 'or':
            self.pos += 1
            disjunction.append(self._conjunction())
        if self.pos != len(self.tokens):
            raise QueryError('Request_UnsupportedQuery', 'Unsupported Query.')
        return disjunction

    def _conjunction(self):
        clauses = [self._atom()]
        while self._peek_word() == 'and':
            self.pos += 1
            clauses.append(self._atom())
        return clauses

    def _atom(self):
        word = self._expect('id')
        if word.lower() == 'startswith':
            self._expect('p', '(')
            prop = self._prop(self._expect('id'))
            self._expect('p', ',')
            value = self._expect('str')
            self._expect('p', ')')
            return ('startswith', prop, value.lower())
        prop = self._prop(word)
        operator = self._expect('id').lower()
        if operator == 'eq':
            return ('eq', prop, self._expect('str').lower())
        if operator == 'in':
            self._expect('p', '(')
            values = [self._expect('str').lower()]
            while True:
                punct = self._expect('p')
                if punct == ')':
                    break
                if punct != ',':
                    raise QueryError('Request_UnsupportedQuery', 'Unsupported Query.')
                values.append(self._expect('str').lower())
            return ('in', prop, values)
        raise QueryError('Request_UnsupportedQuery', 'Unsupported Query.')


def parse_filter(text, props):
    """OR-of-ANDs of ('eq'|'in'|'startswith', prop, value) with lower-cased values."""
    tree = _Parser(_tokens(text), {p.lower(): p for p in props}).parse()
    count = sum(len(c[2]) if c[0] == 'in' else 1 for conj in tree for c in conj)
    if count > MAX_IN_VALUES:
        raise QueryError(
            'Request_UnsupportedQuery',
            'Too many child clauses specified in search filter expression '
            "containing 'OR' operators: %d. Max allowed: %d." % (count, MAX_IN_VALUES),
        )
    return tree


def _clause_matches(clause, obj):
    kind, prop, value = clause
    actual = obj.get(prop)
    if actual is None:
        return False
    actual = str(actual).lower()
    if kind == 'eq':
        return actual == value
    if kind == 'in':
        return actual in value
    return actual.startswith(value)


def matches(tree, obj):
    return any(all(_clause_matches(c, obj) for c in conj) for conj in tree)


def parse_select(req, props, type_name):
    raw = req.param('$select')
    if raw is None:
        return None
    lookup = {p.lower(): p for p in props}
    selected = []
    for name in (n.strip() for n in raw.split(',')):
        if not name:
            continue
        canonical = lookup.get(name.lower())
        if canonical is None:
            raise QueryError('BadRequest', "Could not find a property named '%s' on type '%s'." % (name, type_name))
        if canonical not in selected:
            selected.append(canonical)
    return selected


def parse_top(req, default=100, maximum=999):
    raw = req.param('$top')
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise QueryError(
            'Request_UnsupportedQuery', "Invalid page size specified: '%s'. Must be between 1 and %d inclusive." % (raw, maximum)
        )
    return int(raw)


def encode_skiptoken(offset):
    return 'RFNwdAIA' + base64.urlsafe_b64encode(('offset:%d' % offset).encode('ascii')).decode('ascii').rstrip('=')


def decode_skiptoken(token):
    if token is None:
        return 0
    try:
        raw = token[len('RFNwdAIA') :]
        text = base64.urlsafe_b64decode(raw + '=' * (-len(raw) % 4)).decode('ascii')
        if not token.startswith('RFNwdAIA') or not text.startswith('offset:'):
            raise ValueError(text)
        return int(text[len('offset:') :])
    except (ValueError, UnicodeDecodeError):
        raise QueryError('Request_BadRequest', "The specified page token value has expired or is invalid.") from None


def check_options(req, allowed=SUPPORTED_OPTIONS):
    for name in req.query:
        if name.startswith('$') and name not in allowed:
            raise QueryError('Request_UnsupportedQuery', "The query parameter '%s' is not supported." % name)


def project(obj, selected, default_props):
    return {p: obj.get(p) for p in (selected or default_props)}


def context_url(base, entity_set, selected, single=False):
    url = '%s/$metadata#%s' % (base, entity_set)
    if selected:
        url += '(%s)' % ','.join(selected)
    if single:
        url += '/$entity'
    return url


def page(items, req, top, page_url):
    """Slice items for this request and build an absolute @odata.nextLink carrying the other options."""
    offset = decode_skiptoken(req.param('$skiptoken'))
    chunk = items[offset : offset + top]
    next_link = None
    if offset + top < len(items):
        params = []
        for name in ('$select', '$filter', '$orderby', '$count'):
            if req.param(name) is not None:
                params.append((name, req.param(name)))
        params.append(('$top', str(top)))
        params.append(('$skiptoken', encode_skiptoken(offset + top)))
        next_link = page_url + '?' + '&'.join('%s=%s' % (k, quote(v, safe="'(),@=")) for k, v in params)
    return chunk, next_link
