"""The contract-suite service double of ``wan``: the DashScope emulator on loopback.

Offered to videogate-contracts through the ``contract_service_double`` hook of
:mod:`videogate_wan._plugin`; imported only when the suite runs. The emulator runs on a
clock, so scripts reproduce their outcome and transient faults, not each status.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from videogate import Provider, Size

__all__ = ["EmulatorDouble", "make_double"]

_HOLD = 20
#: Parameters and inputs that carry a provider option, as the service received them.
_OPTION_PARAMETERS = ("audio", "prompt_extend", "resolution", "shot_type", "watermark")
_TIMEOUT = 0.5

# Fault kind of the contract suite -> (emulator fault kind, fields) on submit.
_SUBMIT: dict[str, tuple[str, dict[str, Any]]] = {
    "invalid_parameter": ("error", {"status": 400, "code": "InvalidParameter"}),
    "auth": ("error", {"status": 401, "code": "InvalidApiKey"}),
    "permission": ("error", {"status": 403, "code": "AccessDenied.Unpurchased"}),
    "rate_limited": ("throttle", {}),
    "unavailable": ("error", {"status": 503, "code": "ServiceUnavailable"}),
    "malformed": ("malformed", {}),
    "content_rejected": ("reject", {}),
    "timeout": ("latency", {"seconds": _TIMEOUT * 3}),
}
# Fault kinds acting on the next task (its first and later polls).
_TASK: dict[str, tuple[str, dict[str, Any]]] = {
    "task_failed": ("fail", {}),
    "content_rejected": ("reject_output", {}),
    "expired": ("unknown", {}),
}


class EmulatorDouble:
    """A ``videogate_contracts.ServiceDouble`` over the DashScope emulator."""

    supported_faults: frozenset[str] = frozenset(set(_SUBMIT) | set(_TASK))
    #: The emulator produces every core fault.
    fault_opt_outs: Mapping[str, str] = {}
    scriptable: frozenset[str] = frozenset(
        {"queued", "running", "succeeded", "failed", "rate_limited", "unavailable", "malformed"}
    )

    def __init__(self) -> None:
        from videogate_wan.emulator import Emulator

        self.emulator = Emulator().start()

    @property
    def submissions(self) -> int:
        # A submit the client gave up on (the timeout fault) still creates its task a moment
        # later: count it with the job that sent it, not with the next one.
        self.emulator.settle()
        return int(self.emulator.stats()["submissions"])

    def reset(self) -> None:
        self.emulator.settle()
        self.emulator.reset()

    def _http_fault(self, kind: str, endpoint: str, params: dict[str, Any]) -> None:
        emulated, fields = _SUBMIT[kind]
        fields = dict(fields)
        if kind == "rate_limited":
            fields["seconds"] = params.get("retry_after", 1.0)
        self.emulator.inject(emulated, endpoint=endpoint, **fields)

    def script(self, steps: Sequence[str]) -> None:
        queued = next((i for i, step in enumerate(steps) if step != "queued"), len(steps))
        running = next(
            (i for i, step in enumerate(steps[queued:]) if step != "running"), len(steps) - queued
        )
        if queued >= _HOLD:
            self.emulator.inject("stuck", state="PENDING")
            return
        if running >= _HOLD:
            self.emulator.inject("stuck", state="RUNNING")
            return
        for step in steps:
            if step in ("rate_limited", "unavailable", "malformed"):
                self._http_fault(step, "query", {"retry_after": 0.01})
            elif step == "failed":
                self.emulator.inject("fail", code="Algo.RenderFailed")
                return
            elif step == "succeeded":
                return

    def fault(self, kind: str, *, on: str = "submit", **params: Any) -> None:
        if on == "poll" and kind in _TASK:
            emulated, fields = _TASK[kind]
            if "code" in params:
                fields = {**fields, "code": params["code"]}
            self.emulator.inject(emulated, **fields)
        elif kind in _SUBMIT:
            self._http_fault(kind, "submit" if on == "submit" else "query", params)
        else:
            raise ValueError(f"the emulator cannot inject {kind!r} on {on}")

    def received(self) -> list[dict[str, Any]]:
        """What the emulator got for each task it accepted, in the request's vocabulary
        (read from the submit bodies it recorded and the tasks it made of them)."""
        self.emulator.settle()
        found = []
        for record in list(self.emulator.submitted):
            task = self.emulator.task(record.get("task_id") or "")
            if task is None:
                continue
            inputs, parameters = record["input"], record["parameters"] or {}
            options = {k: parameters[k] for k in _OPTION_PARAMETERS if k in parameters}
            if "audio_url" in inputs:
                options["audio_url"] = inputs["audio_url"]
            found.append(
                {
                    "prompt": inputs.get("prompt"),
                    "negative_prompt": inputs.get("negative_prompt"),
                    "duration": parameters.get("duration"),
                    "size": Size(task.width, task.height),
                    "seed": parameters.get("seed"),
                    "reference_image": None
                    if task.image is None
                    else hashlib.sha256(task.image).hexdigest(),
                    "options": options,
                }
            )
        return found

    def make_provider(self, *, api_key: str | None = None) -> Provider:
        from videogate_wan._provider import WanProvider

        return WanProvider(
            api_key=api_key or "sk-emulator-key",
            base_url=self.emulator.base_url,
            request_timeout=_TIMEOUT,
        )

    def close(self) -> None:
        self.emulator.stop()


def make_double() -> EmulatorDouble:
    """A started emulator double (the factory returned by the hook)."""
    return EmulatorDouble()
