"""Thread-safe request counters exposed at /_fake/stats."""

import threading


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self._data = None
        self.reset()

    def reset(self):
        with self._lock:
            self._data = {
                'total': 0,
                'by_route': {},
                'by_method': {},
                'by_status': {},
                'token_requests': 0,
                'assertions': {},  # accepted client assertions by form: 'PS256 x5t#S256', 'RS256 x5t', 'federated'
                'peak_concurrency': 0,
                'peak_concurrency_by_app': {},
                'bytes_in': 0,
                'bytes_out': 0,
                'throttled': 0,
                'throttled_by_reason': {},
                'ops': 0,
                'writes': 0,
                'ops_over_latency': 0,
                'peak_concurrency_per_user': 0,
                'in_flight': 0,
                'batch_items': 0,
                'faults_injected': {'503': 0, 'drop': 0, '429': 0, 'token_expiry': 0},
            }

    def record(self, route, method, status, bytes_in=0, bytes_out=0, batch_item=False):
        """One answered (or dropped) request; status may be 'drop'."""
        status = str(status)
        with self._lock:
            data = self._data
            data['total'] += 1
            per_route = data['by_route'].setdefault(route, {})
            per_route[status] = per_route.get(status, 0) + 1
            data['by_method'][method] = data['by_method'].get(method, 0) + 1
            data['by_status'][status] = data['by_status'].get(status, 0) + 1
            data['bytes_in'] += bytes_in
            data['bytes_out'] += bytes_out
            if batch_item:
                data['batch_items'] += 1
            if status == '429':
                data['throttled'] += 1

    def token_request(self):
        with self._lock:
            self._data['token_requests'] += 1

    def assertion(self, form):
        with self._lock:
            counts = self._data['assertions']
            counts[form] = counts.get(form, 0) + 1

    def fault(self, kind):
        with self._lock:
            self._data['faults_injected'][kind] += 1

    def concurrency(self, total, app, app_count, user_count=0):
        """In flight after an admission: overall, for this app, for this app and target user."""
        with self._lock:
            data = self._data
            data['in_flight'] = total
            if total > data['peak_concurrency']:
                data['peak_concurrency'] = total
            if app_count > data['peak_concurrency_by_app'].get(app, 0):
                data['peak_concurrency_by_app'][app] = app_count
            if user_count > data['peak_concurrency_per_user']:
                data['peak_concurrency_per_user'] = user_count

    def released(self, total):
        with self._lock:
            self._data['in_flight'] = total

    def throttle(self, reason):
        """A request refused by the load model (or a scenario 429): no work was done."""
        with self._lock:
            by_reason = self._data['throttled_by_reason']
            by_reason[reason] = by_reason.get(reason, 0) + 1

    def op(self, write, over_latency=False):
        """A request that did work (its handler ran): what the floors of the load models count."""
        with self._lock:
            data = self._data
            data['ops'] += 1
            if write:
                data['writes'] += 1
            if over_latency:
                data['ops_over_latency'] += 1

    def snapshot(self):
        with self._lock:
            data = self._data
            copy = dict(data)
            copy['by_route'] = {k: dict(v) for k, v in data['by_route'].items()}
            for key in ('by_method', 'by_status', 'peak_concurrency_by_app', 'faults_injected', 'throttled_by_reason', 'assertions'):
                copy[key] = dict(data[key])
            return copy
