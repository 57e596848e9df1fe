"""Where the DashScope key would come from, for ``videogate providers``: never the key itself."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from videogate import ConfigError
from videogate_wan._credentials import ENV_KEY, INI_KEY, credential_files

__all__ = ["key_status"]


def key_status(options: Mapping[str, Any], env: Mapping[str, str] | None = None) -> str:
    """``option api_key``, ``env $DASHSCOPE_API_KEY``, ``file PATH [profile]`` or ``missing``,
    in the order :func:`videogate_wan._credentials.resolve_api_key` looks."""
    env = os.environ if env is None else env
    if options.get("api_key"):
        return "option api_key"
    if env.get(ENV_KEY, "").strip():
        return f"env ${ENV_KEY}"
    from videogate_wan._credentials import _from_ini, _profile

    profile = _profile(env)
    for path in credential_files(env):
        try:
            found, _ = _from_ini(path, profile)
        except ConfigError:
            return f"file {path} unreadable"
        if found:
            return f"file {path} [{profile}]"
    return f"missing (set ${ENV_KEY} or {INI_KEY} in ~/.alibabacloud/credentials)"
