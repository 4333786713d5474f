"""Read and write ``config.toml`` (SPEC §7): typed Settings from file + environment.

The file lives in ``platformdirs.user_config_dir("okr-tui")``. It is created with commented
defaults on first use (:func:`ensure_config`) or by ``okr-tui config init``; saving keeps the
user's comments (tomlkit). A file holding the API key is kept with mode 0600."""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from okr_tui.config_schema import (
    SECRET_KEYS,
    SETTING_DOCS,
    SPECS,
    ConfigError,
    KeySpec,
    convert_env_value,
    convert_file_value,
    toml_default,
    validate_value,
)
from okr_tui.paths import AppPaths
from okr_tui.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "SETTING_DOCS",
    "ConfigError",
    "describe",
    "ensure_config",
    "init_config",
    "load_settings",
    "mask_secret",
    "masked",
    "missing_setup",
    "render_defaults",
    "save_settings",
]

_HEADER = """\
# okr-tui configuration.
# Every key is optional: a commented-out key (#) uses the default shown.
# Every key can also be set by the environment variable named in its comment; the environment
# wins over this file. Check the effective values with `okr-tui config show`.
# This file is kept with mode 0600 (owner only) while it holds the Operations Portal API key.
"""


@dataclass(frozen=True)
class Loaded:
    """Settings plus where each value came from."""

    settings: Settings
    warnings: list[str]
    file_keys: frozenset[str]


def _render_value(value: object) -> str:
    return tomlkit.item(value).as_string()  # type: ignore[arg-type]


def render_defaults() -> str:
    """The text of a new config file: every key commented out with its default and help."""
    lines = [_HEADER]
    for spec in SPECS.values():
        text = f"{spec.help} [env: {spec.env_var}]"
        lines.extend(f"# {line}" for line in textwrap.wrap(text, 96))
        default = toml_default(spec)
        lines.append(f"# {spec.name} = {_render_value('' if default is None else default)}")
        lines.append("")
    return "\n".join(lines)


def _write_private(file: Path, text: str, secret: bool) -> None:
    """Write ``text`` atomically; mode 0600 when it holds a secret."""
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".tmp")
    mode = 0o600 if secret else 0o644
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    if secret:
        os.chmod(tmp, 0o600)
    os.replace(tmp, file)


def init_config(paths: AppPaths, force: bool = False) -> Path:
    """Write the commented defaults to the config file; refuses to overwrite without ``force``."""
    file = paths.config_file
    if file.exists() and not force:
        raise ConfigError(
            f"{file} already exists; run 'okr-tui config init --force' to replace it with the "
            "defaults (this discards its settings, including the API key)",
            origin=str(file),
        )
    _write_private(file, render_defaults(), secret=False)
    return file


def ensure_config(paths: AppPaths) -> bool:
    """Create the config file with commented defaults if it does not exist (first use)."""
    if paths.config_file.exists():
        return False
    init_config(paths)
    return True


def _read_file(file: Path) -> dict[str, object]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{file}: cannot read the configuration ({type(exc).__name__}); check the file",
            origin=str(file),
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{file}: not valid TOML ({exc}). Fix the file, or recreate it with "
            "'okr-tui config init --force'",
            origin=str(file),
        ) from None


def _from_file(spec: KeySpec, raw: object, file: Path) -> object:
    fix = f"Edit {file} (or delete the line to use the default)."
    if spec.optional and isinstance(raw, str) and not raw.strip():
        return None
    value = convert_file_value(spec, raw, str(file), fix)
    validate_value(spec, value, str(file), fix)
    return value


def _tighten(file: Path, raw: Mapping[str, object], warnings: list[str]) -> None:
    """A file holding a secret must be readable by its owner only."""
    if os.name != "posix" or not any(raw.get(k) for k in SECRET_KEYS):
        return
    try:
        mode = stat.S_IMODE(file.stat().st_mode)
        if mode & 0o077:
            os.chmod(file, 0o600)
            warnings.append(
                f"{file} holds the API key but was readable by others (mode {mode:o}); "
                "its mode is now 600"
            )
    except OSError as exc:
        warnings.append(f"{file}: could not restrict its permissions ({exc.strerror})")


