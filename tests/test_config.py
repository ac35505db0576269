"""Settings from the environment: defaults, aliases and start-up errors that name the variable."""

from __future__ import annotations

import pytest

from service.config import ConfigError, load_settings
from service.http.limits import Rate


def test_defaults_pick_the_embedded_backend(settings_env):
    settings = load_settings()
    assert settings.resolved_backend == "llama"
    assert (settings.max_attempts, settings.timeout, settings.deadline, settings.max_chars) == (3, 60.0, 120.0, 200_000)
    assert settings.api_keys == () and settings.resolved_rate_limit is None


@pytest.mark.parametrize("variable", ["SUMMARIZER_BASE_URL", "SUMMARIZER_API_KEY", "OPENAI_API_KEY"])
def test_a_base_url_or_key_picks_the_openai_backend(settings_env, variable):
    settings_env.setenv(variable, "http://127.0.0.1:8001/v1")
    assert load_settings().resolved_backend == "openai"


def test_explicit_backend_wins(settings_env):
    settings_env.setenv("OPENAI_API_KEY", "sk-test")
    settings_env.setenv("SUMMARIZER_BACKEND", "llama")
    assert load_settings().resolved_backend == "llama"


def test_inbound_keys_turn_on_the_default_rate_limit(settings_env):
    settings_env.setenv("SUMMARIZER_API_KEYS", " k1 , k2,,")
    settings = load_settings()
    assert [k.get_secret_value() for k in settings.api_keys] == ["k1", "k2"]
    assert settings.resolved_rate_limit == Rate(120, 60.0)
    settings_env.setenv("SUMMARIZER_RATE_LIMIT", "off")
    assert load_settings().resolved_rate_limit is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SUMMARIZER_TIMEOUT", "soon"),
        ("SUMMARIZER_DEADLINE", "-1"),
        ("SUMMARIZER_MAX_ATTEMPTS", "0"),
        ("SUMMARIZER_MAX_CHARS", "lots"),
        ("SUMMARIZER_BACKEND", "gpt"),
        ("SUMMARIZER_RATE_LIMIT", "5/fortnight"),
        ("SUMMARIZER_STRATEGY", "guess"),
        ("SUMMARIZER_RESPONSE_FORMAT", "xml"),
        ("SUMMARIZER_MAX_ANSWER_TOKENS", "0"),
    ],
)
def test_malformed_values_name_their_variable(settings_env, variable, value):
    settings_env.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        load_settings()


def test_keys_are_never_echoed_in_errors(settings_env):
    settings_env.setenv("SUMMARIZER_API_KEYS", "secret-key")
    settings_env.setenv("SUMMARIZER_TIMEOUT", "x")
    with pytest.raises(ConfigError) as failure:
        load_settings()
    assert "secret-key" not in str(failure.value)


def test_a_missing_model_file_stops_start_up(settings_env, tmp_path):
    settings_env.setenv("SUMMARIZER_MODEL", str(tmp_path / "missing.gguf"))
    settings_env.setenv("SUMMARIZER_API_KEYS", "secret-key")
    with pytest.raises(ConfigError, match="SUMMARIZER_MODEL: no GGUF file at") as failure:
        load_settings()
    assert "secret-key" not in str(failure.value)
    settings_env.setenv("SUMMARIZER_BASE_URL", "http://127.0.0.1:8001/v1")
    assert load_settings().model.endswith("missing.gguf"), "a model name, not a file, for the openai backend"
