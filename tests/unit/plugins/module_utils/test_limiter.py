"""The adaptive limiter's decisions on scripted sequences of answers (no network, no timing)."""

import threading

from ansible_collections.m365.photos.plugins.module_utils._graph.limiter import AdaptiveLimiter, GraphLimiter
from ansible_collections.m365.photos.plugins.module_utils._graph.transport import RetryPolicy, send_with_retries


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def answer(limiter, status, rtt=0.05, clock=None, user=None):
    """One request through the limiter that takes ``rtt`` seconds and gets ``status``."""
    with limiter.slot('GET', user) as slot:
        if clock is not None:
            clock.now += rtt
        slot.report(status)


def round_trip(limiter, statuses, clock, rtt=0.05):
    """Requests in flight together (as many as the limit allows), answered with ``statuses``."""
    slots = [limiter.slot('GET').__enter__() for dummy in statuses]
    clock.now += rtt
    for slot, status in zip(slots, statuses):
        slot.report(status)
        slot.__exit__(None, None, None)


def test_slow_start_doubles_per_round_trip():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=1, maximum=256, clock=clock)
    seen = []
    for dummy in range(5):
        seen.append(int(limiter.limit))
        round_trip(limiter, [200] * int(limiter.limit), clock)
    assert seen == [1, 2, 4, 8, 16]
    assert limiter.slow_start


def test_first_429_halves_and_ends_slow_start():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=16, maximum=256, clock=clock)
    round_trip(limiter, [200] * 12 + [429] * 4, clock)
    # 12 successes grew it to 28 first; the first 429 halves that, the other three of the same round do not.
    assert limiter.limit == 14.0
    assert not limiter.slow_start
    assert limiter.throttled == 4
    assert limiter.decreases == 1


def test_no_fixed_bound_below_the_maximum():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=1, maximum=200, clock=clock)
    while limiter.limit < 200:
        round_trip(limiter, [200] * int(limiter.limit), clock)
    assert limiter.limit == 200
    answer(limiter, 200, clock=clock)
    assert limiter.limit == 200


def test_latency_rise_ends_slow_start_without_lowering():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=4, maximum=256, clock=clock)
    round_trip(limiter, [200] * 4, clock, rtt=0.05)
    grown = limiter.limit
    for dummy in range(40):  # the service queues: answers take four times as long
        answer(limiter, 200, rtt=0.2, clock=clock)
        if not limiter.slow_start:
            break
    assert not limiter.slow_start
    assert limiter.limit >= grown
    assert limiter.throttled == 0


def test_grows_one_per_round_trip_below_the_ceiling_then_probes_slowly():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=20, maximum=256, probe_after=300, clock=clock)
    round_trip(limiter, [429], clock)  # slow start ends: 20 -> 10, ceiling 20
    assert limiter.limit == 10.0
    for dummy in range(9):
        round_trip(limiter, [200] * int(limiter.limit), clock)
    assert limiter.limit >= 18.0  # back towards the ceiling one step per round trip
    while limiter.limit + 1.0 < 20.0:
        answer(limiter, 200, clock=clock)
    at_ceiling = limiter.limit
    for dummy in range(299):
        answer(limiter, 200, clock=clock)
    assert limiter.limit == at_ceiling  # holds near the ceiling ...
    answer(limiter, 200, clock=clock)
    assert limiter.limit == int(at_ceiling) + 1  # ... and probes one more slot after probe_after successes


def test_429_at_the_ceiling_steps_back_once_per_round_trip():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=10, maximum=256, clock=clock)
    round_trip(limiter, [429], clock)  # 10 -> 5
    assert limiter.limit == 5.0
    round_trip(limiter, [200] * 5, clock)
    before = limiter.limit
    round_trip(limiter, [429, 429, 429] + [200] * (int(before) - 3), clock)
    # One step back (10 % of the limit, at least one) for the whole round, not one per 429.
    assert limiter.limit < before
    assert limiter.limit >= before - 1.0 - 1e-9 or limiter.limit == before - max(1.0, before * 0.1)
    assert limiter.decreases == 2
    round_trip(limiter, [429], clock)  # a new round trip, sent after the decrease: lowers again
    assert limiter.decreases == 3


