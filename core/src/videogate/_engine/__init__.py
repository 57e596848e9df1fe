"""The engine: jobs and their handles, the runner and the phases of a run (submit, poll,
collect, cancel, adopt), single flight, scheduling and pacing, per-account limits, retries,
the event-loop thread and the wiring of storage, cache and journal from configuration.

The engine sits above state and artifacts; nothing below it imports it.
"""
