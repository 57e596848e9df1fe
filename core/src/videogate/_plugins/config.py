"""Configuration: the user's ``videogate.toml``, then the project's (or ``[tool.videogate]``
in pyproject.toml), then environment variables, then explicit overrides (CLI flags, keyword
arguments). Each later layer wins key by key; :attr:`Config.sources` says where each value
came from.

Where the project file is found: ``--config PATH``, else ``$VIDEOGATE_CONFIG``, else the
nearest ``videogate.toml`` (or pyproject.toml with ``[tool.videogate]``) from the working
folder upward. The user file is ``videogate.toml`` in the platform's user config folder
(``$VIDEOGATE_CONFIG_DIR`` overrides it). Relative paths in a file are relative to that file's
folder. Unknown keys and bad values raise :class:`ConfigError` naming the key and the file.
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
from videogate._contract.suggest import suggestion
from videogate._plugins.sections import (
    BudgetConfig,
    CacheConfig,
    ProviderEntry,
    RetryConfig,
    StateConfig,
    StorageConfig,
)

__all__ = [
    "BudgetConfig",
    "CacheConfig",
    "Config",
    "ProviderEntry",
    "RetryConfig",
    "StateConfig",
    "StorageConfig",
    "default_state_dir",
    "find_config_file",
    "load_config",
    "user_config_file",
]

DEFAULT_PROVIDER = "kenburns"
CONFIG_ENV = "VIDEOGATE_CONFIG"
STATE_URL_ENV = "VIDEOGATE_STATE_URL"
CONFIG_DIR_ENV = "VIDEOGATE_CONFIG_DIR"
STATE_DIR_ENV = "VIDEOGATE_STATE_DIR"
OUTPUT_ENV = "OUTPUT_DIR"
STATE_FILE = "videogate.sqlite3"
APP = "videogate"


def user_config_file(env: Mapping[str, str] | None = None) -> Path:
    """The user's ``videogate.toml``: in ``$VIDEOGATE_CONFIG_DIR``, else the platform's user
    config folder (``~/.config/videogate`` on Linux)."""
    env = os.environ if env is None else env
    if env.get(CONFIG_DIR_ENV):
        return Path(env[CONFIG_DIR_ENV]).expanduser() / "videogate.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "videogate.toml"


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the journal and cache live by default: ``$VIDEOGATE_STATE_DIR``, else the
    platform's user state folder (``~/.local/state/videogate`` on Linux)."""
    env = os.environ if env is None else env
    if env.get(STATE_DIR_ENV):
        return Path(env[STATE_DIR_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP, appauthor=False))


@attrs.frozen(kw_only=True)
class Config:
    """The whole configuration, with defaults for every key."""

    default_provider: str = DEFAULT_PROVIDER
    mode: Mode = Mode.STRICT
    output_dir: str = "output"
    timeout: float = 1800.0
    """Overall per-job deadline in seconds."""
    poll_interval_min: float = 0.05
    """Shortest wait between two status queries of one task, seconds."""
    poll_interval_max: float = 30.0
    """Longest wait between two status queries of an overrunning task, seconds."""
    poll_budget: float = 2.5
    """Mean delay allowed between a task's end and the poll that sees it, seconds."""
    poll_slot_idle: float = 0.02
    """While jobs wait for a running-task slot, the mean delay allowed between a task's end
    and the poll that sees it, as a share of the typical task time (0: no change)."""
    poll_time_scale: float = 1.0
    """Real seconds per service second: below 1 only against an emulator running faster
    than real time (polling times, providers' priors and rate limits scale with it)."""
    workers: int = 8
    """Threads running adapter calls."""
    state_dir: str | None = None
    """Folder of the journal and cache; default ``$VIDEOGATE_STATE_DIR`` or the user state
    folder."""
    journal: str | None = None
    """SQLite journal file; default ``<state_dir>/videogate.sqlite3``."""
    cache: CacheConfig = CacheConfig()
    storage: StorageConfig = StorageConfig()
    retry: RetryConfig = RetryConfig()
    state: StateConfig = StateConfig()
    budget: BudgetConfig = BudgetConfig()
    providers: dict[str, ProviderEntry] = attrs.field(factory=dict, hash=False)
    source: str | None = None
    """The project (or explicit) file this configuration was read from, if any."""
    files: tuple[str, ...] = ()
    """Every file read, user file first."""
    sources: dict[str, str] = attrs.field(factory=dict, hash=False, eq=False)
    """Where each value set away from its default came from (``key -> file, $VAR or
    override``); keys are dotted (``cache.enabled``, ``providers.k``)."""

    def provider_entry(self, name: str) -> ProviderEntry:
        """The configured entry for ``name``; an unconfigured name is a plugin of that name."""
        return self.providers.get(name) or ProviderEntry(name=name, plugin=name)

    @property
    def default_provider_configured(self) -> bool:
        """Whether ``default_provider`` was set (file, env or override), not the built-in."""
        return "default_provider" in self.sources

    @property
    def output_path(self) -> Path:
        """The output base folder as a path."""
        return Path(self.output_dir)

    @property
    def state_path(self) -> Path:
        """The SQLite file holding the journal (and, by default, the cache)."""
        if self.journal:
            return Path(self.journal)
        folder = Path(self.state_dir) if self.state_dir else default_state_dir()
        return folder / STATE_FILE


