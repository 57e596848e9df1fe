"""The MCP server: videogate's contract as tools, over stdio (default) or streamable HTTP.

Tools: ``generate`` (waits; engine progress events become MCP progress notifications; a
client's cancel cancels the job at the provider), ``submit``/``status``/``result``/``cancel``
for long jobs, ``providers`` and ``estimate``. Every call runs on one :class:`Engine`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import attrs
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server

from videogate._contract.convert import unstructure
from videogate._contract.errors import InvalidRequest, VideogateError
from videogate._contract.events import JobPhase, ProgressEvent
from videogate._contract.pricing import CostEstimate
from videogate._contract.result import VideoResult
from videogate._engine.engine import Engine, Job
from videogate._mcp.content import contact_sheet_block, error_result, masked_options, ok_result
from videogate._mcp.schemas import TOOL_DESCRIPTIONS, input_schemas
from videogate._state.journal import JobRecord, JobState

__all__ = ["build_server", "serve_http", "serve_stdio"]

logger = logging.getLogger("videogate.mcp")

Context = ServerRequestContext[Any, Any]
Handler = Callable[[Context, dict[str, Any]], Awaitable[types.CallToolResult]]

#: Progress reported for a phase when the event carries none (MCP progress must grow).
_PHASE_FLOOR = {
    JobPhase.QUEUED: 0.0,
    JobPhase.RUNNING: 0.1,
    JobPhase.DOWNLOADING: 0.85,
    JobPhase.STORING: 0.92,
    JobPhase.DONE: 1.0,
}


class _Progress:
    """Engine progress events of one call, forwarded in order as MCP progress."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._queue: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()
        self._last = -1.0
        self._phase: JobPhase | None = None
        self._task = asyncio.create_task(self._send())

    def __call__(self, event: ProgressEvent) -> None:
        self._queue.put_nowait(event)

    async def _send(self) -> None:
        while (event := await self._queue.get()) is not None:
            base = _PHASE_FLOOR.get(event.phase, self._last)
            value = max(event.progress if event.progress is not None else base, base)
            if value <= self._last:
                if event.phase is self._phase:
                    continue
                value = min(1.0, self._last + 0.001)
                if value <= self._last:
                    continue
            self._last, self._phase = value, event.phase
            message = f"{event.phase}: {event.message}" if event.message else str(event.phase)
            try:
                await self._ctx.session.report_progress(value, 1.0, message)
            except Exception as exc:  # a closed stream must not fail the job
                logger.debug("progress not sent: %s", exc)

    async def close(self) -> None:
        """Send what is queued, then stop."""
        await asyncio.sleep(0)
        self._queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await self._task

    def abort(self) -> None:
        self._task.cancel()


#: How often ``result`` with ``wait`` reads the journal for a job another process runs.
JOURNAL_WAIT_INTERVAL = 0.5


