"""Poll pacing stays within the configured bounds whatever it has learned."""

from hypothesis import given
from hypothesis import strategies as st

from videogate._engine.pacing import Estimate, PollPolicy

bounds = st.tuples(st.floats(0.001, 5), st.floats(0.001, 60)).map(sorted)
estimates = st.none() | st.builds(
    Estimate, st.floats(0, 1000), st.floats(0, 500), st.integers(0, 100)
)


@given(bounds, st.floats(0, 5000), st.integers(0, 1000), estimates)
def test_every_interval_is_within_min_and_max(limits, elapsed, polls, estimate):
    low, high = limits
    policy = PollPolicy(min_interval=low, max_interval=high)
    interval = policy.next_interval(elapsed, polls, estimate)
    assert low <= interval <= high


def test_a_small_max_caps_the_first_poll_of_a_long_prior():
    policy = PollPolicy(min_interval=0.01, max_interval=0.02)
    assert policy.next_interval(0.0, 0, Estimate(120.0, 60.0)) == 0.02
