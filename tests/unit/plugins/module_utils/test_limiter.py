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


def request_in_another_thread(limiter, method, user):
    """(entered, thread): a request made from another thread; ``entered`` is set once it has its place."""
    entered = threading.Event()

    def request():
        with limiter.slot(method, user) as slot:
            entered.set()
            slot.report(200)

    worker = threading.Thread(target=request)
    worker.start()
    return entered, worker


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
    # 16 in flight; the service refuses 4 of them (answered first), then the other 12 succeed.
    round_trip(limiter, [429] * 4 + [200] * 12, clock)
    assert not limiter.slow_start
    assert limiter.throttled == 4
    assert limiter.decreases == 1  # one decrease for the round, not one per 429
    assert limiter.ceiling == 16
    assert 8.0 <= limiter.limit <= 9.0  # halved to 8; the 12 successes then add at most one


def test_429_never_leaves_the_limit_above_what_was_in_flight():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=32, maximum=256, clock=clock)
    # The client only filled 5 of its 32 places (busy elsewhere) when the service refused the 5th.
    round_trip(limiter, [429, 200, 200, 200, 200], clock)
    assert limiter.limit == 4.0
    assert limiter.ceiling == 5.0


def test_an_unused_limit_does_not_grow():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=4, maximum=256, clock=clock)
    for dummy in range(100):  # one request at a time: the client never fills its places
        answer(limiter, 200, clock=clock)
    assert limiter.limit == 4.0
    assert limiter.throttled == 0


def test_latency_rise_ends_slow_start_without_lowering():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=4, maximum=256, clock=clock)
    round_trip(limiter, [200] * 4, clock, rtt=0.05)
    assert limiter.limit == 8.0
    # The service queues: answers take four times as long; the limit stops growing, and stays.
    for dummy in range(4):
        round_trip(limiter, [200] * int(limiter.limit), clock, rtt=0.2)
        if not limiter.slow_start:
            break
    assert not limiter.slow_start
    held = limiter.limit
    assert 8.0 <= held < 32.0
    assert limiter.throttled == 0
    round_trip(limiter, [200] * int(limiter.limit), clock, rtt=0.2)
    assert limiter.limit <= held + 1.0  # one per round trip now, not doubling


def test_grows_one_per_round_trip_below_the_ceiling_then_probes_slowly():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=20, maximum=256, probe_after=300, clock=clock)
    round_trip(limiter, [429] + [200] * 19, clock)  # slow start ends: 20 -> 10, ceiling 20
    assert not limiter.slow_start and limiter.ceiling == 20
    start = limiter.limit
    assert 10.0 <= start <= 11.0
    for dummy in range(5):
        round_trip(limiter, [200] * int(limiter.limit), clock)
    assert limiter.limit >= start + 2.5  # back towards the ceiling, about one step per round trip
    while limiter.limit + 1.0 < 20.0:
        round_trip(limiter, [200] * int(limiter.limit), clock)
    at_ceiling = limiter.limit
    assert 19.0 <= at_ceiling < 20.0
    for dummy in range(299):
        round_trip(limiter, [200] * int(at_ceiling), clock)
        if limiter.limit != at_ceiling:
            break
    # Holds near the ceiling, and probes one more place only after probe_after successes.
    assert limiter.limit == int(at_ceiling) + 1
    assert limiter.requests - limiter.throttled >= 300


def test_429_at_the_ceiling_steps_back_once_per_round_trip():
    clock = FakeClock()
    limiter = AdaptiveLimiter(initial=10, maximum=256, clock=clock)
    round_trip(limiter, [429] + [200] * 9, clock)  # 10 -> 5
    before = limiter.limit
    assert 5.0 <= before <= 6.0
    round_trip(limiter, [429, 429, 429] + [200] * (int(before) - 3), clock)
    # One step back (10 % of the limit, at least one) for the whole round, not one per 429.
    assert limiter.decreases == 2
    assert before - 1.0 - 1e-9 <= limiter.limit <= before - 1.0 + 1.0
    assert limiter.limit < before
    round_trip(limiter, [429], clock)  # sent after the decrease: lowers again
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
    entered, worker = request_in_another_thread(limiter, 'GET', 'alice@contoso.example')
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
    shared_before = limiter.shared.limit
    for dummy in range(3):
        with limiter.slot('PUT', 'u@contoso.example') as slot:
            clock.now += 0.05
            slot.report(429)
    assert limiter.writes.limit == 1.0
    assert limiter.shared.limit == shared_before  # throttled writes do not slow the reads
    slots = [limiter.slot('GET', 'user%d@contoso.example' % n).__enter__() for n in range(4)]
    for slot in slots:
        slot.report(200)
        slot.__exit__(None, None, None)
    assert limiter.shared.limit > shared_before  # and the reads go on growing
    assert limiter.throttled == 3
    assert limiter.requests == 7
    assert limiter.peak == 4


def test_reads_and_writes_share_one_bound_on_all_requests():
    """A cap in flight counts reads and writes alike: the reads take the places the writes leave,
    and a read's 429 lowers the bound on all of them."""
    clock = FakeClock()
    limiter = GraphLimiter(initial=4, maximum=64, clock=clock)
    write = limiter.slot('PUT', 'writer@contoso.example').__enter__()
    reads = [limiter.slot('GET', 'reader%d@contoso.example' % n).__enter__() for n in range(3)]
    assert limiter.shared.in_flight == 4
    entered, worker = request_in_another_thread(limiter, 'GET', 'late@contoso.example')
    assert not entered.wait(0.2)  # four in flight, one of them a write: no place for a fourth read
    write.report(201)
    write.__exit__(None, None, None)
    assert entered.wait(5)  # the write's place went to the waiting read
    worker.join(5)
    before = limiter.shared.limit
    reads[0].report(429)
    for slot in reads:
        slot.__exit__(None, None, None)
    assert limiter.shared.limit < before
    assert limiter.writes.throttled == 0 and limiter.shared.throttled == 1


def test_user_lock_spans_reads_and_writes():
    limiter = GraphLimiter(initial=4, maximum=64)
    write = limiter.slot('PUT', 'carol@contoso.example').__enter__()
    assert limiter.users.is_busy('carol@contoso.example')
    got_read, worker = request_in_another_thread(limiter, 'GET', 'carol@contoso.example')
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

    def prepare(self, method, url, **kwargs):
        return method, url

    def send(self, prepared):
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
        assert limiter.shared.in_flight == 0
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