class Tools:
    """The tool handlers over one engine, and the jobs it started.

    Jobs of other processes sharing the state (and this server's older finished jobs) are
    read from the journal: ``status``, ``result`` and ``cancel`` take any journaled job id.
    """

    #: Finished jobs kept in memory; older ones are read back from the journal.
    keep_finished = 256

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.jobs: dict[str, Job] = {}  # in submission order
        self.handlers: dict[str, Handler] = {
            "generate": self.generate,
            "submit": self.submit,
            "status": self.status,
            "result": self.result,
            "cancel": self.cancel,
            "providers": self.providers,
            "estimate": self.estimate,
        }

    # -- helpers -------------------------------------------------------------------------------

    def provider_names(self) -> dict[str, tuple[str, Any]]:
        """configured name -> (plugin, spec) for every usable provider."""
        config = self.engine.config
        registry = self.engine.registry
        found: dict[str, tuple[str, Any]] = {}
        for name in sorted(set(registry.providers) | set(config.providers)):
            plugin = config.provider_entry(name).plugin
            spec = registry.providers.get(plugin)
            if spec is not None:
                found[name] = (plugin, spec)
        return found

    def tool_list(self) -> list[types.Tool]:
        """The tools, with input schemas narrowed per provider."""
        providers = {n: (spec.capabilities, p) for n, (p, spec) in self.provider_names().items()}
        schemas = input_schemas(providers, self.engine.config.default_provider)
        return [
            types.Tool(name=name, description=TOOL_DESCRIPTIONS[name], input_schema=schema)
            for name, schema in schemas.items()
        ]

    @staticmethod
    def _job_args(args: dict[str, Any]) -> dict[str, Any]:
        request = args.get("request")
        if not isinstance(request, dict):
            raise InvalidRequest("request: required, an object (see the VideoRequest schema)")
        extra = sorted(
            set(args) - {"request", "provider", "mode", "use_cache", "timeout", "max_cost"}
        )
        if extra:
            raise InvalidRequest(f"unknown argument(s): {', '.join(extra)}", field=extra[0])
        return {
            "provider": args.get("provider"),
            "mode": args.get("mode"),
            "use_cache": bool(args.get("use_cache", True)),
        }

    async def _job(self, args: dict[str, Any]) -> Job | JobRecord:
        """The job ``job_id`` names: this server's, else a finished one from the journal
        (as a finished :class:`Job`), else the journal record of one still running elsewhere.

        :raises InvalidRequest: no such job in the journal either.
        """
        job_id = args.get("job_id")
        if not isinstance(job_id, str) or not job_id:
            raise InvalidRequest("job_id: required, a job id from submit", field="job_id")
        job = self.jobs.get(job_id)
        if job is not None:
            return job
        record = await asyncio.to_thread(self.engine.journal.get, job_id)
        if record is None:
            raise InvalidRequest(f"job_id: no job {job_id!r} in the journal", field="job_id")
        if record.state.finished:
            return await asyncio.to_thread(self.engine.adopt, record)
        return record

    def _keep(self, job: Job) -> None:
        """Hold ``job``; forget the oldest finished jobs beyond :attr:`keep_finished`."""
        self.jobs[job.job_id] = job
        finished = [job_id for job_id, held in self.jobs.items() if held.done]
        for job_id in finished[: max(0, len(finished) - self.keep_finished)]:
            del self.jobs[job_id]

    async def _wait_elsewhere(self, record: JobRecord, timeout: float | None) -> Job | JobRecord:
        """Read the journal until the job another process runs is finished (or ``timeout``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not record.state.finished:
            if deadline is not None and time.monotonic() >= deadline:
                return record
            await asyncio.sleep(JOURNAL_WAIT_INTERVAL)
            found = await asyncio.to_thread(self.engine.journal.get, record.job_id)
            record = found if found is not None else record
        return await asyncio.to_thread(self.engine.adopt, record)

    @staticmethod
    def _estimate_of(job: Job, result: VideoResult | None) -> dict[str, Any] | None:
        if result is not None and result.cached:
            return {"amount": 0.0, "cached": True, "basis": "answered from the cache: costs 0"}
        return job.estimate

    async def _answer(self, job: Job, result: VideoResult) -> types.CallToolResult:
        data = {
            "job_id": job.job_id,
            "video_url": result.video_url,
            "warnings": [str(w) for w in result.warnings],
            "result": unstructure(result),
            "estimate": self._estimate_of(job, result),
        }
        answer = ok_result(data)
        image = await asyncio.to_thread(contact_sheet_block, result.video_url)
        if image is not None:
            answer.content.append(image)
        return answer

    @staticmethod
    def _record_status(record: JobRecord) -> dict[str, Any]:
        """The status of a job another process runs, from its journal record."""
        waiting = record.state in (JobState.PENDING, JobState.SUBMITTING)
        return {
            "job_id": record.job_id,
            "provider": record.provider,
            "status": str(JobPhase.QUEUED if waiting else JobPhase.RUNNING),
            "done": False,
            "task_id": None if record.task is None else record.task.get("task_id"),
            "progress": None,
            "message": f"run by another process (pid {record.owner_pid}); journal: {record.state}",
            "eta": None,
        }

    def _status(self, job: Job | JobRecord) -> dict[str, Any]:
        if isinstance(job, JobRecord):
            return self._record_status(job)
        events = job.events
        last = events[-1] if events else None
        return {
            "job_id": job.job_id,
            "provider": job.provider,
            "status": str(job.status),
            "done": job.done,
            "task_id": job.task_id,
            "progress": None if last is None else last.progress,
            "message": None if last is None else last.message,
            "eta": None if last is None else last.eta,
        }

    # -- tools ---------------------------------------------------------------------------------

    async def _start(self, args: dict[str, Any], on_progress: Any = None) -> Job:
        common = self._job_args(args)
        job = await self.engine.asubmit(
            args["request"],
            timeout=args.get("timeout"),
            max_cost=args.get("max_cost"),
            on_progress=on_progress,
            **common,
        )
        self._keep(job)
        return job

    async def generate(self, ctx: Context, args: dict[str, Any]) -> types.CallToolResult:
        progress = _Progress(ctx)
        job: Job | None = None
        try:
            job = await self._start(args, progress)
            result = await job.result()
        except BaseException:
            progress.abort()
            if job is not None and not job.done:
                # The client cancelled (or the server stops): cancel at the provider first.
                with anyio.CancelScope(shield=True):
                    outcome = await job.cancel()
                logger.info("job %s cancelled by the client: %s", job.job_id, outcome)
            raise
        await progress.close()
        return await self._answer(job, result)

    async def submit(self, ctx: Context, args: dict[str, Any]) -> types.CallToolResult:
        job = await self._start(args)
        data = self._status(job)
        data["estimate"] = self._estimate_of(job, None)
        return ok_result(data)

    async def status(self, ctx: Context, args: dict[str, Any]) -> types.CallToolResult:
        return ok_result(self._status(await self._job(args)))

    async def result(self, ctx: Context, args: dict[str, Any]) -> types.CallToolResult:
        job = await self._job(args)
        if isinstance(job, JobRecord):
            if args.get("wait"):
                job = await self._wait_elsewhere(job, args.get("timeout"))
            if isinstance(job, JobRecord):
                return ok_result(self._status(job))
        if not job.done and not args.get("wait"):
            return ok_result(self._status(job))
        result = await job.result(timeout=args.get("timeout"))
        return await self._answer(job, result)

    async def cancel(self, ctx: Context, args: dict[str, Any]) -> types.CallToolResult:
        job = await self._job(args)
        if isinstance(job, JobRecord):
            raise InvalidRequest(
                f"job {job.job_id} is run by another process (pid {job.owner_pid}): cancel it "
                "through that process",
                field="job_id",
            )
        outcome = await job.cancel()
        return ok_result({"job_id": job.job_id, "outcome": str(outcome), "status": str(job.status)})

    async def providers(self, ctx: Context, args: dict[str, Any]) -> types.CallToolResult:
        config = self.engine.config
        listing = []
        for name, (plugin, spec) in self.provider_names().items():
            entry = config.provider_entry(name)
            listing.append(
                {
                    "name": name,
                    "plugin": plugin,
                    "default": name == config.default_provider,
                    "configured": name in config.providers,
                    "options": masked_options(dict(entry.options)),
                    "model": spec.model,
                    "description": spec.description,
                    "needs_key": spec.needs_key,
                    "capabilities": attrs.asdict(spec.capabilities),
                    "pricing": None if spec.pricing is None else attrs.asdict(spec.pricing),
                }
            )
        broken = [{"name": b.name, "reason": b.reason} for b in self.engine.registry.broken]
        return ok_result({"providers": listing, "broken": broken})

    async def estimate(self, ctx: Context, args: dict[str, Any]) -> types.CallToolResult:
        common = self._job_args(args)
        estimate: CostEstimate = await self.engine.aestimate(args["request"], **common)
        return ok_result(estimate.to_dict(), summary=None)


def build_server(engine: Engine) -> Server[Any]:
    """The MCP server of ``engine``'s configuration."""
    from importlib.metadata import version

    tools = Tools(engine)

    async def list_tools(
        ctx: Context, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools.tool_list())

    async def call_tool(ctx: Context, params: types.CallToolRequestParams) -> types.CallToolResult:
        handler = tools.handlers.get(params.name)
        if handler is None:
            return error_result(InvalidRequest(f"no tool named {params.name!r}"))
        arguments: Mapping[str, Any] = params.arguments or {}
        try:
            return await handler(ctx, dict(arguments))
        except VideogateError as exc:
            return error_result(exc)
        except Exception as exc:
            return error_result(exc)

    return Server(
        "videogate",
        version=version("videogate"),
        instructions=(
            "Generate videos with videogate: call estimate first when cost matters, then "
            "generate (or submit + result for long jobs)."
        ),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio(engine: Engine) -> None:
    """Serve over this process's stdin/stdout until the client closes them."""
    from mcp.server.stdio import stdio_server

    server = build_server(engine)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


async def serve_http(engine: Engine, host: str, port: int, path: str = "/mcp") -> None:
    """Serve streamable HTTP on ``host:port`` at ``path`` until interrupted."""
    import uvicorn

    server = build_server(engine)
    app = server.streamable_http_app(streamable_http_path=path, host=host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve()
