"""The polling policy's invariants, as properties over windows, task times and answers."""

from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from videogate import LatencyPrior
from videogate._engine.pacing import (
    LatencyModel,
    PollPolicy,
    Window,
    first_poll,
    learned_time,
    window_of,
)

POLICY = PollPolicy()


@st.composite
def windows(draw):
    low = draw(st.floats(0, 600))
    typical = low + draw(st.floats(0, 600))
    high = typical + draw(st.floats(0, 600))
    return Window(low, typical, high, draw(st.integers(0, 64)))


def simulate(policy, window, task_seconds, retry_afters=()):
    """Poll times of one task that ends ``task_seconds`` after submit; each entry of
    ``retry_afters`` is the Retry-After of one answer (then none)."""
    times, now, polls, hints = [], 0.0, 0, list(retry_afters)
    hint = None
    while True:
        since = None if not times else now - times[-1]
        now += policy.next_delay(
            window, elapsed=now, polls=polls, since_last=since, retry_after=hint
        )
        times.append(now)
        polls += 1
        if now >= task_seconds or polls > 100_000:
            return times
        hint = hints.pop(0) if hints else None


@given(
    windows() | st.none(),
    st.floats(0, 2000),
    st.lists(st.floats(0, 60) | st.none(), max_size=5),
    st.floats(0.1, 10),
)
def test_no_two_polls_of_a_task_closer_than_the_step(window, task, hints, budget):
    policy = PollPolicy(budget=budget)
    times = simulate(policy, window, task, hints)
    step = policy.step(window)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= step - 1e-9 for gap in gaps)
    assert times[-1] >= task  # the end is always seen
    if window is not None:
        assert times[0] >= window.low - 1e-9  # nothing before the low quantile


@given(windows(), st.floats(0, 100), st.integers(0, 50), st.floats(0, 100), st.floats(0, 120))
def test_retry_after_is_honoured(window, elapsed, polls, since, retry_after):
    delay = POLICY.next_delay(
        window, elapsed=elapsed, polls=polls, since_last=since, retry_after=retry_after
    )
    assert delay >= retry_after


@given(st.lists(st.floats(0, 3600), min_size=1, max_size=64), st.floats(0.01, 10))
def test_learned_windows_are_ordered(samples, budget):
    window = window_of(samples, None, PollPolicy(budget=budget))
    assert window is not None
    assert 0 <= window.low <= window.typical <= window.high
    assert window.samples == len(samples)


def test_mean_detection_delay_uses_the_budget_and_no_more():
    rng = random.Random(7)
    for nominal in (30.0, 60.0, 120.0, 300.0):
        learned = [nominal * rng.uniform(0.8, 1.2) for _ in range(20)]
        window = window_of(learned, None, POLICY)
        delays, queries = [], []
        for _ in range(500):
            task = nominal * rng.uniform(0.8, 1.2)
            times = simulate(POLICY, window, task)
            delays.append(times[-1] - task)
            queries.append(len(times))
        mean_delay = sum(delays) / len(delays)
        assert mean_delay <= POLICY.budget
        assert mean_delay >= POLICY.budget / 3  # the budget is used, not wasted on queries
        # About 1 + 0.4 T / (2 budget) queries: far fewer than a fixed 1-5 s schedule.
        assert sum(queries) / len(queries) <= 2 + 0.4 * nominal / (2 * POLICY.budget * 0.9)


def sdk_wait_queries(task_seconds):
    """Status queries of the DashScope SDK's own ``wait()`` for a task of that length: a
    query after sleeps of 1, 1, 2, 2, 2, 4, 4, 4, 5, 5, ... seconds."""
    now, sleep, queries = 0.0, 1.0, 0
    while True:
        queries += 1
        if now >= task_seconds:
            return queries
        if queries % 3 == 0:
            sleep = min(5.0, sleep * 2.0)
        now += sleep


@given(st.floats(0, 3600))
def test_a_first_run_never_queries_more_than_the_sdk(task):
    # Nothing learned yet: the provider's prior (wan's) places the first poll, and the step
    # grows with the task's age up to the whole budget, the SDK's own pace once its steps
    # reach 5 s.
    prior = LatencyPrior(low=15.0, typical=90.0, high=300.0)
    window = window_of([], prior, POLICY)
    assert POLICY.interval(window, 15.0, 1) == POLICY.max_step < 2 * POLICY.budget
    assert POLICY.interval(window, 200.0, 30) == 2 * POLICY.budget
    learned = window_of([200.0], prior, POLICY)  # one learned time: the usual step
    assert POLICY.interval(learned, 200.0, 30) == POLICY.max_step
    assert len(simulate(POLICY, window, task)) <= sdk_wait_queries(task)
    assert [sdk_wait_queries(t) for t in (0, 1, 2, 4, 6, 8, 12, 16, 20, 25)] == list(range(1, 11))


@given(st.lists(st.floats(0, 3600), min_size=1, max_size=64), st.floats(0, 30))
def test_the_first_poll_spends_the_allowed_wait_on_tasks_already_over(samples, allowed):
    ordered = sorted(samples)
    first = first_poll(ordered, allowed)
    waits = [max(0.0, first - s) for s in ordered]
    assert first >= ordered[0]
    assert abs(sum(waits) / len(waits) - allowed) <= 1e-6 * max(1.0, first)


