"""The contract suite tests itself: the reference provider passes it, and each deliberately
broken provider fails it with a message naming the broken property."""

from __future__ import annotations

import textwrap

import av  # noqa: F401 - in-process runs restore sys.modules; PyAV cannot load twice
import numpy  # noqa: F401 - same for numpy
import PIL.Image  # noqa: F401
import pytest

pytest_plugins = ["pytester"]

HEADER = """
import socket, time, uuid
import pytest
from videogate import (
    AuthenticationError, CancelOutcome, ProviderUnavailable, RateLimited, TaskFailed, TaskOutput,
    TaskState, TaskStatus,
)
from videogate_contracts import ProviderContract
from videogate_contracts.reference import ReferenceDouble, ReferenceProvider, ServiceError

class Broken(ReferenceProvider):
{body}

class BrokenDouble(ReferenceDouble):
    provider_class = Broken

class TestBroken(ProviderContract):
    option_values = {{"style": ["noir", "pastel"]}}
    def make_double(self):
        return BrokenDouble()
"""

REFERENCE = """
from videogate_contracts import ProviderContract
from videogate_contracts.reference import ReferenceDouble

class TestReference(ProviderContract):
    option_values = {"style": ["noir", "pastel", "neon"]}
    def make_double(self):
        return ReferenceDouble()
"""


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_contract=source)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q", *args)


ASYNC_CANCEL = """
from videogate_contracts import ProviderContract
from videogate_contracts.reference import ReferenceDouble, ReferenceService

class AsyncCancelService(ReferenceService):
    # The service takes a cancel request and stops the task one poll later.
    def cancel(self, task_id):
        task = self.tasks.get(task_id)
        if task is None or task.status != "queued" or (task.steps and task.steps[0] != "queued"):
            return False
        task.steps = ["queued", "cancelled"]
        return True

class AsyncCancelDouble(ReferenceDouble):
    def __init__(self):
        self.service = AsyncCancelService()

class TestAsyncCancel(ProviderContract):
    def make_double(self):
        return AsyncCancelDouble()
"""

DISCRETE_FPS = """
import attrs
from videogate import NumberRange
from videogate_contracts import ProviderContract
from videogate_contracts.reference import CAPABILITIES, ReferenceDouble, ReferenceProvider

class TwoRates(ReferenceProvider):
    capabilities = attrs.evolve(
        CAPABILITIES,
        fps=NumberRange.of(5, 12),
        durations=NumberRange.of(0.6, 1.2, 2),
        option_values={"style": ("noir", "pastel")},
    )

class TwoRatesDouble(ReferenceDouble):
    provider_class = TwoRates

class TestTwoRates(ProviderContract):
    def make_double(self):
        return TwoRatesDouble()
"""


