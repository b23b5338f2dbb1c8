"""Configuring the Redis driver: URL, name and options, client; every mistake named. No I/O."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
import redis
import redis.asyncio
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance import BackendConfigError, configure_backend
from fastapi_maintenance._state.state import default_backend
from fastapi_maintenance.backends import available_backends, create_backend, get_backend_class
from fastapi_maintenance_redis import DEFAULT_KEY, RedisBackend

URL = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("scheme", ["redis", "rediss", "unix"])
def test_every_redis_url_scheme_is_an_entry_point_of_the_driver(scheme: str) -> None:
    assert scheme in available_backends()
    assert get_backend_class(scheme) is RedisBackend


@pytest.mark.parametrize(
    "url", ["redis://cache:6379/2", "rediss://cache:6380/0", "unix:///run/redis.sock?db=1"]
)
def test_a_url_builds_the_driver_through_the_registry(url: str) -> None:
    assert isinstance(create_backend(url), RedisBackend)


def test_the_environment_variable_may_name_a_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", f"{URL}?key=env:maintenance")
    backend = default_backend()
    assert isinstance(backend, RedisBackend)
    assert backend.key == "env:maintenance"


def test_the_driver_name_takes_its_options_as_keywords() -> None:
    configure_backend("redis", url=URL, key="app:maintenance", resync_interval=2, assume=True)
    backend = default_backend()
    assert isinstance(backend, RedisBackend)
    assert (backend.key, backend.options.resync_interval, backend.options.assume) == (
        "app:maintenance",
        2.0,
        True,
    )


def test_defaults_are_a_namespaced_key_and_a_channel_derived_from_it() -> None:
    backend = RedisBackend()
    assert backend.key == DEFAULT_KEY == "fastapi_maintenance:state"
    assert backend.channel == f"{DEFAULT_KEY}:changes"
    assert backend.options.url == "redis://127.0.0.1:6379/0"
    assert backend.options.assume is False


def test_the_channel_follows_a_custom_key_unless_given() -> None:
    assert RedisBackend(URL, key="a:b").channel == "a:b:changes"
    assert RedisBackend(URL, key="a:b", channel="elsewhere").channel == "elsewhere"


def test_url_query_holds_driver_options_and_leaves_the_rest_to_redis_py() -> None:
    backend = RedisBackend.from_url(
        f"{URL}?key=myapp:maintenance&assume=on&resync_interval=0.5&timeout=3&socket_keepalive=1"
    )
    assert backend.key == "myapp:maintenance"
    assert backend.options.assume is True
    assert backend.options.resync_interval == 0.5
    assert backend.options.timeout == 3.0
    assert backend.options.url == f"{URL}?socket_keepalive=1"


def test_keyword_options_win_over_the_url_query() -> None:
    backend = RedisBackend.from_url(f"{URL}?key=from:url", key="from:keyword")
    assert backend.key == "from:keyword"


@given(st.text(st.characters(blacklist_categories=["Cs"]), min_size=1).filter(str.strip))
def test_any_key_survives_being_percent_encoded_in_a_url(key: str) -> None:
    assert RedisBackend.from_url(f"{URL}?key={quote(key, safe='')}").key == key


@pytest.mark.parametrize(
    "options",
    [
        {"resync_interval": "0.25", "timeout": "2", "assume": "on"},
        {"resync_interval": 0.25, "timeout": 2, "assume": True},
    ],
)
def test_options_are_accepted_as_strings_as_from_a_command_line(options: dict[str, object]) -> None:
    backend = RedisBackend(URL, **options)
    assert (backend.options.resync_interval, backend.options.timeout) == (0.25, 2.0)
    assert backend.options.assume is True


def test_redis_py_options_given_as_strings_are_parsed_like_url_query_values() -> None:
    backend = create_backend(URL, socket_timeout="2.5", health_check_interval="3")
    assert backend.options.redis_kwargs == {"socket_timeout": 2.5, "health_check_interval": 3}


def test_an_unknown_url_option_names_the_options_accepted() -> None:
    with pytest.raises(BackendConfigError, match="bogus") as caught:
        create_backend(f"{URL}?bogus=1")
    assert "key, channel, assume, resync_interval, timeout" in str(caught.value)
    assert "socket_timeout" in str(caught.value)


def test_an_unknown_keyword_option_is_refused() -> None:
    with pytest.raises(BackendConfigError, match="bogus"):
        create_backend("redis", url=URL, bogus="1")


def test_an_invalid_redis_py_option_value_is_refused() -> None:
    with pytest.raises(BackendConfigError, match="socket_timeout"):
        create_backend(f"{URL}?socket_timeout=soon")


@pytest.mark.parametrize("option", ["resync_interval", "timeout"])
@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf", "soon", "", None, True])
def test_durations_must_be_positive_numbers_of_seconds(option: str, bad: object) -> None:
    with pytest.raises(BackendConfigError, match=f"{option} must be a number of seconds > 0"):
        RedisBackend(URL, **{option: bad})


def test_assume_names_the_accepted_spellings() -> None:
    with pytest.raises(BackendConfigError, match=r"assume: .*expected one of"):
        RedisBackend(URL, assume="maybe")


@pytest.mark.parametrize("option", ["key", "channel"])
@pytest.mark.parametrize("bad", ["", "   ", 3])
def test_key_and_channel_must_be_non_empty_strings(option: str, bad: object) -> None:
    with pytest.raises(BackendConfigError, match=f"{option} must be a non-empty string"):
        RedisBackend(URL, **{option: bad})


def test_a_url_of_another_scheme_is_refused() -> None:
    with pytest.raises(BackendConfigError, match=r"redis://, rediss://, unix://"):
        RedisBackend("http://cache:6379")


def test_a_client_is_accepted_instead_of_a_url() -> None:
    client = redis.asyncio.Redis(host="cache", port=6390, db=3)
    backend = RedisBackend(client=client)
    assert backend.options.url is None
    assert backend.describe() == f"redis: redis://cache:6390/3 key={DEFAULT_KEY}"


def test_a_client_and_a_url_together_are_refused() -> None:
    with pytest.raises(BackendConfigError, match="a url or a client, not both"):
        RedisBackend(URL, client=redis.asyncio.Redis())


def test_a_synchronous_client_is_refused() -> None:
    with pytest.raises(BackendConfigError, match=r"redis\.asyncio\.Redis"):
        RedisBackend(client=redis.Redis())  # type: ignore[arg-type]


def test_connection_options_next_to_a_client_are_refused() -> None:
    with pytest.raises(BackendConfigError, match="socket_timeout"):
        RedisBackend(client=redis.asyncio.Redis(), socket_timeout=1)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:s3cret@cache:6379/1", "redis://:***@cache:6379/1"),
        ("rediss://admin:s3cret@cache:6380/0?key=k", "rediss://admin:***@cache:6380/0"),
        ("unix:///run/redis.sock?db=2&password=s3cret", "unix:///run/redis.sock"),
        ("redis://s3cret@cache:6379/0", "redis://***@cache:6379/0"),
    ],
)
def test_describe_names_the_server_and_key_but_never_the_password(url: str, shown: str) -> None:
    description = create_backend(url).describe()
    assert description.startswith(f"redis: {shown} key=")
    assert "s3cret" not in description


def test_cached_value_outside_an_event_loop_is_the_assumed_state() -> None:
    assert RedisBackend(URL, assume="on").cached_value() is True
    assert RedisBackend(URL).cached_value() is False


@pytest.mark.parametrize(
    "url",
    [
        "redis://cache:6379/notadb",
        "redis://cache:6379/-1",
        "redis://cache:6379/1.5",
        "rediss://cache:6380/\u00b2",
        "redis://cache:6379?db=zero",
        "unix:///run/redis.sock?db=x",
        "redis://:s3cret@cache:6379/notadb",
    ],
)
def test_a_database_that_is_not_a_whole_number_is_refused_with_the_accepted_forms(
    url: str,
) -> None:
    with pytest.raises(BackendConfigError, match="must be a whole number") as caught:
        create_backend(url)
    message = str(caught.value)
    assert "redis://host:6379/0" in message and "unix:///path/to/redis.sock?db=0" in message
    assert "s3cret" not in message


@pytest.mark.parametrize(
    "url", ["redis://cache:6379", "redis://cache:6379/", "redis://cache:6379/12", "unix:///s?db=3"]
)
def test_a_whole_database_number_or_none_is_accepted(url: str) -> None:
    assert isinstance(create_backend(url), RedisBackend)


def test_cached_value_outside_an_event_loop_logs_once_that_it_serves_a_guess(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = RedisBackend(URL, assume="on")
    with caplog.at_level(logging.WARNING, logger="fastapi_maintenance.redis"):
        backend.cached_value()
        backend.cached_value()
    [record] = caplog.records
    assert "needs an asyncio event loop" in record.getMessage()
    assert "serving the assumed state (on)" in record.getMessage()


@pytest.mark.parametrize(
    ("url", "pieces"),
    [
        ("redis://admin:s3cret/#?@cache:6379/0", ["s3cret"]),
        ("redis://admin:pa55/w0rd@cache:6379/0", ["pa55", "w0rd"]),
        ("redis://admin:s3cr:et@cache:notaport/0", ["s3cr"]),
        ("rediss://admin:s3cret@cache:6380/0?ssl_cert_reqs=sometimes", ["s3cret"]),
    ],
)
def test_a_malformed_url_is_refused_without_any_piece_of_its_password(
    url: str, pieces: list[str]
) -> None:
    with pytest.raises(BackendConfigError) as caught:
        create_backend(url)
    for piece in pieces:
        assert piece not in str(caught.value)