def test_a_first_poll_that_comes_too_late_moves_earlier():
    # Tasks take 240-360 s, but the times learned so far say 330-350: most tasks are over at
    # the first poll. Learned as ended before it, they pull the window down to the truth.
    rng = random.Random(3)
    samples = [rng.uniform(330.0, 350.0) for _ in range(20)]
    assert window_of(samples, None, POLICY).low > 320.0
    delays = []
    for _ in range(200):
        window = window_of(samples[-64:], None, POLICY)
        task = rng.uniform(240.0, 360.0)
        times = simulate(POLICY, window, task)
        delays.append(times[-1] - task)
        samples.append(learned_time(times[-2] if len(times) > 1 else None, times[-1]))
    assert window_of(samples[-64:], None, POLICY).low <= 250.0
    assert sum(delays[-64:]) / 64 <= POLICY.budget
    assert learned_time(None, 300.0) < 300.0
    assert learned_time(290.0, 296.0) == 293.0


def test_first_poll_comes_from_the_model():
    instant = window_of([], LatencyPrior(low=0.0, typical=1.0, high=30.0), POLICY)
    assert POLICY.next_delay(instant, elapsed=0.0, polls=0, since_last=None) == 0.0
    slow = window_of([], LatencyPrior(low=15.0, typical=90.0, high=300.0), POLICY)
    assert POLICY.next_delay(slow, elapsed=0.0, polls=0, since_last=None) == 15.0
    # No prior and no history: poll at once, like the SDK.
    assert POLICY.next_delay(None, elapsed=0.0, polls=0, since_last=None) == 0.0
    # Learned times win over the prior, and a time-scaled policy scales the prior.
    learned = window_of([40.0] * 10, LatencyPrior(low=15.0, typical=90.0, high=300.0), POLICY)
    assert learned is not None and 30.0 < learned.low <= 40.0
    fast = POLICY.scaled(0.01)
    scaled = window_of([], LatencyPrior(low=15.0, typical=90.0, high=300.0), fast)
    assert scaled is not None and abs(scaled.low - 0.15) < 1e-9


def test_eta_and_progress_follow_the_window():
    window = Window(50.0, 60.0, 70.0, 20)
    assert POLICY.eta(window, 10.0) == 50.0
    assert POLICY.eta(None, 10.0) is None
    early, late = POLICY.progress(window, 10.0), POLICY.progress(window, 65.0)
    assert early is not None and late is not None and 0 < early < late <= 0.95


def test_model_keeps_a_bounded_history_per_class():
    model = LatencyModel(keep=8)
    model.load("k", [5.0, 4.0, 3.0])  # newest first, as the store gives them
    assert model.samples("k") == [3.0, 4.0, 5.0]
    model.load("k", [99.0])  # already known: the live history wins
    for value in range(20):
        model.observe("k", float(value))
    assert model.samples("k") == [float(v) for v in range(12, 20)]


@given(
    windows(),
    st.integers(1, 50),
    st.floats(0.1, 1000),
    st.floats(0.0, 0.5),
    st.floats(0.1, 10),
)
def test_contended_polling_narrows_the_budget_within_the_query_rate(
    window, slots, rate, share, budget
):
    policy = PollPolicy(budget=budget, slot_idle=share)
    narrowed = policy.contended(window, slots, rate)
    assert narrowed.budget <= policy.budget
    step = narrowed.step(window)
    # Polling every running task at this step stays within 80 % of the account's rate.
    assert step >= min(policy.step(window), slots / (rate * 0.8)) - 1e-9
    assert step >= policy.min_interval
    if share * window.typical >= budget:
        assert narrowed == policy  # long tasks: the usual budget already is a small share


def test_contended_polling_on_short_and_long_tasks():
    policy = PollPolicy()  # DashScope: 5 slots, 20 queries/s
    short = Window(9.0, 10.0, 11.0, 20)
    assert policy.step(short) == 1.5
    # 2 % of 10 s would be a 0.3 s step; 5 tasks polled at 80 % of 20 queries/s need 0.3125.
    assert abs(policy.contended(short, 5, 20).step(short) - 0.3125) < 1e-9
    long = Window(250.0, 300.0, 350.0, 20)
    assert policy.contended(long, 5, 20) == policy
    assert PollPolicy(slot_idle=0).contended(short, 5, 20) == PollPolicy(slot_idle=0)
    assert policy.contended(None, 5, 20) == policy


def test_learned_times_are_service_seconds_on_any_clock():
    # Times are kept in service seconds; a policy on a clock 100x faster sees them scaled,
    # like the priors, so runs against a fast emulator and real runs share one history.
    real = window_of([100.0] * 10, None, POLICY)
    fast = window_of([100.0] * 10, None, POLICY.scaled(0.01))
    assert real is not None and fast is not None
    assert abs(fast.typical - real.typical / 100) < 1e-9
    assert abs(fast.low - real.low / 100) < 1e-6
