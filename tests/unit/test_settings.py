"""The one settings model: every variable read once, converted to its field's type, refused with its name."""

from __future__ import annotations

import pytest

from realty.core.config import Settings, get_settings, reset_settings


def test_resource_names_and_processing_knobs_come_from_one_read_with_their_types():
    settings = Settings.from_environ(
        {
            "MAIN_TABLE": "t-main",
            "RECORDINGS_BUCKET": "rec",
            "BOOKING_MIN_LEAD_MINUTES": "15",
            "AUDIO_CHUNK_SECONDS": "30",
            "OPENAI_TIMEOUT_SECONDS": "90",
            "OPENAI_MODEL": "gpt-test",
        }
    )

    assert (settings.main_table, settings.recordings_bucket) == ("t-main", "rec")
    assert settings.booking_min_lead_minutes == 15
    assert settings.audio_chunk_seconds == 30 and isinstance(settings.audio_chunk_seconds, int)
    assert settings.openai_timeout_seconds == 90.0 and isinstance(settings.openai_timeout_seconds, float)
    assert settings.openai_model == "gpt-test"


def test_unset_or_empty_variables_keep_the_defaults():
    settings = Settings.from_environ({"AUDIO_CHUNK_SECONDS": "", "OPENAI_MODEL": "", "RECORDINGS_BUCKET": ""})

    assert settings == Settings()
    assert (settings.audio_chunk_seconds, settings.openai_model, settings.recordings_bucket) == (600, "gpt-4o-mini", "")


def test_the_region_falls_back_to_the_default_region_variable():
    assert Settings.from_environ({"AWS_DEFAULT_REGION": "eu-west-1"}).region == "eu-west-1"
    assert Settings.from_environ({"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}).region == "us-west-2"


def test_a_value_of_the_wrong_type_is_refused_naming_the_variable():
    with pytest.raises(ValueError, match="AUDIO_CHUNK_SECONDS='ten minutes' is not a valid int"):
        Settings.from_environ({"AUDIO_CHUNK_SECONDS": "ten minutes"})


def test_settings_are_read_once_per_container_until_reset(monkeypatch):
    monkeypatch.setenv("LLM_WINDOW_CHARS", "5000")
    reset_settings()
    try:
        first = get_settings()
        monkeypatch.setenv("LLM_WINDOW_CHARS", "6000")
        assert get_settings() is first and first.llm_window_chars == 5000
        reset_settings()
        assert get_settings().llm_window_chars == 6000
    finally:
        monkeypatch.undo()
        reset_settings()
