"""Configuration (SPEC §7): first use, environment, validation, secrets, `okr-tui config`."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from pathlib import Path

import platformdirs
import pytest

from okr_tui.cli import main
from okr_tui.config import (
    SETTING_DOCS,
    ConfigError,
    init_config,
    load_settings,
    mask_secret,
    masked,
    missing_setup,
    render_defaults,
    save_settings,
)
from okr_tui.logs import LOGGER_NAME
from okr_tui.paths import AppPaths
from okr_tui.services.bootstrap import load_context
from okr_tui.settings import Settings

KEY = "test-SECRET-key-7f3a9c"
BOOKKEEPING = {"env_overridden", "source_file"}


@pytest.fixture(autouse=True)
def _drop_log_handlers():
    yield
    logger = __import__("logging").getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def write(paths: AppPaths, text: str) -> Path:
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(text, encoding="utf-8")
    return paths.config_file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def comparable(settings: Settings) -> dict[str, object]:
    return {k: v for k, v in dataclasses.asdict(settings).items() if k not in BOOKKEEPING}


# --- first use --------------------------------------------------------------------------------
def test_config_file_lives_in_the_platform_config_dir(app_paths: AppPaths) -> None:
    expected = Path(platformdirs.user_config_dir("okr-tui")) / "config.toml"
    assert app_paths.config_file == expected
    assert str(app_paths.config_file).startswith(os.environ["HOME"])


def test_first_use_creates_commented_defaults(app_paths: AppPaths) -> None:
    assert not app_paths.config_file.exists()
    ctx = load_context(env={})
    text = app_paths.config_file.read_text()
    assert comparable(ctx.settings) == comparable(Settings())
    for key, (_help, env_var) in SETTING_DOCS.items():
        assert re.search(rf"(?m)^# {key} = ", text), key
        assert env_var in text
    assert all(not line.strip() or line.startswith("#") for line in text.splitlines())


def test_load_settings_alone_does_not_create_the_file(app_paths: AppPaths) -> None:
    settings, warnings = load_settings(app_paths, {})
    assert not app_paths.config_file.exists()
    assert comparable(settings) == comparable(Settings())
    assert warnings == []


def test_uncommenting_every_default_gives_the_same_settings(app_paths: AppPaths) -> None:
    text = re.sub(r"(?m)^# (\w+ = )", r"\1", render_defaults())
    write(app_paths, text)
    settings, warnings = load_settings(app_paths, {})
    assert comparable(settings) == comparable(Settings())
    assert warnings == []


def test_every_setting_is_documented_with_an_env_var() -> None:
    fields = {f.name for f in dataclasses.fields(Settings)} - BOOKKEEPING
    assert set(SETTING_DOCS) == fields
    for key, (help_text, env_var) in SETTING_DOCS.items():
        assert help_text
        assert env_var == "OKR_TUI_" + key.upper()


# --- environment ----------------------------------------------------------------------------
def test_env_overrides_file_and_is_listed(app_paths: AppPaths, tmp_path: Path) -> None:
    write(app_paths, 'concurrency = 3\nspreadsheet = "from-file"\naccounting_api = "dump"\n')
    env = {
        "OKR_TUI_SPREADSHEET": "from-env",
        "OKR_TUI_OPERATIONS_API_KEY": KEY,
        "OKR_TUI_VERIFY_TLS": "no",
        "OKR_TUI_TIMEOUT": "2.5",
        "OKR_TUI_EXCLUDED_VOS": "vo.a, vo.b,",
        "OKR_TUI_CREDENTIALS": "~/sa.json",
        "OKR_TUI_ACCOUNTING_URL": "http://127.0.0.1:9/acc",
        "OKR_TUI_RETRIES": "",  # empty: ignored
    }
    settings, warnings = load_settings(app_paths, env)
    assert settings.spreadsheet == "from-env"
    assert settings.concurrency == 3
    assert settings.accounting_api == "dump"
    assert settings.operations_api_key == KEY
    assert settings.verify_tls is False
    assert settings.timeout == 2.5
    assert settings.excluded_vos == ("vo.a", "vo.b")
    assert settings.credentials == Path(os.environ["HOME"]) / "sa.json"
    assert settings.accounting_url == "http://127.0.0.1:9/acc"
    assert settings.retries == Settings().retries
    assert settings.env_overridden == {
        "spreadsheet",
        "operations_api_key",
        "verify_tls",
        "timeout",
        "excluded_vos",
        "credentials",
        "accounting_url",
    }
    assert any("verify_tls" in w for w in warnings)


def test_credentials_path_in_file_expands_tilde(app_paths: AppPaths) -> None:
    write(app_paths, 'credentials = "~/keys/sa.json"\n')
    settings, _ = load_settings(app_paths, {})
    assert settings.credentials == Path(os.environ["HOME"]) / "keys" / "sa.json"


@pytest.mark.parametrize(
    ("var", "value", "key"),
    [
        ("OKR_TUI_CONCURRENCY", "-2", "concurrency"),
        ("OKR_TUI_CONCURRENCY", "eight", "concurrency"),
        ("OKR_TUI_VERIFY_TLS", "maybe", "verify_tls"),
        ("OKR_TUI_OPERATIONS_URL", "operations-portal.egi.eu/api", "operations_url"),
        ("OKR_TUI_ACCOUNTING_API", "fast", "accounting_api"),
    ],
)
def test_bad_env_value_names_the_variable(
    app_paths: AppPaths, var: str, value: str, key: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(app_paths, {var: value})
    assert var in str(info.value)
    assert repr(key) in str(info.value)
    assert info.value.key == key


# --- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "key", "problem"),
    [
        ('accounting_url = "ftp://accounting.egi.eu"', "accounting_url", "http"),
        ('operations_url = "not a url"', "operations_url", "http"),
        ('sheets_api_url = "file:///tmp/x"', "sheets_api_url", "http"),
        ("concurrency = -1", "concurrency", "at least 1"),
        ("concurrency = 0", "concurrency", "at least 1"),
        ('concurrency = "8"', "concurrency", "whole number"),
        ("concurrency = 2.5", "concurrency", "whole number"),
        ("concurrency = true", "concurrency", "whole number"),
        ("timeout = 0", "timeout", "greater than 0"),
        ("retries = -1", "retries", "at least 0"),
        ('accounting_api = "magic"', "accounting_api", "auto, dump, legacy"),
        ('auth = "password"', "auth", "service_account, oauth"),
        ('accounting_selector = "all"', "accounting_selector", "infra"),
        ('verify_tls = "yes"', "verify_tls", "true or false"),
        ('excluded_vos = "a,b"', "excluded_vos", "list of strings"),
        ("excluded_vos = [1, 2]", "excluded_vos", "list of strings"),
        ('worksheet_users = ""', "worksheet_users", "empty"),
        ('accounting_url_template = "{base}/{nope}/"', "accounting_url_template", "nope"),
    ],
)
def test_bad_value_error_names_key_value_file_and_fix(
    app_paths: AppPaths, line: str, key: str, problem: str
) -> None:
    file = write(app_paths, f"{line}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(app_paths, {})
    message = str(info.value)
    assert str(file) in message
    assert repr(key) in message
    assert problem in message
    assert "Edit" in message
    assert info.value.key == key


def test_bad_secret_value_is_never_shown(app_paths: AppPaths) -> None:
    write(app_paths, f'operations_api_key = ["{KEY}"]\n')
    with pytest.raises(ConfigError) as info:
        load_settings(app_paths, {})
    assert "operations_api_key" in str(info.value)
    assert KEY not in str(info.value)


def test_invalid_toml_names_the_file(app_paths: AppPaths) -> None:
    file = write(app_paths, "concurrency = = 3\n")
    with pytest.raises(ConfigError) as info:
        load_settings(app_paths, {})
    assert str(file) in str(info.value)
    assert "TOML" in str(info.value)


def test_save_into_invalid_toml_names_the_file_and_writes_nothing(app_paths: AppPaths) -> None:
    file = write(app_paths, "concurrency = = 3\n")
    with pytest.raises(ConfigError) as info:
        save_settings(app_paths, {"retries": 1}, env={})
    assert str(file) in str(info.value)
    assert file.read_text() == "concurrency = = 3\n"


def test_unknown_key_is_a_warning_not_an_error(app_paths: AppPaths) -> None:
    file = write(app_paths, "concurency = 4\ncolour = 'blue'\nretries = 2\n")
    settings, warnings = load_settings(app_paths, {})
    assert settings.retries == 2
    assert settings.concurrency == Settings().concurrency
    assert len(warnings) == 2
    assert all(str(file) in w for w in warnings)
    assert "'concurency'" in warnings[0]
    assert "'concurrency'" in warnings[0]  # the suggestion


# --- saving, secrets and file mode ----------------------------------------------------------
def test_save_keeps_comments_writes_in_place_and_0600(app_paths: AppPaths) -> None:
    init_config(app_paths)
    file = app_paths.config_file
    file.write_text("# my own note\n" + file.read_text())
    settings = save_settings(
        app_paths,
        {"operations_api_key": KEY, "concurrency": 4, "excluded_vos": ("vo.x",), "timeout": 5},
        env={},
    )
    text = file.read_text()
    assert text.startswith("# my own note\n")
    assert "\nconcurrency = 4\n" in text
    assert not re.search(r"(?m)^# concurrency = ", text)  # uncommented where it was
    assert settings.concurrency == 4
    assert settings.operations_api_key == KEY
    assert settings.excluded_vos == ("vo.x",)
    assert settings.timeout == 5.0
    assert mode(file) == 0o600
    settings = save_settings(app_paths, {"concurrency": None}, env={})
    assert settings.concurrency == Settings().concurrency
    assert "# my own note" in file.read_text()


def test_save_creates_the_file_when_missing(app_paths: AppPaths) -> None:
    settings = save_settings(app_paths, {"spreadsheet": "abc123"}, env={})
    assert settings.spreadsheet == "abc123"
    assert "OKR_TUI_SPREADSHEET" in app_paths.config_file.read_text()


def test_save_refuses_bad_values_and_writes_nothing(app_paths: AppPaths) -> None:
    init_config(app_paths)
    before = app_paths.config_file.read_text()
    with pytest.raises(ConfigError, match="concurrency"):
        save_settings(app_paths, {"concurrency": 0}, env={})
    with pytest.raises(ConfigError, match="nope"):
        save_settings(app_paths, {"nope": 1}, env={})
    with pytest.raises(ConfigError, match="operations_url"):
        save_settings(app_paths, {"operations_url": "ftp://x"}, env={})
    assert app_paths.config_file.read_text() == before


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_existing_readable_file_with_secret_is_chmodded(app_paths: AppPaths) -> None:
    file = write(app_paths, f'operations_api_key = "{KEY}"\n')
    os.chmod(file, 0o644)
    settings, warnings = load_settings(app_paths, {})
    assert settings.operations_api_key == KEY
    assert mode(file) == 0o600
    assert any("600" in w for w in warnings)
    assert not any(KEY in w for w in warnings)


def test_secret_is_not_in_repr_or_masked_view(fast_settings: Settings) -> None:
    assert KEY not in repr(fast_settings)
    view = masked(fast_settings)
    assert view["operations_api_key"] == "****" + KEY[-4:]  # a 22-character key
    assert KEY not in " ".join(view.values())
    assert mask_secret(None) == "(not set)"
    assert mask_secret("short") == "(set)"
    assert mask_secret("a-long-enough-secret-abcd").endswith("abcd")


def test_missing_setup_lists_what_onboarding_needs(tmp_path: Path) -> None:
    sa = tmp_path / "sa.json"
    sa.write_text("{}")
    assert set(missing_setup(Settings(credentials=tmp_path / "none.json"))) == {
        "spreadsheet",
        "credentials",
        "operations_api_key",
    }
    ready = Settings(spreadsheet="k", credentials=sa, operations_api_key=KEY)
    assert missing_setup(ready) == []
    assert "oauth_client_secret" in missing_setup(dataclasses.replace(ready, auth="oauth"))


# --- okr-tui config ---------------------------------------------------------------------------
def test_config_path_prints_the_file(app_paths: AppPaths, capsys: pytest.CaptureFixture) -> None:
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(app_paths.config_file)


def test_config_show_masks_the_key_and_names_sources(
    app_paths: AppPaths, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(app_paths, f'operations_api_key = "{KEY}"\nconcurrency = 5\n')
    monkeypatch.setenv("OKR_TUI_SPREADSHEET", "sheet-key-from-env")
    assert main(["config", "show"]) == 0
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err
    rows = {line.split()[0]: line for line in captured.out.splitlines() if line[:1].isalpha()}
    assert set(rows) == set(SETTING_DOCS)
    assert "****" + KEY[-4:] in rows["operations_api_key"]
    assert rows["operations_api_key"].rstrip().endswith("(file)")
    assert "5" in rows["concurrency"] and rows["concurrency"].rstrip().endswith("(file)")
    assert "sheet-key-from-env" in rows["spreadsheet"]
    assert rows["spreadsheet"].rstrip().endswith("(env)")
    assert rows["retries"].rstrip().endswith("(default)")
    assert str(app_paths.config_file) in captured.out


def test_config_show_masks_an_env_key(
    app_paths: AppPaths, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TUI_OPERATIONS_API_KEY", KEY)
    assert main(["config", "show"]) == 0
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err
    assert app_paths.config_file.exists()  # first use created it
    assert KEY not in app_paths.config_file.read_text()


def test_config_show_bad_value_exits_1_without_traceback(
    app_paths: AppPaths, capsys: pytest.CaptureFixture
) -> None:
    file = write(app_paths, "concurrency = -4\n")
    assert main(["config", "show"]) == 1
    err = capsys.readouterr().err
    assert "concurrency" in err and str(file) in err
    assert "Traceback" not in err


def test_config_init_refuses_then_force_overwrites(
    app_paths: AppPaths, capsys: pytest.CaptureFixture
) -> None:
    assert main(["config", "init"]) == 0
    assert app_paths.config_file.read_text() == render_defaults()
    app_paths.config_file.write_text("concurrency = 2\n")
    assert main(["config", "init"]) == 1
    assert "--force" in capsys.readouterr().err
    assert app_paths.config_file.read_text() == "concurrency = 2\n"
    assert main(["config", "init", "--force"]) == 0
    assert app_paths.config_file.read_text() == render_defaults()


# --- bootstrap --------------------------------------------------------------------------------
def test_load_context_demo_needs_no_setup_and_keeps_warnings(
    app_paths: AppPaths, frozen_clock
) -> None:
    write(app_paths, "unknown_thing = 1\n")
    ctx = load_context(demo=True, env={}, clock=frozen_clock)
    assert ctx.demo is True
    assert ctx.clock is frozen_clock
    assert ctx.settings.spreadsheet is None
    assert any("unknown_thing" in w for w in ctx.warnings)
    assert ctx.paths == app_paths


def test_load_context_raises_config_error(app_paths: AppPaths) -> None:
    write(app_paths, 'accounting_api = "nope"\n')
    with pytest.raises(ConfigError, match="accounting_api"):
        load_context(env={})


@pytest.mark.parametrize(
    ("var", "value", "problem"),
    [
        ("OKR_TUI_TIMEOUT", "nan", "finite"),
        ("OKR_TUI_RETRY_BASE_DELAY", "inf", "finite"),
        ("OKR_TUI_CONCURRENCY", "99999999999999999999", "at most 64"),
        ("OKR_TUI_RETRIES", "1000", "at most 20"),
    ],
)
def test_non_finite_and_absurd_numbers_are_refused(
    app_paths: AppPaths, var: str, value: str, problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem) as err:
        load_settings(app_paths, {var: value})
    assert var in str(err.value)
