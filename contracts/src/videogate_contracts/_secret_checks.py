"""Contract test that the API key never leaks, and the texts it searches for a canary key."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import secrets
import traceback
from collections.abc import Iterator

from videogate import VideogateError
from videogate_contracts._context import ContractContext, settle
from videogate_contracts._double import POLL_FAULTS, SUBMIT_FAULTS
from videogate_contracts._faults import inject
from videogate_contracts._requests import simple_request

__all__ = ["SecretChecks"]


class SecretChecks:
    """The secret-handling test of :class:`~videogate_contracts.ProviderContract`."""

    def test_api_key_never_leaks(self, fresh: ContractContext) -> None:
        """A canary API key never appears in any error, repr, log record, task handle,
        native parameters or result, whatever the service answers.

        Fix: wrap the key in :class:`videogate.Secret` as soon as it is read, reveal it
        only where it is sent, and never put it in messages.
        """
        double = fresh.require_double()
        canary = "vgcanary" + secrets.token_hex(12)
        provider = double.make_provider(api_key=canary)
        try:
            with _log_texts() as logged:
                seen: list[tuple[str, str]] = [("repr(provider)", repr(provider))]
                native = provider.prepare(simple_request(fresh))
                seen.append(("native parameters", json.dumps(native, default=str)))
                double.script(["running", "succeeded"] if "running" in double.scriptable else [])
                task, state, error = fresh.run_task(provider, native)
                seen += [("task", repr(task)), ("state", repr(state))]
                if task is not None:
                    seen.append(("task.data", json.dumps(task.data, default=str)))
                if error is not None:
                    seen += list(_texts_of_error(error))
                for kind in double.supported_faults:
                    if kind in SUBMIT_FAULTS:
                        double.reset()
                        inject(double, kind, on="submit")
                        _, error = settle(provider, lambda: provider.submit(native))
                        if error is not None:
                            seen += [(f"{kind}: {w}", t) for w, t in _texts_of_error(error)]
                    if kind in POLL_FAULTS:
                        double.reset()
                        inject(double, kind, on="poll")
                        task, error = settle(provider, lambda: provider.submit(native))
                        if task is None:
                            continue
                        state, error = settle(provider, functools.partial(provider.poll, task))
                        if state is not None and state.error is not None:
                            error = state.error
                        if error is not None:
                            seen += [(f"{kind}: {w}", t) for w, t in _texts_of_error(error)]
        finally:
            provider.close()
        seen += [("log record", text) for text in logged]
        leaks = [where for where, text in seen if canary in text]
        assert not leaks, f"API key leaked: the canary key appears in {', '.join(leaks)}"


def _texts_of_error(err: BaseException) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every text an error and its causes show, and its traceback."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield f"str({type(current).__name__})", str(current)
        yield f"repr({type(current).__name__})", repr(current)
        yield f"args of {type(current).__name__}", repr(current.args)
        if isinstance(current, VideogateError):
            yield f"{type(current).__name__}.to_dict()", json.dumps(current.to_dict(), default=str)
        current = current.__cause__ or current.__context__
    yield "traceback", "".join(traceback.format_exception(err))


@contextlib.contextmanager
def _log_texts() -> Iterator[list[str]]:
    """The text of every log record (any logger, any level) emitted inside the block."""
    records = _Records()
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    try:
        yield records.texts
    finally:
        root.removeHandler(records)
        root.setLevel(saved_level)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
        self.texts.append(f"{record.name}: {text}")
