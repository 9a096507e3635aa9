"""Load models, latency and injected faults (the order of the steps is in graph.py).

Model A, per-app cap (the default): at most ``concurrency_cap`` Graph requests in flight per app
(token ``appid``), 429 beyond it.

Model B, the documented limits (reference §10): at most ``mailbox_concurrency`` requests in flight
per app and mailbox (the target user of a photo route), 429 beyond it; a tenant-wide token bucket
of ``request_rate`` requests/s with burst ``request_burst``; optionally a second bucket for writes
only (PUT/PATCH/DELETE), ``write_rate`` writes/s with burst ``write_burst``. An empty bucket
answers 429 with a fractional Retry-After: the time until it holds one token again. No per-app cap.

In both models a refused request does no work, takes no token and is not in flight. An admitted
request holds its slot for ``latency_ms`` with the handler's own work done inside that time
(``finish`` sleeps only the remainder), so a client that keeps the service busy reaches the floor:
model A ``ops x L / C``, model B ``max(ops / R, writes / W) + L``.
"""

import math
import random
import threading
import time

MODEL_A = 'A'
MODEL_B = 'B'
WRITE_METHODS = ('PUT', 'PATCH', 'DELETE')
# Reference §4/§10: Graph's 429 code is TooManyRequests; the MailboxConcurrency text is observed live.
THROTTLE_CODE = 'TooManyRequests'
CONCURRENCY_MESSAGE = 'Application is over its MailboxConcurrency limit.'
RATE_MESSAGE = 'Please retry again later.'


class Throttled:
    """Why a request was refused: the stats reason, the error message and the Retry-After seconds."""

    __slots__ = ('reason', 'message', 'retry_after')

    def __init__(self, reason, message, retry_after):
        self.reason = reason
        self.message = message
        self.retry_after = retry_after


class Admission:
    """An admitted request: what to release, and when its latency started."""

    __slots__ = ('app', 'mailbox', 'started')

    def __init__(self, app, mailbox, started):
        self.app = app
        self.mailbox = mailbox
        self.started = started


class TokenBucket:
    def __init__(self):
        self.tokens = None
        self.stamp = None

    def refill(self, now, rate, burst):
        if self.tokens is None:
            self.tokens = float(burst)
        else:
            self.tokens = min(float(burst), self.tokens + (now - self.stamp) * rate)
        self.stamp = now

    def wait(self, rate):
        """Seconds until one token is there, rounded up to the millisecond (never 0)."""
        return max(0.001, math.ceil((1.0 - self.tokens) / rate * 1000.0) / 1000.0)


class LoadModel:
    def __init__(self, config, stats, fault_seed=None):
        self.config = config
        self.stats = stats
        self._lock = threading.Lock()
        self._by_app = {}
        self._by_mailbox = {}
        self._total = 0
        self._requests = TokenBucket()
        self._writes = TokenBucket()
        self._rng = random.Random(fault_seed)
        self._with_retry_after = False
        self._burst_left = 0  # 429s still to answer in the current burst

    def admit(self, app, mailbox=None, write=False, arrived=None):
        """An Admission, or a Throttled saying why not. ``mailbox`` is the target user of a photo route;
        ``arrived`` is when the request came in (its latency counts from there; default: now)."""
        config = self.config
        model = config.load_model
        with self._lock:
            now = time.monotonic()
            refusal = self._refusal(config, model, now, app, mailbox, write)
            if refusal is None:
                self._total += 1
                app_count = self._by_app[app] = self._by_app.get(app, 0) + 1
                user_count = 0
                if mailbox is not None:
                    key = (app, mailbox)
                    user_count = self._by_mailbox[key] = self._by_mailbox.get(key, 0) + 1
                # Inside the lock, so the stats see the counts in the order they happened.
                self.stats.concurrency(self._total, app, app_count, user_count)
        if refusal is not None:
            self.stats.throttle(refusal.reason)
            return refusal
        return Admission(app, mailbox, min(arrived or now, now))

    def _refusal(self, config, model, now, app, mailbox, write):
        if model == MODEL_A:
            cap = config.concurrency_cap
            if cap and self._by_app.get(app, 0) >= cap:
                return Throttled('app_concurrency', CONCURRENCY_MESSAGE, config.retry_after)
            return None
        cap = config.mailbox_concurrency
        if mailbox is not None and cap and self._by_mailbox.get((app, mailbox), 0) >= cap:
            return Throttled('mailbox_concurrency', CONCURRENCY_MESSAGE, config.retry_after)
        rate, write_rate = config.request_rate, config.write_rate if write else 0
        if rate:
            self._requests.refill(now, rate, _burst(config.request_burst, rate))
            if self._requests.tokens < 1.0:
                return Throttled('request_rate', RATE_MESSAGE, self._requests.wait(rate))
        if write_rate:
            self._writes.refill(now, write_rate, _burst(config.write_burst, write_rate))
            if self._writes.tokens < 1.0:
                return Throttled('write_rate', RATE_MESSAGE, self._writes.wait(write_rate))
        # Both buckets have a token: only now is anything taken, so a refusal costs nothing.
        if rate:
            self._requests.tokens -= 1.0
        if write_rate:
            self._writes.tokens -= 1.0
        return None

    def release(self, admission):
        with self._lock:
            self._total -= 1
            _decrement(self._by_app, admission.app)
            if admission.mailbox is not None:
                _decrement(self._by_mailbox, (admission.app, admission.mailbox))
            self.stats.released(self._total)

    def finish(self, admission):
        """Sleep what is left of the latency after the handler's work; True when the work alone took longer."""
        latency = self.config.latency_ms / 1000.0
        left = latency - (time.monotonic() - admission.started)
        if left > 0:
            time.sleep(left)
            return False
        return latency > 0

    def roll_fault(self, allow_drop=True):
        """None, 'drop', '503', '503-retry-after' (alternating, so exactly half carry Retry-After) or '429'
        (a burst: ``fault_429_burst`` requests in a row, each with Retry-After)."""
        drop_rate = self.config.fault_drop_rate if allow_drop else 0.0
        rate_503 = self.config.fault_503_rate
        rate_429 = self.config.fault_429_rate
        if not drop_rate and not rate_503 and not rate_429 and not self._burst_left:
            return None
        with self._lock:
            if self._burst_left:
                self._burst_left -= 1
                fault = '429'
            else:
                fault = self._roll(drop_rate, rate_503, rate_429)
        if fault:
            self.stats.fault({'drop': 'drop', '429': '429'}.get(fault, '503'))
        return fault

    def _roll(self, drop_rate, rate_503, rate_429):
        """One roll of the fault generator (under the lock); the bands are drop, 503, 429."""
        roll = self._rng.random()
        if roll < drop_rate:
            return 'drop'
        if roll < drop_rate + rate_503:
            self._with_retry_after = not self._with_retry_after
            return '503-retry-after' if self._with_retry_after else '503'
        if roll < drop_rate + rate_503 + rate_429:
            self._burst_left = max(0, int(self.config.fault_429_burst) - 1)
            return '429'
        return None


def _decrement(counts, key):
    left = counts[key] - 1
    if left:
        counts[key] = left
    else:
        del counts[key]  # 10,000 users must not leave 10,000 zero entries behind


def _burst(burst, rate):
    """A bucket's size: as configured, or one second's worth when 0; at least one token."""
    return max(1, burst or math.ceil(rate))
