"""videogate as a Model Context Protocol server (the ``mcp`` extra): tools over one engine.

Imported only by ``videogate mcp``; nothing else in videogate imports it.
"""