def load(paths: AppPaths, env: Mapping[str, str] | None = None) -> Loaded:
    """Settings from the config file and the environment, with warnings and value sources."""
    env = os.environ if env is None else env
    file = paths.config_file
    raw = _read_file(file)
    warnings: list[str] = []
    values: dict[str, object] = {}
    for key, value in raw.items():
        spec = SPECS.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(SPECS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            warnings.append(f"{file}: unknown setting {key!r} ignored{hint}")
            continue
        values[key] = _from_file(spec, value, file)
    file_keys = frozenset(values)
    overridden: set[str] = set()
    for spec in SPECS.values():
        text = env.get(spec.env_var)
        if text is None or not text.strip():
            continue
        origin = f"environment variable {spec.env_var}"
        value = convert_env_value(spec, text, origin, f"Fix or unset {spec.env_var}.")
        validate_value(spec, value, origin, f"Fix or unset {spec.env_var}.")
        values[spec.name] = value
        overridden.add(spec.name)
    if raw:
        _tighten(file, raw, warnings)
    settings = Settings(
        **values,  # type: ignore[arg-type]
        env_overridden=frozenset(overridden),
        source_file=file,
    )
    if not settings.verify_tls:
        warnings.append(
            "TLS certificate verification is disabled (verify_tls = false): use this only "
            "for testing"
        )
    return Loaded(settings, warnings, file_keys)


def load_settings(
    paths: AppPaths, env: Mapping[str, str] | None = None
) -> tuple[Settings, list[str]]:
    """Load the settings (file + ``OKR_TUI_*`` environment). Returns (settings, warnings).

    Raises ConfigError for a value that cannot be used. A missing file means defaults."""
    loaded = load(paths, env)
    return loaded.settings, loaded.warnings


def _toml_value(spec: KeySpec, value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list, set, frozenset)):
        return [str(v) for v in value]
    if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _uncomment(text: str, key: str, rendered: str) -> tuple[str, bool]:
    """Replace the commented default line of ``key`` (before any table) by ``key = value``."""
    parts = re.split(r"(?m)(^\[)", text, maxsplit=1)
    head, rest = parts[0], "".join(parts[1:])
    pattern = re.compile(rf"(?m)^#\s*{re.escape(key)}\s*=.*$")
    new_head, count = pattern.subn(lambda _m: f"{key} = {rendered}", head, count=1)
    return new_head + rest, bool(count)


def save_settings(
    paths: AppPaths, changes: Mapping[str, object], env: Mapping[str, str] | None = None
) -> Settings:
    """Write ``changes`` (key -> value; None removes the key) to the config file, keeping its
    comments, and return the reloaded settings. Mode 0600 when the file holds the API key."""
    file = paths.config_file
    changes = {  # an empty text clears an optional key
        k: None if isinstance(v, str) and not v.strip() and k in SPECS and SPECS[k].optional else v
        for k, v in changes.items()
    }
    for key, value in changes.items():
        spec = SPECS.get(key)
        if spec is None:
            raise ConfigError(f"unknown setting {key!r}; it was not saved", key=key)
        if value is not None:
            fix = "Choose another value; nothing was saved."
            toml_value = _toml_value(spec, value)
            converted = convert_file_value(spec, toml_value, "new value", fix)
            validate_value(spec, converted, "new value", fix)
    text = file.read_text(encoding="utf-8") if file.exists() else render_defaults()
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(
            f"{file}: not valid TOML ({exc}); nothing was saved. Fix the file, or recreate it "
            "with 'okr-tui config init --force'",
            origin=str(file),
        ) from None
    for key, value in changes.items():
        if value is None:
            if key in doc:
                del doc[key]
            continue
        toml_value = _toml_value(SPECS[key], value)
        if key not in doc:
            text, replaced = _uncomment(tomlkit.dumps(doc), key, _render_value(toml_value))
            doc = tomlkit.parse(text)
            if replaced:
                continue
        doc[key] = toml_value
    new_text = tomlkit.dumps(doc)
    raw = tomllib.loads(new_text)
    for key, value in raw.items():  # a bad value already in the file is reported, not written
        if key in SPECS:
            _from_file(SPECS[key], value, file)
    _write_private(file, new_text, secret=any(raw.get(k) for k in SECRET_KEYS))
    return load_settings(paths, env)[0]


def mask_secret(value: str | None) -> str:
    """``****9c3a`` (at most the last 4 characters, only of a long key), ``(set)`` or
    ``(not set)``."""
    if not value:
        return "(not set)"
    return "****" + value[-4:] if len(value) >= 16 else "(set)"


def _display(spec: KeySpec, value: object) -> str:
    if spec.secret:
        return mask_secret(value)  # type: ignore[arg-type]
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(value) if value else "(none)"
    return str(value)


def masked(settings: Settings) -> dict[str, str]:
    """Every setting as display text, in documentation order; the secret is masked."""
    return {name: _display(spec, getattr(settings, name)) for name, spec in SPECS.items()}


def describe(loaded: Loaded) -> list[tuple[str, str, str]]:
    """(key, display value, source) rows; source is ``env``, ``file`` or ``default``."""
    shown = masked(loaded.settings)
    rows = []
    for name in SPECS:
        if name in loaded.settings.env_overridden:
            source = "env"
        elif name in loaded.file_keys:
            source = "file"
        else:
            source = "default"
        rows.append((name, shown[name], source))
    return rows


def missing_setup(settings: Settings) -> list[str]:
    """Keys that still need a value before live data can be fetched and pushed (onboarding)."""
    missing = []
    if not settings.spreadsheet:
        missing.append("spreadsheet")
    if settings.auth == "oauth":
        if settings.oauth_client_secret is None or not settings.oauth_client_secret.is_file():
            missing.append("oauth_client_secret")
    elif not settings.credentials.is_file():
        missing.append("credentials")
    if not settings.operations_api_key:
        missing.append("operations_api_key")
    return missing
