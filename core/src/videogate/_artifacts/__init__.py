"""Artifacts: downloading a provider's video, storing it (fsspec), probing it, conforming it to
the request and drawing contact sheets.

Artifacts never import the engine or state.
"""
