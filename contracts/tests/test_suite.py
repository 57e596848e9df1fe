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
import socket, uuid
import pytest
from videogate import CancelOutcome, AuthenticationError, TaskOutput, TaskState, TaskStatus
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


def test_reference_provider_passes(pytester):
    result = _run(pytester, REFERENCE, "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 20
    # Only the engine may be skipped (when it is not installed), with its reason shown.
    assert outcomes.get("skipped", 0) <= 1, result.stdout.str()


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
        "test_cancel_is_honored",
        "ignores cancel",
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
    result = _run(pytester, source, "-k", "DO_NOT_OVERRIDE or cancel")
    result.assert_outcomes(passed=1, xfailed=1)


def test_deleted_contract_test_fails(pytester):
    source = REFERENCE + "\n    test_cancel_is_honored = None\n"
    result = _run(pytester, source, "-k", "DO_NOT_OVERRIDE")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_cancel_is_honored was deleted*"])


def test_two_providers_in_one_session_pass_health_checks(pytester):
    """Inherited properties run for several subclasses in one session (hypothesis would
    refuse @given methods called from differing executors)."""
    source = REFERENCE + REFERENCE.split("\n", 3)[3].replace("TestReference", "TestAgain")
    result = _run(pytester, source, "-k", "pure_and or every_field or cache_keys")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 6 and not outcomes.get("failed"), result.stdout.str()
