# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Adaptive bound on requests in flight: find the service's pace without being told it.

Microsoft Graph throttles photos per app and mailbox (4 in flight), and per app and tenant (a
request budget); neither is announced, and what binds a bulk run is the budget and the latency.
The limiter therefore learns the pace from the answers, as TCP does:

* **slow start**: from a small start the limit grows by one per success, i.e. it doubles every
  round trip, until the first 429 (the limit is then halved, and never left above what was in
  flight when the service refused) or until the latency rises by half over the fastest round
  trip seen (the service queues: the limit stays). Only a limit the client fills grows;
* **holding near the limit**: after that the limit grows by one per round trip's worth of
  successes while it is below the last limit that was throttled, and only probes beyond it after
  many successes (each probe that finds the ceiling costs one 429); a 429 takes one step back
  (a tenth of the limit, at least one), once per round trip: the 429s of requests already in
  flight when the limit was lowered do not lower it again. A probe that passes the old ceiling
  without a 429 (the service got roomier) resumes the round-trip growth;
* the worker that got a 429 waits its ``Retry-After`` (the transport does) without holding a slot;
* never more than one request in flight per user (``slot(user=...)``): Graph counts concurrency
  per mailbox, and one user's requests gain nothing from running side by side.

``GraphLimiter`` bounds all requests together (the service's budget counts both) and the writes
on their own as well: a write quota (Entra's identity writes) that throttles uploads must not slow
the reads of users still to compare."""

from __future__ import annotations

import threading
import time

WRITE_METHODS = frozenset(['PUT', 'PATCH', 'POST', 'DELETE'])


class AdaptiveLimiter:
    """One lane of requests (reads, or writes) with an adaptive limit on how many are in flight.

    ``initial``: the limit at the start; ``maximum``: the most ever allowed (no lower bound than
    what the caller configures, at least 64 by default); ``probe_after``: successes at the known
    ceiling before one more slot is tried; ``backoff``: the share of the limit a 429 takes back
    once the ceiling is known; ``latency_rise``: the latency ratio (smoothed over fastest) that
    ends slow start. ``clock``: time source (tests)."""

    def __init__(
        self,
        initial=4,
        minimum=1,
        maximum=64,
        probe_after=300,
        backoff=0.1,
        latency_rise=1.5,
        clock=time.monotonic,
        name='requests',
        users=None,
    ):
        self.minimum = max(1, int(minimum))
        self.maximum = max(self.minimum, int(maximum))
        self.limit = float(max(self.minimum, min(int(initial), self.maximum)))
        self.probe_after = probe_after
        self.backoff = backoff
        self.latency_rise = latency_rise
        self.clock = clock
        self.name = name
        self.slow_start = True
        self.ceiling = None  # the last limit a 429 was seen at
        self.in_flight = 0
        self.peak = 0
        self.used = 0  # most requests in flight since the last decrease
        self.throttled = 0
        self.requests = 0
        self.decreases = 0
        self.rtt_min = None
        self.rtt_avg = None
        self._probe_credit = 0.0
        self._samples = 0
        self._sent = 0  # sequence number of the last request let through
        self._lowered_at = 0  # requests sent up to here were in flight when the limit was lowered
        self.users = users if users is not None else UserLocks()
        self._cond = threading.Condition()

    # -- the API the transport uses ------------------------------------------------------------
    def slot(self, method=None, user=None):
        """A context manager holding one place in flight (for ``user``, when given)."""
        return _Slot(self, user)

    # -- decisions -----------------------------------------------------------------------------
    def _acquire(self, user):
        if user is not None:
            self.users.enter(user)  # first the user's turn, then a place: a waiting user holds none
        with self._cond:
            while self.in_flight >= int(self.limit):
                self._cond.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.used = max(self.used, self.in_flight)
            self._sent += 1
            self.requests += 1
            return self._sent

    def _release(self, sequence, user, status, rtt):
        with self._cond:
            # Requests in flight when this answer came, itself included: what the service saw.
            observed = self.in_flight
            self.in_flight -= 1
            if status == 429:
                self.throttled += 1
                self._on_throttled(sequence, observed)
            elif status is not None and status < 500:
                self._on_success(rtt)
            # Wake one waiter per free place (all of them when the limit grew); waking every
            # worker on each answer only makes them fight for the lock.
            self._cond.notify(max(1, int(self.limit) - self.in_flight))
        if user is not None:
            self.users.leave(user)

    def _on_throttled(self, sequence, observed):
        if sequence <= self._lowered_at:
            return  # sent before the last decrease: that decrease already answered this overload
        limit = self.limit
        if self.slow_start:
            lowered = limit / 2.0
            self.slow_start = False
        else:
            lowered = limit - max(1.0, limit * self.backoff)
        # Never above what was really in flight when the service refused one more: a limit the
        # client did not use (it was busy elsewhere) says nothing about the service.
        self.limit = max(float(self.minimum), min(lowered, float(observed - 1)))
        self.ceiling = float(observed)
        self.used = min(self.used, int(self.limit))
        self.decreases += 1
        self._probe_credit = 0.0
        self._lowered_at = self._sent

    def _on_success(self, rtt):
        if rtt is not None:
            self._samples += 1
            self.rtt_min = rtt if self.rtt_min is None else min(self.rtt_min, rtt)
            self.rtt_avg = rtt if self.rtt_avg is None else 0.9 * self.rtt_avg + 0.1 * rtt
        if self.limit >= self.maximum:
            return
        # Grow only a limit that is used (TCP's cwnd-limited rule): at most twice the most requests
        # in flight so far in slow start, one more than that after it. While the client cannot fill
        # the limit (CPU-bound, few users left), successes say nothing about room for more.
        cap = float(min(self.maximum, 2 * self.used if self.slow_start else self.used + 1))
        if self.limit >= cap:
            return
        if self.slow_start:
            if self._samples >= 8 and self.rtt_avg > self.latency_rise * self.rtt_min:
                self.slow_start = False  # the service queues: hold here
                return
            self.limit = min(cap, self.limit + 1.0)
            return
        if self.ceiling is None or self.limit + 1.0 < self.ceiling or self.limit >= self.ceiling + 1.0:
            # Below the last throttled limit, or already past it without a 429: one more per round trip.
            self.limit = min(cap, self.limit + 1.0 / max(1.0, self.limit))
            return
        # At the known ceiling: probe one more slot after probe_after successes.
        self._probe_credit += 1.0
        if self._probe_credit >= self.probe_after:
            self._probe_credit = 0.0
            self.limit = min(cap, float(int(self.limit) + 1))

    def stats(self) -> dict:
        return {
            'limit': int(self.limit),
            'peak_in_flight': self.peak,
            'requests': self.requests,
            'throttled': self.throttled,
        }


class UserLocks:
    """One request in flight per user: a lock per user with a request in flight or waiting."""

    def __init__(self):
        self._lock = threading.Lock()
        self._users = {}  # user -> [lock, holders and waiters]
        self.busy = 0  # users with a request in flight (tests)

    def enter(self, user):
        with self._lock:
            entry = self._users.get(user)
            if entry is None:
                entry = self._users[user] = [threading.Lock(), 0]
            entry[1] += 1
        entry[0].acquire()
        with self._lock:
            self.busy += 1

    def leave(self, user):
        with self._lock:
            entry = self._users[user]
            self.busy -= 1
            entry[0].release()
            entry[1] -= 1
            if not entry[1]:
                del self._users[user]

    def is_busy(self, user) -> bool:
        with self._lock:
            entry = self._users.get(user)
            return entry is not None and entry[0].locked()


class _Slot:
    __slots__ = ('limiter', 'user', 'status', 'sequence', 'started')

    def __init__(self, limiter, user=None):
        self.limiter = limiter
        self.user = user
        self.status = None
        self.sequence = 0
        self.started = None

    def report(self, status):
        self.status = status

    def __enter__(self):
        self.sequence = self.limiter._acquire(self.user)
        self.started = self.limiter.clock()
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.limiter._release(self.sequence, self.user, self.status, self.limiter.clock() - self.started)
        return False


class GraphLimiter:
    """Reads and writes paced apart, under one bound for all requests.

    Every request takes a place in ``shared``, the bound on all requests in flight: the app's
    budget (a cap in flight, a request rate) counts reads and writes alike, so one bound lets
    reads use whatever places the writes leave. Two separate bounds would each settle on a share
    of it and leave the rest unused (measured: a first sync held 3 reads and 1 write in flight
    under a cap of 4 while the writes waited). A write also takes a place in ``writes``, its own
    bound: a 429 answered to a write lowers only that one, so a write quota (Entra's identity
    writes) that throttles uploads does not slow the reads of the users still to compare. A 429
    to a read lowers ``shared``. One request in flight per user across both."""

    def __init__(self, initial=4, maximum=64, clock=time.monotonic, **options):
        self.users = UserLocks()
        self.maximum = maximum
        self.shared = AdaptiveLimiter(initial=initial, maximum=maximum, clock=clock, name='requests', **options)
        self.writes = AdaptiveLimiter(initial=min(initial, 2), maximum=maximum, clock=clock, name='writes', **options)

    def slot(self, method=None, user=None):
        write = (method or 'GET').upper() in WRITE_METHODS
        return _GraphSlot(self, user, write)

    @property
    def peak(self) -> int:
        return self.shared.peak

    @property
    def throttled(self) -> int:
        return self.shared.throttled + self.writes.throttled

    @property
    def requests(self) -> int:
        return self.shared.requests

    def stats(self) -> dict:
        return {
            'peak_in_flight': self.peak,
            'throttled': self.throttled,
            'requests': self.requests,
            'shared': self.shared.stats(),
            'writes': self.writes.stats(),
        }


class _GraphSlot:
    """The user's turn, then (for a write) a write place, then a shared place; released in reverse."""

    __slots__ = ('owner', 'user', 'write', 'status', 'started', 'shared_sequence', 'write_sequence')

    def __init__(self, owner, user, write):
        self.owner = owner
        self.user = user
        self.write = write
        self.status = None
        self.started = None
        self.shared_sequence = self.write_sequence = 0

    def report(self, status):
        self.status = status

    def __enter__(self):
        owner = self.owner
        if self.user is not None:
            owner.users.enter(self.user)  # a user waiting for its turn holds no place
        if self.write:
            self.write_sequence = owner.writes._acquire(None)
        self.shared_sequence = owner.shared._acquire(None)
        self.started = owner.shared.clock()
        return self

    def __exit__(self, exc_type, exc, traceback):
        owner = self.owner
        rtt = owner.shared.clock() - self.started
        if self.write:
            # The shared bound counts a write's success towards growth but learns neither its 429
            # (the write bound's business) nor its latency (an upload is slower than a read).
            shared_status = None if self.status == 429 else self.status
            owner.shared._release(self.shared_sequence, None, shared_status, None)
            owner.writes._release(self.write_sequence, None, self.status, rtt)
        else:
            owner.shared._release(self.shared_sequence, None, self.status, rtt)
        if self.user is not None:
            owner.users.leave(self.user)
        return False
