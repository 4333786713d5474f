"""Pure helpers of the settings screen: grouping, text ↔ value conversion and validation."""

from __future__ import annotations

from pathlib import Path

from textual.validation import ValidationResult, Validator

from okr_tui.config_schema import (
    CHOICES,
    SPECS,
    ConfigError,
    KeySpec,
    convert_env_value,
    validate_value,
)

ORIGIN = "settings"

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Google Sheets",
        (
            "spreadsheet",
            "auth",
            "credentials",
            "oauth_client_secret",
            "worksheet_cloud",
            "worksheet_htc",
            "worksheet_users",
            "worksheet_vos",
            "vos_report",
            "sheets_api_url",
        ),
    ),
    ("Operations Portal", ("operations_url", "operations_api_key")),
    (
        "Accounting Portal",
        (
            "accounting_url",
            "accounting_api",
            "accounting_selector",
            "accounting_url_template",
            "dump_max_age_hours",
        ),
    ),
    (
        "Network",
        (
            "concurrency",
            "timeout",
            "connect_timeout",
            "retries",
            "retry_base_delay",
            "retry_max_wait",
            "verify_tls",
        ),
    ),
    ("Reports and display", ("excluded_vos", "settling_days", "theme")),
)


def grouped_keys() -> list[tuple[str, list[str]]]:
    """Every key of SPECS exactly once, in display groups (unlisted keys go to "Other")."""
    out: list[tuple[str, list[str]]] = []
    listed: set[str] = set()
    for title, keys in GROUPS:
        present = [k for k in keys if k in SPECS]
        listed.update(present)
        if present:
            out.append((title, present))
    other = [k for k in SPECS if k not in listed]
    if other:
        out.append(("Other", other))
    return out


def choices_for(spec: KeySpec, themes: tuple[str, ...]) -> tuple[str, ...] | None:
    """The allowed values of a key shown as a selector (None: free text)."""
    if spec.name == "theme":
        return themes
    return CHOICES.get(spec.name)


def to_text(spec: KeySpec, value: object) -> str:
    """A setting's value as editable text (lists comma-separated; None empty)."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def problem_of(exc: ConfigError) -> str:
    """The short problem part of a ConfigError message."""
    text = str(exc)
    _, sep, rest = text.partition(" is invalid: ")
    return rest.rstrip(". ") if sep else text


def parse_text(spec: KeySpec, text: str) -> object:
    """Convert and validate typed text; raises ConfigError naming the problem."""
    text = text.strip()
    if not text:
        if spec.kind == "list":
            return ()
        if spec.optional:
            return None
        if spec.kind not in ("str", "path"):
            raise ConfigError(f"setting {spec.name!r} is invalid: a value is required")
    value = convert_env_value(spec, text, ORIGIN, "")
    validate_value(spec, value, ORIGIN, "")
    if spec.kind == "path" and not text:
        raise ConfigError(f"setting {spec.name!r} is invalid: a path is required")
    return value


class SpecValidator(Validator):
    """Validates an Input as you type with the config schema of one key."""

    def __init__(self, spec: KeySpec, keep_empty: bool = False) -> None:
        super().__init__()
        self.spec = spec
        self.keep_empty = keep_empty  # secret fields: empty keeps the stored value

    def validate(self, value: str) -> ValidationResult:
        if self.keep_empty and not value.strip():
            return self.success()
        try:
            parse_text(self.spec, value)
        except ConfigError as exc:
            return self.failure(problem_of(exc))
        return self.success()
