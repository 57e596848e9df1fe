"""Plugins and configuration: discovering providers through entry points, the registry of
providers, and ``videogate.toml``.
"""