_SECTIONS: dict[str, type[Any]] = {
    "cache": CacheConfig,
    "storage": StorageConfig,
    "retry": RetryConfig,
    "state": StateConfig,
    "budget": BudgetConfig,
}
_TYPES: dict[type[Any], dict[str, Any]] = {}
#: Fields of :class:`Config` that are bookkeeping, not keys of the file.
_INTERNAL = frozenset({"source", "files", "sources"})
#: Keys holding paths, resolved against the folder of the file that sets them.
_PATH_KEYS = (("output_dir",), ("state_dir",), ("journal",), ("cache", "path"))


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
        if kind == float | None:
            return _coerce(value, float, key, where)
        if kind == dict[str, float]:
            if not isinstance(value, Mapping):
                raise ValueError("expected a table")
            return {str(k): _coerce(v, float, f"{key}.{k}", where) for k, v in value.items()}
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
    allowed = set(types) - _INTERNAL if cls is Config else set(types)
    unknown = sorted(set(table) - allowed - {"providers"})
    if unknown:
        names = ", ".join(f"{prefix}{k}" for k in unknown)
        hint = suggestion(unknown[0], allowed | ({"providers"} if cls is Config else set()))
        raise ConfigError(
            f"unknown key(s) {names}{where}{hint}", field=f"{prefix}{unknown[0]}", path=path
        )
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "providers":
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


def _providers(
    table: Any, where: str, path: str | None, origins: Mapping[str, str] | None = None
) -> dict[str, ProviderEntry]:
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
        origin = (origins or {}).get(f"providers.{name}", path)
        entries[name] = ProviderEntry(name=name, plugin=plugin, options=options, source=origin)
    return entries


def _tool_section(pyproject: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    section = data.get("tool", {}).get("videogate")
    return section if isinstance(section, dict) else None


def find_config_file(
    explicit: str | os.PathLike[str] | None = None, *, start: str | os.PathLike[str] | None = None
) -> tuple[Path, bool] | None:
    """The project configuration file and whether it is a pyproject.toml, or ``None``:
    ``explicit``, else ``$VIDEOGATE_CONFIG``, else the nearest ``videogate.toml`` (or
    pyproject.toml with ``[tool.videogate]``) from ``start`` (the working folder) upward."""
    if explicit is not None:
        return Path(explicit), Path(explicit).name == "pyproject.toml"
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env), Path(env).name == "pyproject.toml"
    here = Path(start if start is not None else Path.cwd()).absolute()
    for folder in (here, *here.parents):
        local = folder / "videogate.toml"
        if local.is_file():
            return local, False
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _tool_section(pyproject) is not None:
            return pyproject, True
    return None


def _read(file: Path, is_pyproject: bool) -> dict[str, Any]:
    source = str(file)
    try:
        parsed = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {file}", path=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {file}: {exc}", path=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {file}: {exc}", path=source) from None
    data = parsed.get("tool", {}).get("videogate", {}) if is_pyproject else parsed
    if not isinstance(data, dict):
        raise ConfigError(f"[tool.videogate] must be a table in {file}", path=source)
    return data