@pytest.mark.parametrize(
    "source",
    [REFERENCE, ASYNC_CANCEL, DISCRETE_FPS],
    ids=["reference", "async_cancel", "discrete_fps"],
)
def test_correct_provider_passes(pytester, source):
    result = _run(pytester, source, "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 30, result.stdout.str()
    assert outcomes.get("skipped", 0) == 0, result.stdout.str()
    assert result.ret == 0, result.stdout.str()


BROKEN = {
    "drops_a_field": (
        """
    def prepare(self, request):
        native = super().prepare(request)
        native.pop("negative_prompt")
        return native
""",
        "test_prepare_maps_every_field",
        "negative_prompt did not change the native parameters",
    ),
    "marks_4xx_retryable": (
        """
    def map_error(self, exc):
        error = super().map_error(exc)
        if error.http_status == 400:
            error.retryable = True
        return error
""",
        "test_submit_fault_maps_to_the_right_error and invalid_parameter",
        "retryable must be False",
    ),
    "raw_exception_escapes": (
        """
    def map_error(self, exc):
        if not isinstance(exc, ServiceError):
            raise exc
        return super().map_error(exc)
""",
        "test_submit_fault_maps_to_the_right_error and malformed",
        "no raw exception escapes",
    ),
    "io_in_prepare": (
        """
    def prepare(self, request):
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=0.1).close()
        except OSError:
            pass
        return super().prepare(request)
""",
        "test_prepare_is_pure_and_deterministic",
        "prepare does I/O",
    ),
    "invents_fps": (
        """
    def poll(self, task):
        state = super().poll(task)
        if state.output is not None:
            output = TaskOutput(url=state.output.url, fps=30.0, seed=state.output.seed)
            state = TaskState(status=TaskStatus.SUCCEEDED, output=output)
        return state
""",
        "test_results_are_normalized",
        "invented fps value",
    ),
    "invents_seed": (
        """
    def poll(self, task):
        state = super().poll(task)
        if state.output is not None:
            output = TaskOutput(url=state.output.url, fps=state.output.fps, seed=42)
            state = TaskState(status=TaskStatus.SUCCEEDED, output=output)
        return state
""",
        "test_results_are_normalized",
        "invented seed value",
    ),
    "unstable_cache_key": (
        """
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = "reference-" + uuid.uuid4().hex[:8]
""",
        "test_cache_keys_are_stable_and_sensitive",
        "cache keys are stable",
    ),
    "key_in_error_message": (
        """
    def __init__(self, service=None, api_key="reference-key"):
        super().__init__(service, api_key=None)
        self.raw_key = api_key

    def submit(self, native):
        answer = self._service.create(native, self.raw_key)
        return super().submit(native) if False else __import__("videogate").TaskRef(
            task_id=answer["task_id"], provider=self.name)

    def map_error(self, exc):
        if isinstance(exc, ServiceError) and exc.status == 401:
            return AuthenticationError(f"key {self.raw_key} was rejected", provider=self.name)
        return super().map_error(exc)
""",
        "test_api_key_never_leaks",
        "API key leaked",
    ),
    "ignores_cancel": (
        """
    def cancel(self, task):
        return CancelOutcome.CANCELLED
""",
        "test_cancel_is_honored and queued",
        "the provider ignores cancel",
    ),
    "submits_in_stage": (
        """
    def stage(self, native):
        super().submit(native)
        return native
""",
        "test_stage_creates_no_task",
        "staging creates no task",
    ),
    "stage_drops_the_negative_prompt": (
        """
    def stage(self, native):
        return {**native, "negative_prompt": None}
""",
        "test_requests_reach_the_service_intact",
        "requests reach the service intact",
    ),
    "replaces_seed_zero": (
        """
    def submit(self, native):
        return super().submit({**native, "seed": native["seed"] or 12345})
""",
        "test_requests_reach_the_service_intact",
        "requests reach the service intact: the request has seed=0",
    ),
    "declares_more_than_the_service_takes": (
        """
    def submit(self, native):
        text = native["prompt"] + (native["negative_prompt"] or "")
        if len(text) > 250:
            raise ServiceError(400, "InvalidParameter", "input text is too long")
        return super().submit(native)
""",
        "test_service_accepts_every_boundary_request",
        "the service accepts what the capabilities allow",
    ),
    "rounds_durations": (
        """
    def submit(self, native):
        return super().submit({**native, "duration": max(1.0, float(int(native["duration"])))})
""",
        "test_distinct_values_reach_the_service_distinctly",
        "distinct values reach the service distinctly: duration=0.5 and duration=1.0",
    ),
    "false_cancel_when_running": (
        """
    def cancel(self, task):
        super().cancel(task)
        return CancelOutcome.CANCELLED
""",
        "test_cancel_is_honored and running",
        "cancel of a running task said CANCELLED but 5 polls later",
    ),
    "cancel_raises": (
        """
    def cancel(self, task):
        if not self._service.cancel(task.task_id):
            raise ServiceError(409, "TaskRunning", "the task cannot be cancelled now")
        return CancelOutcome.CANCELLED
""",
        "test_cancel_is_honored and finished",
        "cancel never raises",
    ),
    "reports_cancelled_as_failed": (
        """
    def poll(self, task):
        state = super().poll(task)
        if state.status is TaskStatus.CANCELLED:
            failed = TaskFailed("the task stopped", provider=self.name, task_id=task.task_id)
            return TaskState(status=TaskStatus.FAILED, error=failed)
        return state
""",
        "test_cancel_is_honored and queued",
        "the provider reports a cancelled task as failed",
    ),
    "sleeps_in_poll": (
        """
    def poll(self, task):
        time.sleep(1.2)
        return super().poll(task)
""",
        "test_poll_and_cancel_return_within_budget",
        "poll and cancel return within 1 s",
    ),
    "drops_retry_after": (
        """
    def map_error(self, exc):
        error = super().map_error(exc)
        if isinstance(error, RateLimited):
            return RateLimited(error.message, provider=self.name)
        return error
""",
        "test_submit_fault_maps_to_the_right_error and rate_limited",
        "retry_after carries the service's value",
    ),
    "class_name_as_message": (
        """
    def map_error(self, exc):
        error = super().map_error(exc)
        if isinstance(error, ProviderUnavailable):
            return ProviderUnavailable(type(exc).__name__, provider=self.name)
        return error
""",
        "test_submit_fault_maps_to_the_right_error and unavailable",
        "error messages are meaningful",
    ),
}


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_broken_provider_fails_naming_the_property(pytester, broken):
    body, selector, message = BROKEN[broken]
    source = HEADER.format(body=textwrap.indent(textwrap.dedent(body), "    "))
    result = _run(pytester, source, "-k", selector)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, result.stdout.str()
    assert message in result.stdout.str(), result.stdout.str()
    assert result.ret != 0


def test_override_without_xfail_fails(pytester):
    source = (
        REFERENCE
        + """
    def test_cancel_is_honored(self, fresh):
        pass
"""
    )
    result = _run(pytester, source, "-k", "DO_NOT_OVERRIDE")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_cancel_is_honored is overridden without*xfail*"])


def test_override_with_xfail_reason_is_allowed(pytester):
    source = (
        REFERENCE.replace("from videogate_contracts", "import pytest\nfrom videogate_contracts", 1)
        + """
    @pytest.mark.xfail(reason="the service cannot cancel queued tasks yet")
    def test_cancel_is_honored(self, fresh):
        raise AssertionError("known gap")
"""
    )
    result = _run(pytester, source, "-k", "DO_NOT_OVERRIDE or cancel_is")
    result.assert_outcomes(passed=1, xfailed=1)
    assert result.ret == 0


def test_xfail_is_strict(pytester):
    source = (
        REFERENCE.replace("from videogate_contracts", "import pytest\nfrom videogate_contracts", 1)
        + """
    @pytest.mark.xfail(reason="claimed gap")
    def test_cancel_is_honored(self, fresh):
        pass
"""
    )
    result = _run(pytester, source, "-k", "cancel_is")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict)*"])


