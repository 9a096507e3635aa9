"""Load model: per-app concurrency cap, latency and injected faults (the order is in graph.py)."""

import random
import threading
import time


class LoadModel:
    def __init__(self, config, stats, fault_seed=None):
        self.config = config
        self.stats = stats
        self._lock = threading.Lock()
        self._in_flight = {}
        self._total = 0
        self._rng = random.Random(fault_seed)
        self._with_retry_after = False

    def try_acquire(self, app):
        """Admit a request or refuse it (429) when the app is at its cap; refused ones are not in flight."""
        cap = self.config.concurrency_cap
        with self._lock:
            current = self._in_flight.get(app, 0)
            if cap and current >= cap:
                return False
            self._in_flight[app] = current + 1
            self._total += 1
            total = self._total
        self.stats.concurrency(total, app, current + 1)
        return True

    def release(self, app):
        with self._lock:
            self._in_flight[app] -= 1
            self._total -= 1

    def hold(self):
        """Simulated service time, spent while the concurrency slot is held."""
        latency = self.config.latency_ms
        if latency > 0:
            time.sleep(latency / 1000.0)

    def roll_fault(self, allow_drop=True):
        """None, 'drop', '503' or '503-retry-after' (alternating, so exactly half carry Retry-After)."""
        drop_rate = self.config.fault_drop_rate if allow_drop else 0.0
        rate_503 = self.config.fault_503_rate
        if not drop_rate and not rate_503:
            return None
        with self._lock:
            roll = self._rng.random()
            if roll < drop_rate:
                fault = 'drop'
            elif roll < drop_rate + rate_503:
                self._with_retry_after = not self._with_retry_after
                fault = '503-retry-after' if self._with_retry_after else '503'
            else:
                fault = None
        if fault:
            self.stats.fault('drop' if fault == 'drop' else '503')
        return fault