def _anchor(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``data`` with its relative path values made absolute against ``folder``."""
    out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in data.items()}
    for keys in _PATH_KEYS:
        table = out
        for key in keys[:-1]:
            inner = table.get(key)
            if not isinstance(inner, dict):
                break
            table = inner
        else:
            value = table.get(keys[-1])
            if isinstance(value, str) and value:
                table[keys[-1]] = str(folder / Path(value).expanduser())
    storage = out.get("storage")
    if isinstance(storage, dict):
        url = storage.get("url")
        if isinstance(url, str) and url and "://" not in url and not Path(url).is_absolute():
            storage["url"] = str(folder / url)
    return out


def _merge(
    base: dict[str, Any], layer: Mapping[str, Any], origin: str, origins: dict[str, str]
) -> None:
    """Lay ``layer`` over ``base`` key by key (tables merged one level deep; each provider
    entry replaced whole), recording ``origin`` for every key it sets."""
    for key, value in layer.items():
        if key == "providers" and isinstance(value, Mapping):
            providers = base.setdefault("providers", {})
            if isinstance(providers, dict):
                for name, body in value.items():
                    providers[name] = body
                    origins[f"providers.{name}"] = origin
                continue
        if key in _SECTIONS and isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key].update(value)
            origins.update({f"{key}.{k}": origin for k in value})
            continue
        base[key] = dict(value) if isinstance(value, Mapping) else value
        if isinstance(value, Mapping) and key in _SECTIONS:
            origins.update({f"{key}.{k}": origin for k in value})
        else:
            origins[key] = origin


def config_from_dict(
    data: Mapping[str, Any],
    *,
    path: str | None = None,
    env: Mapping[str, str] | None = None,
    origins: Mapping[str, str] | None = None,
    files: tuple[str, ...] = (),
) -> Config:
    """A :class:`Config` from a table (as read from TOML), then environment overrides.

    :param path: the file ``data`` came from (named in errors).
    :param origins: where each key of ``data`` came from, when several files were merged.
    """
    where = f" in {path}" if path else ""
    table = dict(data)
    sources = dict(origins) if origins is not None else dict.fromkeys(_keys(table), path or "")
    env = os.environ if env is None else env
    providers = _providers(table.get("providers", {}), where, path, sources)
    for key, var in (
        ("output_dir", OUTPUT_ENV),
        ("state_dir", STATE_DIR_ENV),
        ("default_provider", "VIDEOGATE_DEFAULT_PROVIDER"),
        ("mode", "VIDEOGATE_MODE"),
        ("poll_time_scale", "VIDEOGATE_POLL_TIME_SCALE"),
    ):
        if env.get(var):
            table[key] = env[var]
            sources[key] = f"${var}"
    if env.get(STATE_URL_ENV):
        state = dict(table.get("state") or {})
        state["url"] = env[STATE_URL_ENV]
        table["state"] = state
        sources["state.url"] = f"${STATE_URL_ENV}"
    if "output_dir" not in table and path and origins is None:
        table["output_dir"] = str(Path(path).absolute().parent / "output")
        sources["output_dir"] = f"beside {path}"
    config: Config = _build(Config, table, "", where, path)
    if config.state_dir is None and config.journal is None:
        legacy = config.output_path / STATE_FILE
        if legacy.is_file() and not (default_state_dir(env) / STATE_FILE).exists():
            config = attrs.evolve(config, state_dir=str(config.output_path))
            sources["state_dir"] = f"existing {legacy} (older layout; see docs/state.md)"
    sources = {k: v for k, v in sources.items() if v}
    return attrs.evolve(config, providers=providers, source=path, files=files, sources=sources)


def _keys(table: Mapping[str, Any]) -> list[str]:
    keys: list[str] = []
    for key, value in table.items():
        if key == "providers" and isinstance(value, Mapping):
            keys.extend(f"providers.{name}" for name in value)
        elif key in _SECTIONS and isinstance(value, Mapping):
            keys.extend(f"{key}.{k}" for k in value)
        else:
            keys.append(key)
    return keys


def load_config(path: str | os.PathLike[str] | None = None, **overrides: Any) -> Config:
    """Find, read and validate the configuration; ``overrides`` (not ``None``) win.

    Layers, each winning over the one before: the user file, the project file (``path``,
    ``$VIDEOGATE_CONFIG`` or the nearest one upward), environment variables, ``overrides``.

    :raises ConfigError: unreadable file, invalid TOML, unknown key or bad value; the
        message names the key and the file.
    """
    layers: list[tuple[str, dict[str, Any]]] = []
    user = user_config_file()
    if user.is_file():
        layers.append((str(user), _read(user, False)))
    found = find_config_file(path)
    source: str | None = None
    if found is not None:
        file, is_pyproject = found
        source = str(file)
        layers.append((source, _read(file, is_pyproject)))
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for origin, layer in layers:
        config_from_dict(layer, path=origin, env={})  # errors name the file that has them
        _merge(data, _anchor(layer, Path(origin).absolute().parent), origin, origins)
    if source is not None and "output_dir" not in data:
        data["output_dir"] = str(Path(source).absolute().parent / "output")
        origins["output_dir"] = f"beside {source}"
    given = {k: v for k, v in overrides.items() if v is not None}
    _merge(data, given, "override", origins)
    return config_from_dict(
        data,
        path=source,
        origins=origins,
        files=tuple(origin for origin, _ in layers),
    )
