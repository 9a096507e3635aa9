# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""Adaptive bound on requests in flight: back off when the service throttles, grow slowly
while it is healthy, so a bulk run sits near the service's concurrency limit without a
throttling storm (Graph keeps counting requests made while a client is throttled)."""

from __future__ import annotations

import threading


class AdaptiveLimiter:
    def __init__(self, initial=4, minimum=1, maximum=16, decrease=0.75, probe_after=50):
        self.limit = float(max(minimum, min(initial, maximum)))
        self.minimum = minimum
        self.maximum = maximum
        self.decrease = decrease
        # Successes needed at the current limit before trying one more slot: large, because a
        # probe that hits the limit costs a 429 and a Retry-After wait for that worker.
        self.probe_after = probe_after
        self.in_flight = 0
        self.peak = 0
        self.throttled = 0
        self._successes = 0
        self._cond = threading.Condition()

    def slot(self):
        return _Slot(self)

    def _acquire(self):
        with self._cond:
            while self.in_flight >= int(self.limit):
                self._cond.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def _release(self, status):
        with self._cond:
            self.in_flight -= 1
            if status == 429:
                self.throttled += 1
                # One 429 right after growing means the last probe found the ceiling: step back.
                # 429s with no success in between mean a storm: back off multiplicatively.
                step_back = self.limit - 1.0 if self._successes else self.limit * self.decrease
                self.limit = max(float(self.minimum), step_back)
                self._successes = 0
            elif status is not None and status < 500:
                self._successes += 1
                if self._successes >= self.probe_after * int(self.limit) and self.limit < self.maximum:
                    self.limit = min(float(self.maximum), int(self.limit) + 1.0)
                    self._successes = 0
            # Wake one waiter per freed slot (all of them when the limit grew); waking every
            # worker on each response only makes them fight for the lock.
            self._cond.notify(max(1, int(self.limit) - self.in_flight))


class _Slot:
    def __init__(self, limiter):
        self.limiter = limiter
        self.status = None

    def report(self, status):
        self.status = status

    def __enter__(self):
        self.limiter._acquire()
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.limiter._release(self.status)
        return False
