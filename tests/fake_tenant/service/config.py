"""Start-up options and the subset that can be changed at runtime (/_fake/config)."""

import threading

DEFAULTS = {
    'mode': 'realistic',
    'jpeg_quality': 75,
    'max_dimension': 648,
    'latency_ms': 0.0,
    'concurrency_cap': 0,
    'retry_after': 0.1,
    'fault_503_rate': 0.0,
    'fault_drop_rate': 0.0,
    'fault_429_rate': 0.0,
    'fault_429_burst': 5,
    'token_expire_every': 0,
    'token_lifetime': 3599,
    'token_early_expiry': 0,
    'load_model': 'A',
    'mailbox_concurrency': 4,
    'request_rate': 0.0,
    'request_burst': 0,
    'write_rate': 0.0,
    'write_burst': 0,
    # Live-like behaviours of issue 9 (docs/fake-tenant.md, "Fidelity"); the defaults keep the older, tidier answers.
    'unknown_user_photo': 'Request_ResourceNotFound',
    'limited_members': False,
    'visibility_delay': 0.0,
    'wrap_errors': False,
    'empty_photo': '404',
}

UNKNOWN_USER_PHOTO = ('Request_ResourceNotFound', 'ImageNotFound')
EMPTY_PHOTO = ('404', 'gif')

MODES = ('realistic', 'passthrough')
LOAD_MODELS = ('A', 'B')  # A: per-app cap; B: documented limits (service/load.py)


def _rate(value):
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError('rate must be between 0 and 1')
    return value


def _non_negative(kind):
    def convert(value):
        value = kind(value)
        if value < 0:
            raise ValueError('must not be negative')
        return value

    return convert


def _mode(value):
    if value not in MODES:
        raise ValueError('mode must be one of %s' % ', '.join(MODES))
    return value


def _quality(value):
    value = int(value)
    if not 1 <= value <= 100:
        raise ValueError('jpeg_quality must be 1..100')
    return value


def _dimension(value):
    value = int(value)
    if value < 1:
        raise ValueError('max_dimension must be positive')
    return value


def _choice(choices, name):
    def convert(value):
        value = str(value)
        if value not in choices:
            raise ValueError('%s must be one of %s' % (name, ', '.join(choices)))
        return value

    return convert


def _flag(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('1', 'true', 'yes', 'on'):
        return True
    if text in ('0', 'false', 'no', 'off'):
        return False
    raise ValueError('expected a boolean, got %r' % value)


def _load_model(value):
    value = str(value).upper()
    if value not in LOAD_MODELS:
        raise ValueError('load_model must be one of %s' % ', '.join(LOAD_MODELS))
    return value


CONVERTERS = {
    'mode': _mode,
    'jpeg_quality': _quality,
    'max_dimension': _dimension,
    'latency_ms': _non_negative(float),
    'concurrency_cap': _non_negative(int),
    'retry_after': _non_negative(float),
    'fault_503_rate': _rate,
    'fault_drop_rate': _rate,
    'fault_429_rate': _rate,
    'fault_429_burst': _dimension,
    'token_expire_every': _non_negative(int),
    'token_lifetime': _dimension,
    'token_early_expiry': _non_negative(float),
    'load_model': _load_model,
    'mailbox_concurrency': _non_negative(int),
    'request_rate': _non_negative(float),
    'request_burst': _non_negative(int),
    'write_rate': _non_negative(float),
    'write_burst': _non_negative(int),
    'unknown_user_photo': _choice(UNKNOWN_USER_PHOTO, 'unknown_user_photo'),
    'limited_members': _flag,
    'visibility_delay': _non_negative(float),
    'wrap_errors': _flag,
    'empty_photo': _choice(EMPTY_PHOTO, 'empty_photo'),
}


class RuntimeConfig:
    """Values read on every request; updates are atomic per call."""

    def __init__(self, **values):
        self._lock = threading.Lock()
        self._values = dict(DEFAULTS)
        self.update(values)

    def update(self, values):
        converted = {}
        for key, value in values.items():
            if key not in CONVERTERS:
                raise ValueError('unknown option %r' % key)
            if value is None:
                continue
            converted[key] = CONVERTERS[key](value)
        with self._lock:
            self._values.update(converted)
        return self.as_dict()

    def __getattr__(self, name):
        try:
            return self.__dict__['_values'][name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self):
        with self._lock:
            return dict(self._values)
