"""The configuration keys: documentation, environment variables, types and validation (SPEC §7).

Every field of :class:`okr_tui.settings.Settings` (except the bookkeeping fields) is a key of
``config.toml`` and can be overridden by the environment variable ``OKR_TUI_<KEY>``."""

from __future__ import annotations

import dataclasses
import math
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from okr_tui.settings import Settings

ENV_PREFIX = "OKR_TUI_"
SECRET_KEYS = frozenset({"operations_api_key"})
_BOOKKEEPING = frozenset({"env_overridden", "source_file"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class ConfigError(Exception):
    """A setting that cannot be used. The message names the key, where it came from (file or
    environment variable) and what to do; it never contains a secret value."""

    def __init__(self, message: str, *, key: str | None = None, origin: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.origin = origin


# key -> (help text, environment variable)
_HELP: dict[str, str] = {
    "accounting_url": "Base URL of the EGI Accounting Portal.",
    "accounting_api": "Accounting API: auto (try the 2026 dump, fall back to the legacy path "
    "API), dump or legacy.",
    "accounting_url_template": "URL template of the legacy path API; placeholders {base} "
    "{scope} {metric} {start_year} {start_month} {end_year} {end_month} {vo_group} "
    "{job_selector}.",
    "accounting_selector": "Dump rows counted as HTC: infra (Grid), infra+local (Grid and "
    "Grid-Local) or local (Grid-Local).",
    "dump_max_age_hours": "How long a downloaded accounting dump is reused, in hours.",
    "operations_url": "Base URL of the Operations Portal API.",
    "operations_api_key": "Operations Portal API key (secret; the file is kept with mode 0600).",
    "auth": "Google sign-in: service_account (JSON key file) or oauth (sign in as a person).",
    "credentials": "Path of the Google service-account JSON key file.",
    "oauth_client_secret": "With auth = oauth: path of the OAuth client-secret JSON file.",
    "spreadsheet": "Key or URL of the OKR spreadsheet.",
    "sheets_api_url": "Advanced: replaces https://sheets.googleapis.com and "
    "https://www.googleapis.com in every Google API request (tests).",
    "worksheet_cloud": "Worksheet of the Cloud CPU/h report.",
    "worksheet_htc": "Worksheet of the HTC CPU/h report.",
    "worksheet_users": "Worksheet of the users report.",
    "worksheet_vos": "Worksheet of the VOs report.",
    "vos_report": "Include the VOs report in --report all.",
    "concurrency": "Maximum number of concurrent requests per source.",
    "timeout": "Read timeout of one request, in seconds.",
    "connect_timeout": "Connect timeout of one request, in seconds.",
    "retries": "Retries of a failed request (connect errors, timeouts, 429, 5xx).",
    "retry_base_delay": "First retry delay in seconds; doubled on each retry.",
    "retry_max_wait": "Cap on the total time spent waiting between retries, in seconds.",
    "verify_tls": "Verify TLS certificates (false only for testing; a warning is shown).",
    "excluded_vos": "VOs always left out of the reports (list of names).",
    "settling_days": "A period that ended fewer days ago than this is marked 'data may still "
    "change'.",
    "theme": "Colour theme of the TUI.",
}

CHOICES: dict[str, tuple[str, ...]] = {
    "accounting_api": ("auto", "dump", "legacy"),
    "accounting_selector": ("infra", "infra+local", "local"),
    "auth": ("service_account", "oauth"),
}
URL_KEYS = frozenset({"accounting_url", "operations_url", "sheets_api_url"})
_MIN: dict[str, tuple[float, bool]] = {  # key -> (bound, inclusive)
    "concurrency": (1, True),
    "retries": (0, True),
    "settling_days": (0, True),
    "timeout": (0, False),
    "connect_timeout": (0, False),
    "retry_base_delay": (0, True),
    "retry_max_wait": (0, True),
    "dump_max_age_hours": (0, True),
}
_MAX: dict[str, float] = {  # key -> largest sensible value (guards typos like 99999999)
    "concurrency": 64,
    "retries": 20,
    "settling_days": 366,
    "timeout": 3600,
    "connect_timeout": 600,
    "retry_base_delay": 600,
    "retry_max_wait": 3600,
    "dump_max_age_hours": 24 * 365,
}
_TEMPLATE_FIELDS = {
    "base": "https://example.org",
    "scope": "cloud",
    "metric": "sum_elap_processors",
    "start_year": "2024",
    "start_month": "10",
    "end_year": "2024",
    "end_month": "12",
    "vo_group": "egi",
    "job_selector": "onlyinfrajobs",
}


@dataclass(frozen=True)
class KeySpec:
    """One configuration key: its type, default, documentation and environment variable."""

    name: str
    kind: str  # str | bool | int | float | path | list
    optional: bool
    default: object
    help: str

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def secret(self) -> bool:
        return self.name in SECRET_KEYS


def _kind(hint: object) -> tuple[str, bool]:
    args = typing.get_args(hint)
    optional = type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if optional else hint
    if typing.get_origin(base) is tuple:
        return "list", optional
    names = {str: "str", bool: "bool", int: "int", float: "float", Path: "path"}
    return names[base], optional  # type: ignore[index]


def _build_specs() -> dict[str, KeySpec]:
    hints = typing.get_type_hints(Settings)
    defaults = Settings()
    specs: dict[str, KeySpec] = {}
    for f in dataclasses.fields(Settings):
        if f.name in _BOOKKEEPING:
            continue
        kind, optional = _kind(hints[f.name])
        specs[f.name] = KeySpec(f.name, kind, optional, getattr(defaults, f.name), _HELP[f.name])
    return specs


SPECS: dict[str, KeySpec] = _build_specs()
SETTING_DOCS: dict[str, tuple[str, str | None]] = {
    name: (spec.help, spec.env_var) for name, spec in SPECS.items()
}


def _show(spec: KeySpec, value: object) -> str:
    """A value as it may appear in an error message (never a secret)."""
    return "(hidden)" if spec.secret else repr(value)


def _bad(spec: KeySpec, value: object, origin: str, problem: str, fix: str) -> ConfigError:
    return ConfigError(
        f"{origin}: setting {spec.name!r} = {_show(spec, value)} is invalid: {problem}. {fix}",
        key=spec.name,
        origin=origin,
    )


def _type_name(value: object) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(
        type(value), "a " + type(value).__name__
    )


def convert_file_value(spec: KeySpec, value: object, origin: str, fix: str) -> object:
    """Check the TOML type of ``value`` and convert it to the Settings type."""
    want = {
        "str": "a string",
        "path": "a string (a file path)",
        "bool": "true or false",
        "int": "a whole number",
        "float": "a number",
        "list": "a list of strings",
    }[spec.kind]
    ok = {
        "str": isinstance(value, str),
        "path": isinstance(value, str),
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "list": isinstance(value, list) and all(isinstance(v, str) for v in value),
    }[spec.kind]
    if not ok:
        raise _bad(spec, value, origin, f"expected {want}, got {_type_name(value)}", fix)
    return _finish(spec, value)


def convert_env_value(spec: KeySpec, raw: str, origin: str, fix: str) -> object:
    """Convert an environment variable's text to the Settings type."""
    text = raw.strip()
    try:
        if spec.kind == "bool":
            if text.lower() not in _TRUE | _FALSE:
                raise ValueError("expected true/false, yes/no, on/off or 1/0")
            return text.lower() in _TRUE
        if spec.kind == "int":
            return _finish(spec, int(text))
        if spec.kind == "float":
            return _finish(spec, float(text))
    except ValueError as exc:
        problem = str(exc) if spec.kind == "bool" else f"expected {spec.kind}"
        raise _bad(spec, raw, origin, problem, fix) from None
    if spec.kind == "list":
        return tuple(v.strip() for v in text.split(",") if v.strip())
    return _finish(spec, text)


def _finish(spec: KeySpec, value: object) -> object:
    if spec.kind == "path":
        return Path(str(value)).expanduser()
    if spec.kind == "list":
        return tuple(str(v) for v in value)  # type: ignore[union-attr]
    if spec.kind == "float":
        return float(value)  # type: ignore[arg-type]
    return value


def validate_value(spec: KeySpec, value: object, origin: str, fix: str) -> None:
    """Check the meaning of an already-typed value; raise ConfigError naming key and origin."""
    if value is None:
        return
    if spec.name in CHOICES and value not in CHOICES[spec.name]:
        choices = ", ".join(CHOICES[spec.name])
        raise _bad(spec, value, origin, f"must be one of {choices}", fix)
    if spec.name in URL_KEYS:
        parts = urlsplit(str(value))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problem = "must be an http:// or https:// URL with a host"
            raise _bad(spec, value, origin, problem, fix)
    if isinstance(value, float) and not math.isfinite(value):
        raise _bad(spec, value, origin, "must be a finite number", fix)
    if spec.name in _MAX and value > _MAX[spec.name]:  # type: ignore[operator]
        raise _bad(spec, value, origin, f"must be at most {_MAX[spec.name]:g}", fix)
    if spec.name in _MIN:
        bound, inclusive = _MIN[spec.name]
        if (value < bound) if inclusive else (value <= bound):  # type: ignore[operator]
            word = "at least" if inclusive else "greater than"
            raise _bad(spec, value, origin, f"must be {word} {bound:g}", fix)
    if spec.kind == "str" and not spec.optional and not str(value).strip():
        raise _bad(spec, value, origin, "must not be empty", fix)
    if spec.name == "accounting_url_template":
        try:
            str(value).format(**_TEMPLATE_FIELDS)
        except (KeyError, IndexError, ValueError) as exc:
            problem = f"the template does not format ({type(exc).__name__}: {exc})"
            raise _bad(spec, value, origin, problem, fix) from None


def toml_default(spec: KeySpec) -> object | None:
    """The default as a TOML value (None when the key has no default)."""
    value = getattr(Settings(), spec.name)  # fresh: path defaults depend on the home dir
    if value is None:
        return None
    if isinstance(value, Path):
        home = str(Path.home())
        text = str(value)
        return "~" + text[len(home) :] if text.startswith(home + os.sep) else text
    if isinstance(value, tuple):
        return list(value)
    return value
