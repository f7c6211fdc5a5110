"""Server settings on pydantic-settings: the documented variables only, one-line errors, explicit arguments win."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

pytest.importorskip("pydantic_settings")

from propscan.errors import InputError  # noqa: E402
from propscan.server.settings import _ENV, Settings  # noqa: E402


def test_constructor_is_its_arguments_and_never_reads_the_environment(monkeypatch):
    monkeypatch.setenv("PROPSCAN_TOKEN", "from-the-environment")
    monkeypatch.setenv("PROPSCAN_WORKERS", "3")
    s = Settings(queue_size=4)
    assert s.token is None and s.workers == 1 and s.queue_size == 4
    assert Settings.from_env().token == "from-the-environment" and Settings.from_env().workers == 3


def test_from_env_reads_documented_variables_converts_and_lets_arguments_win():
    env = {
        "PROPSCAN_MAX_TEXT_CHARS": "2_000",
        "PROPSCAN_REQUEST_TIMEOUT": "1.5",
        "PROPSCAN_QUEUE_SIZE": "",  # empty: ignored
        "PROPSCAN_TOKEN": "   ",  # blank token: none
        "PROPSCAN_MODEL": "baseline",
        "PROPSCAN_CORPUS_DIR": "/srv/stores",
        "PROPSCAN_RETRY_AFTER": "9",  # not a documented variable: not read
    }
    s = Settings.from_env(env, workers=None, batch_size=4)
    assert (s.max_text_chars, s.request_timeout, s.queue_size, s.token) == (2000, 1.5, 16, None)
    assert (s.model, s.corpus_dir, s.retry_after, s.batch_size, s.workers) == ("baseline", "/srv/stores", 2, 4, 1)
    assert Settings.from_env({"PROPSCAN_MODEL": "baseline"}, model="x").model == "x"
    assert set(_ENV.values()) == {f"PROPSCAN_{name.upper()}" for name in _ENV}


@pytest.mark.parametrize("env,message", [
    ({"PROPSCAN_WORKERS": "two"}, "environment variable PROPSCAN_WORKERS='two' is not a number"),
    ({"PROPSCAN_REQUEST_TIMEOUT": "soon"}, "PROPSCAN_REQUEST_TIMEOUT='soon' is not a number"),
    ({"PROPSCAN_BATCH_SIZE": "0"}, "server setting batch_size must be at least 1, got 0"),
])
def test_bad_environment_values_are_one_input_error_line(env, message):
    with pytest.raises(InputError, match=message):
        Settings.from_env(env)


def test_bad_arguments_and_unknown_names():
    with pytest.raises(InputError, match="fetch_ports must be TCP ports"):
        Settings(fetch_ports=(0,))
    with pytest.raises(InputError, match="queue_size must be 0 or more"):
        Settings(queue_size=-1)
    with pytest.raises(InputError, match="max_connections_per_client must be at least 1"):
        Settings(max_connections_per_client=0)
    with pytest.raises(TypeError, match="unknown server settings: bogus"):
        Settings.from_env({}, bogus=1)
    with pytest.raises(TypeError, match="unknown server settings: bogus"):
        Settings(bogus=1)


def test_frozen_hashable_and_with_revalidates():
    s = Settings(fetch_ports=[80, "8080"])
    assert s.fetch_ports == (80, 8080) and s == Settings(fetch_ports=(80, 8080)) and hash(s) == hash(Settings(fetch_ports=(80, 8080)))
    with pytest.raises(ValidationError, match="frozen"):
        s.token = "x"  # type: ignore[misc]
    t = s.with_(allowed_hosts=("127.0.0.1", "localhost"))
    assert t.allowed_hosts == ("127.0.0.1", "localhost") and t.fetch_ports == (80, 8080) and s.allowed_hosts is None
    with pytest.raises(InputError, match="workers must be at least 1"):
        s.with_(workers=0)