def test_never_below_minimum():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=1, maximum=8, clock=clock)
    for dummy in range(10):
        round_trip(limiter, [429], clock)
    assert limiter.limit == 1.0
    assert limiter.throttled == 10


def test_one_request_in_flight_per_user():
    limiter = AdaptiveLimiter(initial=8, maximum=8)
    first = limiter.slot('GET', 'alice@contoso.example').__enter__()
    entered = threading.Event()

    def second_request():
        with limiter.slot('GET', 'alice@contoso.example') as slot:
            entered.set()
            slot.report(200)

    worker = threading.Thread(target=second_request)
    worker.start()
    # Another user is not held up by alice's request ...
    with limiter.slot('GET', 'bob@contoso.example') as slot:
        slot.report(200)
    # ... but alice's second request waits for her first, although places are free.
    assert not entered.wait(0.2)
    assert limiter.in_flight == 1
    first.report(200)
    first.__exit__(None, None, None)
    assert entered.wait(5)
    worker.join(5)
    assert limiter.in_flight == 0


def test_reads_and_writes_are_paced_apart():
    clock = FakeClock()
    limiter = GraphLimiter(initial=4, maximum=64, clock=clock)
    reads_before = limiter.reads.limit
    for dummy in range(3):
        with limiter.slot('PUT', 'u@contoso.example') as slot:
            clock.now += 0.05
            slot.report(429)
    assert limiter.writes.limit == 1.0
    assert limiter.reads.limit == reads_before  # throttled writes do not slow the reads
    with limiter.slot('GET', 'u@contoso.example') as slot:
        slot.report(200)
    assert limiter.reads.limit == reads_before + 1
    assert limiter.throttled == 3
    assert limiter.requests == 4


def test_user_lock_spans_reads_and_writes():
    limiter = GraphLimiter(initial=4, maximum=64)
    write = limiter.slot('PUT', 'carol@contoso.example').__enter__()
    assert limiter.users.is_busy('carol@contoso.example')
    got_read = threading.Event()

    def read():
        with limiter.slot('GET', 'carol@contoso.example') as slot:
            got_read.set()
            slot.report(200)

    worker = threading.Thread(target=read)
    worker.start()
    assert not got_read.wait(0.2)
    write.report(200)
    write.__exit__(None, None, None)
    assert got_read.wait(5)
    worker.join(5)


class ScriptedHttp:
    """Answers requests from a script of (status, Retry-After) pairs."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = 0

    def request(self, method, url, **kwargs):
        self.calls += 1
        status, retry_after = self.script.pop(0)
        return Response(status, retry_after)


class Response:
    def __init__(self, status, retry_after):
        self.status_code = status
        self.headers = {'Retry-After': retry_after} if retry_after is not None else {}
        self.content = b''
        self.text = ''
        self.reason = 'scripted'


def test_retry_after_is_honoured_by_the_worker_that_got_it_outside_its_slot():
    limiter = GraphLimiter(initial=2, maximum=64)
    waits = []

    def sleep(seconds):
        # While this worker waits, it holds no place in flight and its user is free.
        assert limiter.reads.in_flight == 0
        assert not limiter.users.is_busy('dave@contoso.example')
        waits.append(seconds)

    http = ScriptedHttp([(429, '0.25'), (429, '1.5'), (200, None)])
    policy = RetryPolicy(max_retries=5, sleep=sleep)
    response = send_with_retries(
        http, 'GET', 'https://graph.example/v1.0/users/dave/photo', policy, limiter=limiter, limit_key='dave@contoso.example'
    )
    assert response.status_code == 200
    assert waits == [0.25, 1.5]
    assert limiter.throttled == 2
    assert http.calls == 3
