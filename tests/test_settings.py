"""Settings: CONTENT_DIR, IMPORT_INTERVAL and GLOSSARY from the environment or meetup-bot.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError


def test_from_env_notes_settings_default_to_unset(tmp_path: Path) -> None:
    settings = Settings.from_env({}, tmp_path / "none.yaml")
    assert (settings.content_dir, settings.import_interval, settings.glossary) == (
        None, None, None)


def test_from_env_reads_notes_settings() -> None:
    settings = Settings.from_env({"CONTENT_DIR": "/notes:/more notes", "IMPORT_INTERVAL": "300",
                                  "GLOSSARY": "/notes/glossary.yaml"})
    assert settings.content_dir == "/notes:/more notes"
    assert settings.import_interval == 300
    assert settings.glossary == "/notes/glossary.yaml"


def test_from_env_reads_notes_settings_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "meetup-bot.yaml"
    path.write_text("content_dir: /notes\nimport_interval: 60\nglossary: g.yaml\n",
                    encoding="utf-8")
    settings = Settings.from_env({"IMPORT_INTERVAL": "90"}, path)
    assert (settings.content_dir, settings.import_interval, settings.glossary) == (
        "/notes", 90, "g.yaml")


@pytest.mark.parametrize("raw", ["0", " 0 "])
def test_from_env_import_interval_zero_is_off(raw: str) -> None:
    assert Settings.from_env({"IMPORT_INTERVAL": raw}).import_interval is None


@pytest.mark.parametrize(("raw", "message"), [
    ("-5", "IMPORT_INTERVAL must not be negative"),
    ("five", "IMPORT_INTERVAL must be a whole number of seconds, not 'five'"),
    ("1.5", "IMPORT_INTERVAL must be a whole number of seconds"),
    ("5m", "IMPORT_INTERVAL must be a whole number of seconds"),
])
def test_from_env_import_interval_rejects_junk(raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"IMPORT_INTERVAL": raw})


def test_from_env_import_settings_default_and_parse() -> None:
    settings = Settings.from_env({}, yaml_path="/nonexistent.yaml")
    assert (settings.import_users, settings.import_allow_hosts) == ("*", None)
    settings = Settings.from_env({"IMPORT_USERS": "U0AAA1, S0GRP1 W0BBB2",
                                  "IMPORT_ALLOW_HOSTS": "wiki.intra,  docs.corp.example"},
                                 yaml_path="/nonexistent.yaml")
    assert settings.import_users == "U0AAA1,S0GRP1,W0BBB2"
    assert settings.import_allow_hosts == "wiki.intra,docs.corp.example"


def test_from_env_import_settings_from_yaml_lists(tmp_path: Path) -> None:
    path = tmp_path / "meetup-bot.yaml"
    path.write_text("import_users: [U0AAA1, S0GRP1]\nimport_allow_hosts: [wiki.intra]\n",
                    encoding="utf-8")
    settings = Settings.from_env({}, yaml_path=path)
    assert (settings.import_users, settings.import_allow_hosts) == ("U0AAA1,S0GRP1",
                                                                    "wiki.intra")


@pytest.mark.parametrize(("env", "message"), [
    ({"IMPORT_USERS": "alice"}, "IMPORT_USERS must list"),
    ({"IMPORT_USERS": "U0AAA1;drop"}, "IMPORT_USERS must list"),
    ({"IMPORT_ALLOW_HOSTS": "http://wiki.intra/"}, "IMPORT_ALLOW_HOSTS must list host names"),
])
def test_from_env_import_settings_reject_junk(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env, yaml_path="/nonexistent.yaml")


@pytest.mark.parametrize(("raw", "value"), [("ja", "ja"), ("EN", "en"), (" en ", "en")])
def test_from_env_bot_language(raw: str, value: str, tmp_path: Path) -> None:
    assert Settings.from_env({"BOT_LANGUAGE": raw}, tmp_path / "none.yaml").bot_language == value


@pytest.mark.parametrize("raw", ["english", "fr", "jp-JP"])
def test_from_env_bot_language_rejects_others(raw: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="BOT_LANGUAGE must be ja or en"):
        Settings.from_env({"BOT_LANGUAGE": raw}, tmp_path / "none.yaml")