WEAKENINGS = {
    "guard_overridden": (
        """
    def test_no_overrides_DO_NOT_OVERRIDE(self):
        pass

    def test_cancel_is_honored(self, fresh):
        pass
""",
        "*WEAKENED*test_no_overrides_DO_NOT_OVERRIDE was overridden*",
    ),
    "guard_skipped": (
        """
    @pytest.mark.skip(reason="later")
    def test_no_overrides_DO_NOT_OVERRIDE(self):
        pass
""",
        "*WEAKENED*carries a skip mark*",
    ),
    "class_skipped": (
        """
    pytestmark = pytest.mark.skip(reason="flaky")
""",
        "*WEAKENED*carries a skip mark*",
    ),
    "skip_in_a_fixture": (
        """
    @pytest.fixture
    def fresh(self, contract):
        pytest.skip("no time")
""",
        "*WEAKENED*was skipped outside the suite*",
    ),
}


@pytest.mark.parametrize("weakening", sorted(WEAKENINGS))
def test_weakening_the_contract_fails_the_run(pytester, weakening):
    body, line = WEAKENINGS[weakening]
    source = REFERENCE.replace(
        "from videogate_contracts", "import pytest\nfrom videogate_contracts", 1
    )
    result = _run(pytester, source + body, "-k", "DO_NOT_OVERRIDE or cancel_is or intact")
    assert result.ret != 0, result.stdout.str()
    result.stdout.fnmatch_lines([line])


MISSING_FAULT = """
from videogate_contracts import ProviderContract
from videogate_contracts.reference import ReferenceDouble

class NoAuthDouble(ReferenceDouble):
    supported_faults = ReferenceDouble.supported_faults - {"auth"}
    fault_opt_outs = {OPT_OUTS}

class TestNoAuth(ProviderContract):
    def make_double(self):
        return NoAuthDouble()
"""


def test_a_core_fault_the_double_neither_produces_nor_opts_out_of_fails(pytester):
    result = _run(pytester, MISSING_FAULT.replace("{OPT_OUTS}", "{}"), "-k", "submit_fault")
    assert result.parseoutcomes().get("failed") == 1, result.stdout.str()
    result.stdout.fnmatch_lines(["*neither produces 'auth' nor opts out of it*fault_opt_outs*"])


def test_an_opted_out_fault_is_skipped_with_its_reason_in_the_summary(pytester):
    source = MISSING_FAULT.replace("{OPT_OUTS}", '{"auth": "the service takes no key"}')
    result = _run(pytester, source, "-k", "submit_fault")
    assert result.parseoutcomes().get("skipped") == 1, result.stdout.str()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*videogate contract: skipped checks*",
            "*[[]auth[]]: the service double opted out of fault 'auth': the service takes no key",
        ]
    )


def test_deleted_contract_test_fails(pytester):
    source = REFERENCE + "\n    test_cancel_is_honored = None\n"
    result = _run(pytester, source, "-k", "DO_NOT_OVERRIDE")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_cancel_is_honored was deleted*"])
    assert result.ret != 0


def test_two_providers_in_one_session_pass_health_checks(pytester):
    """Inherited properties run for several subclasses in one session (hypothesis would
    refuse @given methods called from differing executors)."""
    source = REFERENCE + REFERENCE.split("\n", 3)[3].replace("TestReference", "TestAgain")
    result = _run(pytester, source, "-k", "pure_and or every_field or cache_keys")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 6 and not outcomes.get("failed"), result.stdout.str()
