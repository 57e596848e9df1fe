"""Finding the DashScope API key: the ``api_key`` option, then ``$DASHSCOPE_API_KEY``, then the
INI file ``~/.alibabacloud/credentials`` (or ``credentials.ini``; the path in
``$ALIBABA_CLOUD_CREDENTIALS_FILE`` overrides both),
in the section named by ``$ALIBABA_CLOUD_PROFILE`` or ``$ALICLOUD_PROFILE``,
else ``default``, key ``dashscope_api_key``.

The SDK never reads that INI file itself, so the key is always passed to it explicitly. The
file may start with a UTF-8 byte-order mark and hold the value in quotes; a file readable by
other users is used with a warning. No key anywhere is a local configuration error
(:class:`videogate.ConfigError`, exit 2): nothing was sent to the provider.
"""

from __future__ import annotations

import configparser
import logging
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from videogate import ConfigError, Secret

__all__ = ["credential_files", "resolve_api_key"]

ENV_KEY = "DASHSCOPE_API_KEY"
ENV_FILE = "ALIBABA_CLOUD_CREDENTIALS_FILE"
ENV_PROFILES = ("ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE")
INI_KEY = "dashscope_api_key"

logger = logging.getLogger("videogate.wan")


def credential_files(env: Mapping[str, str]) -> list[Path]:
    """The INI files to look in, in order."""
    explicit = env.get(ENV_FILE)
    if explicit:
        return [Path(explicit).expanduser()]
    home = Path(env.get("HOME") or Path.home()).expanduser()
    return [home / ".alibabacloud" / "credentials", home / ".alibabacloud" / "credentials.ini"]


def _profile(env: Mapping[str, str]) -> str:
    for var in ENV_PROFILES:
        if env.get(var):
            return env[var]
    return "default"


def _from_ini(path: Path, profile: str) -> tuple[str | None, str]:
    """The key in ``path`` (or ``None``) and a note on what was found there."""
    if not path.is_file():
        return None, f"{path} (no such file)"
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#", ";"))
    try:
        with path.open(encoding="utf-8-sig") as fh:
            parser.read_file(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the credentials file {path}: {exc}", path=str(path)
        ) from None
    except configparser.Error as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"the credentials file {path} is not a valid INI file: {first_line}", path=str(path)
        ) from None
    if not parser.has_section(profile):
        return None, f"{path} (no [{profile}] section)"
    value = _unquote(parser.get(profile, INI_KEY, fallback="").strip())
    if not value:
        return None, f"{path} [{profile}] (no {INI_KEY})"
    _warn_if_shared(path)
    return value, str(path)


def _unquote(value: str) -> str:
    """``"sk-..."`` or ``'sk-...'`` as ``sk-...``."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _warn_if_shared(path: Path) -> None:
    """Warn when other users may read the file holding the key."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        logger.warning(
            "the credentials file %s is readable by other users; restrict it with `chmod 600 %s`",
            path,
            path,
        )


def resolve_api_key(
    option: str | Secret | None, env: Mapping[str, str] | None = None, *, provider: str = "wan"
) -> Secret:
    """The API key as a :class:`videogate.Secret` (registered for redaction).

    :raises ConfigError: no source holds a key (code ``MissingApiKey``; the message lists
        where it looked), or a credentials file exists but cannot be parsed.
    """
    if isinstance(option, Secret):
        return option
    if option is not None and option.strip():
        return Secret(option.strip())
    env = os.environ if env is None else env
    value = env.get(ENV_KEY, "").strip()
    if value:
        return Secret(value)
    profile = _profile(env)
    looked = ["the provider option api_key", f"${ENV_KEY}"]
    for path in credential_files(env):
        found, note = _from_ini(path, profile)
        if found:
            return Secret(found)
        looked.append(note)
    raise ConfigError(
        "no DashScope API key found (nothing was sent); looked in: "
        + "; ".join(looked)
        + f". Set {ENV_KEY} or add {INI_KEY} to the [{profile}] section of "
        "~/.alibabacloud/credentials",
        provider=provider,
        code="MissingApiKey",
    )
