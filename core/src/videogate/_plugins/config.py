"""Configuration: ``videogate.toml`` (or ``[tool.videogate]`` in pyproject.toml), then
environment variables, then explicit overrides (CLI flags, keyword arguments).

Where the file is found: ``--config PATH``, else ``$VIDEOGATE_CONFIG``, else
``./videogate.toml``, else ``[tool.videogate]`` of ``./pyproject.toml``, else defaults.
Unknown keys and bad values raise :class:`ConfigError` naming the key and the file.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from videogate._contract.errors import ConfigError
from videogate._contract.normalize import Mode

__all__ = [
    "CacheConfig",
    "Config",
    "ProviderEntry",
    "RetryConfig",
    "StateConfig",
    "StorageConfig",
    "load_config",
]

DEFAULT_PROVIDER = "kenburns"
CONFIG_ENV = "VIDEOGATE_CONFIG"
STATE_URL_ENV = "VIDEOGATE_STATE_URL"
OUTPUT_ENV = "OUTPUT_DIR"


@attrs.frozen(kw_only=True)
class ProviderEntry:
    """A named provider: which plugin implements it, and the options passed to it."""

    name: str
    plugin: str
    options: dict[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen(kw_only=True)
class CacheConfig:
    """``[cache]``: whether results are reused, and where the cache lives."""

    enabled: bool = True
    backend: str = "sqlite"
    path: str | None = None
    """SQLite file; default ``<output_dir>/videogate.sqlite3``."""
    options: dict[str, Any] = attrs.field(factory=dict, hash=False)
    """Keyword arguments for a backend registered through the ``register_cache`` hook."""


@attrs.frozen(kw_only=True)
class StorageConfig:
    """``[storage]``: where finished videos are stored."""

    url: str | None = None
    """fsspec URL (``s3://bucket/prefix``, ``memory://x``, a path); default
    ``<output_dir>/<namespace>/videos``."""
    public_url: str | None = None
    """Template for the URL returned to users, e.g. ``https://cdn.example/{key}``."""
    keep_original: bool = True
    """In conform mode, keep the provider's original file beside the conformed one."""
    fit: str = "crop"
    """How conform fits a different aspect: ``crop`` (center-crop) or ``pad`` (letterbox)."""
    max_download_bytes: int = 2 * 1024**3
    options: dict[str, Any] = attrs.field(factory=dict, hash=False)
    """Extra fsspec storage options (endpoint_url, key...)."""


@attrs.frozen(kw_only=True)
class StateConfig:
    """``[state]``: where the journal, cache, claims, latencies and account limits live."""

    url: str | None = None
    """``postgresql://...`` for state shared by many processes and machines; default (unset
    or ``sqlite:///PATH``): the embedded SQLite file ``state_path``. ``$VIDEOGATE_STATE_URL``
    overrides it."""
    lease: float = 30.0
    """Seconds a running-task slot stays taken by a process that stopped renewing it."""


@attrs.frozen(kw_only=True)
class RetryConfig:
    """``[retry]``: retries of safe operations (poll, download, cancel) and provable
    non-submissions."""

    attempts: int = 5
    initial_backoff: float = 1.0
    max_backoff: float = 30.0


@attrs.frozen(kw_only=True)
class Config:
    """The whole configuration, with defaults for every key."""

    default_provider: str = DEFAULT_PROVIDER
    mode: Mode = Mode.STRICT
    output_dir: str = "output"
    timeout: float = 1800.0
    """Overall per-job deadline in seconds."""
    poll_interval_min: float = 0.5
    poll_interval_max: float = 30.0
    workers: int = 8
    """Threads running adapter calls."""
    journal: str | None = None
    """SQLite journal file; default ``<output_dir>/videogate.sqlite3``."""
    cache: CacheConfig = CacheConfig()
    storage: StorageConfig = StorageConfig()
    retry: RetryConfig = RetryConfig()
    state: StateConfig = StateConfig()
    providers: dict[str, ProviderEntry] = attrs.field(factory=dict, hash=False)
    source: str | None = None
    """The file this configuration was read from, if any."""

    def provider_entry(self, name: str) -> ProviderEntry:
        """The configured entry for ``name``; an unconfigured name is a plugin of that name."""
        return self.providers.get(name) or ProviderEntry(name=name, plugin=name)

    @property
    def output_path(self) -> Path:
        """The output base folder as a path."""
        return Path(self.output_dir)

    @property
    def state_path(self) -> Path:
        """The SQLite file holding the journal (and, by default, the cache)."""
        return Path(self.journal) if self.journal else self.output_path / "videogate.sqlite3"


_SECTIONS: dict[str, type[Any]] = {
    "cache": CacheConfig,
    "storage": StorageConfig,
    "retry": RetryConfig,
    "state": StateConfig,
}
_TYPES: dict[type[Any], dict[str, Any]] = {}


def _field_types(cls: type[Any]) -> dict[str, Any]:
    if cls not in _TYPES:
        attrs.resolve_types(cls)
        _TYPES[cls] = {a.name: a.type for a in attrs.fields(cls)}
    return _TYPES[cls]


def _coerce(value: Any, kind: Any, key: str, where: str) -> Any:
    text = str(kind)
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
                return True
            if isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError("expected an integer")
            integer = int(value)
            if integer < 0:
                raise ValueError("must be >= 0")
            return integer
        if kind is float:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError("expected a number")
            real = float(value)
            if not (real > 0 and math.isfinite(real)):
                raise ValueError("must be a finite number > 0")
            return real
        if kind is Mode:
            return Mode(value)
        if "dict" in text:
            if not isinstance(value, Mapping):
                raise ValueError("expected a table")
            return dict(value)
        if value is None or isinstance(value, str):
            return value
        raise ValueError(f"expected a string, got {type(value).__name__}")
    except ValueError as exc:
        raise ConfigError(f"{key}: invalid value {value!r} ({exc}){where}", field=key) from None


def _build(
    cls: type[Any], table: Mapping[str, Any], prefix: str, where: str, path: str | None
) -> Any:
    types = _field_types(cls)
    unknown = sorted(set(table) - set(types) - {"source", "providers"})
    if unknown:
        names = ", ".join(f"{prefix}{k}" for k in unknown)
        raise ConfigError(
            f"unknown key(s) {names}{where}", field=f"{prefix}{unknown[0]}", path=path
        )
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("source", "providers"):
            continue
        if key in _SECTIONS and cls is Config:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{key}: expected a table{where}", field=key, path=path)
            values[key] = _build(_SECTIONS[key], value, f"{key}.", where, path)
            continue
        values[key] = _coerce(value, types[key], f"{prefix}{key}", where)
    if cls is StorageConfig and values.get("fit", "crop") not in ("crop", "pad"):
        raise ConfigError(
            f"storage.fit: must be crop or pad{where}", field="storage.fit", path=path
        )
    return cls(**values)


def _providers(table: Any, where: str, path: str | None) -> dict[str, ProviderEntry]:
    if not isinstance(table, Mapping):
        raise ConfigError(
            f"providers: expected a table of tables{where}", field="providers", path=path
        )
    entries = {}
    for name, body in table.items():
        if not isinstance(body, Mapping):
            raise ConfigError(
                f"providers.{name}: expected a table{where}", field=f"providers.{name}", path=path
            )
        options = dict(body)
        plugin = options.pop("plugin", name)
        if not isinstance(plugin, str) or not plugin:
            raise ConfigError(
                f"providers.{name}.plugin: expected a plugin name{where}",
                field=f"providers.{name}.plugin",
                path=path,
            )
        entries[name] = ProviderEntry(name=name, plugin=plugin, options=options)
    return entries


def find_config_file(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, bool] | None:
    """The configuration file to read and whether it is a pyproject.toml, or ``None``."""
    if explicit is not None:
        return Path(explicit), Path(explicit).name == "pyproject.toml"
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env), Path(env).name == "pyproject.toml"
    local = Path("videogate.toml")
    if local.is_file():
        return local, False
    pyproject = Path("pyproject.toml")
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return None
        if "videogate" in data.get("tool", {}):
            return pyproject, True
    return None


