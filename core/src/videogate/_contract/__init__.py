"""The contract: requests, results, sizes, images, capabilities, the provider interface,
errors, normalization, conversion to and from JSON, the JSON Schema, secrets and progress events.

The bottom layer: it imports nothing else of videogate. Modules are imported one by one (this
file re-exports nothing) so that importing one piece stays cheap.
"""