def config_from_dict(
    data: Mapping[str, Any], *, path: str | None = None, env: Mapping[str, str] | None = None
) -> Config:
    """A :class:`Config` from a table (as read from TOML), then environment overrides."""
    where = f" in {path}" if path else ""
    table = dict(data)
    providers = _providers(table.get("providers", {}), where, path)
    env = os.environ if env is None else env
    if env.get(OUTPUT_ENV):
        table["output_dir"] = env[OUTPUT_ENV]
    for key, var in (
        ("default_provider", "VIDEOGATE_DEFAULT_PROVIDER"),
        ("mode", "VIDEOGATE_MODE"),
    ):
        if env.get(var):
            table[key] = env[var]
    if env.get(STATE_URL_ENV):
        state = dict(table.get("state") or {})
        state["url"] = env[STATE_URL_ENV]
        table["state"] = state
    config: Config = _build(Config, table, "", where, path)
    return attrs.evolve(config, providers=providers, source=path)


def load_config(path: str | os.PathLike[str] | None = None, **overrides: Any) -> Config:
    """Find, read and validate the configuration; ``overrides`` (not ``None``) win.

    :raises ConfigError: unreadable file, invalid TOML, unknown key or bad value; the
        message names the key and the file.
    """
    found = find_config_file(path)
    data: dict[str, Any] = {}
    source: str | None = None
    if found is not None:
        file, is_pyproject = found
        source = str(file)
        try:
            parsed = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {file}", path=source) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read configuration file {file}: {exc}", path=source
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML in {file}: {exc}", path=source) from None
        data = parsed.get("tool", {}).get("videogate", {}) if is_pyproject else parsed
    data.update({k: v for k, v in overrides.items() if v is not None})
    return config_from_dict(data, path=source)
