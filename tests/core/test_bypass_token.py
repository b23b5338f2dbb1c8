"""The signed bypass token: in a header, in a link that sets a cookie, in that cookie."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import Request, WebSocket
from fastapi.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance._request import decision
from fastapi_maintenance._request.bypass import Bypass
from fastapi_maintenance._request.tokens import _CACHED_EXPIRIES as CACHED_EXPIRIES
from fastapi_maintenance._request.tokens import MIN_SECRET_BYTES, Signer
from fastapi_maintenance.responses import bypass_link_script

from .bypass_support import (
    OLD_SECRET,
    OTHER_SECRET,
    SECRET,
    client_for,
    cookie_value,
    echo_app,
    header_names,
    token,
    with_root_path,
)
from .support import websocket_session

pytestmark = pytest.mark.anyio

HEADER = "X-Maintenance-Bypass"


def _client(**options: object) -> httpx.AsyncClient:
    options.setdefault("bypass_secret", SECRET)
    return client_for(echo_app(**options))


# header --------------------------------------------------------------------------------


async def test_a_valid_header_token_passes() -> None:
    async with _client() as client:
        assert (await client.get("/shop", headers={HEADER: token()})).status_code == 200


async def test_the_header_is_removed_before_the_app_sees_it() -> None:
    async with _client() as client:
        response = await client.get("/shop", headers={HEADER: token(), "X-Other": "kept"})
    assert "x-maintenance-bypass" not in header_names(response)
    assert "x-other" in header_names(response)


async def test_the_header_name_is_configurable() -> None:
    async with _client(bypass_header="X-Let-Me-In") as client:
        assert (await client.get("/shop", headers={HEADER: token()})).status_code == 503
        response = await client.get("/shop", headers={"x-let-me-in": token()})
    assert response.status_code == 200
    assert "x-let-me-in" not in header_names(response)


def _tampered() -> list[str]:
    """The valid token with each of its bytes changed in turn."""
    valid = token()
    swap = {c: ("A" if c != "A" else "B") for c in set(valid)}
    return [valid[:i] + swap[valid[i]] + valid[i + 1 :] for i in range(len(valid))]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(token(lifetime=-1), id="expired"),
        pytest.param(token(OTHER_SECRET), id="wrong-secret"),
        pytest.param(token()[:-1], id="truncated"),
        pytest.param(token()[:10], id="truncated-short"),
        pytest.param("", id="empty"),
        pytest.param("x" * 10240, id="10KB"),
        pytest.param(token() + "x" * 10240, id="10KB-after-a-valid-token"),
        pytest.param(cookie_value(), id="a-cookie-is-not-a-token"),
        pytest.param("9" * 40 + "." + "A" * 43, id="huge-expiry"),
    ],
)
async def test_an_invalid_header_token_is_blocked_with_503(value: str) -> None:
    async with _client() as client:
        response = await client.get("/shop", headers={HEADER: value})
    assert response.status_code == 503


async def test_a_tampered_token_is_blocked_whatever_byte_changed() -> None:
    async with _client() as client:
        for value in _tampered():
            response = await client.get("/shop", headers={HEADER: value})
            assert response.status_code == 503, value


async def test_a_non_ascii_token_is_blocked_with_503() -> None:
    async with _client() as client:
        headers = [(HEADER.encode(), "é€".encode() + token().encode())]
        response = await client.get("/shop", headers=headers)
    assert response.status_code == 503


async def test_a_token_of_an_old_secret_passes_while_it_is_listed() -> None:
    old = token(OLD_SECRET)
    async with _client(bypass_secret=[SECRET, OLD_SECRET]) as client:
        assert (await client.get("/shop", headers={HEADER: old})).status_code == 200
    async with _client(bypass_secret=[SECRET]) as client:
        assert (await client.get("/shop", headers={HEADER: old})).status_code == 503


async def test_a_token_does_not_open_a_route_forced_on() -> None:
    async with _client() as client:
        assert (await client.get("/legacy", headers={HEADER: token()})).status_code == 503


async def test_while_maintenance_is_off_the_header_reaches_the_app_untouched() -> None:
    async with _client(enable_maintenance=False) as client:
        response = await client.get("/shop", headers={HEADER: token()})
    assert "x-maintenance-bypass" in header_names(response)


async def test_a_websocket_with_the_header_token_is_let_through_without_it() -> None:
    app = echo_app(bypass_secret=SECRET)
    seen: list[list[tuple[bytes, bytes]]] = []

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        seen.append(list(websocket.scope["headers"]))
        await websocket.accept()
        await websocket.close()

    async def with_token(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [*scope["headers"], (b"x-maintenance-bypass", token().encode())]
        await app(dict(scope, headers=headers), receive, send)

    sent = await websocket_session(with_token, "/ws")
    assert sent[0]["type"] == "websocket.accept"
    assert [name for name, _ in seen[0]] == [b"host"]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every request the bypass rules are asked about."""
    seen: list[str] = []
    bypassed = decision._bypassed

    def counting(bypass: Bypass, current: Any, facts: Any) -> Any:
        seen.append(facts.path)
        return bypassed(bypass, current, facts)

    monkeypatch.setattr(decision, "_bypassed", counting)
    return seen


async def test_the_rules_are_not_asked_while_maintenance_is_off(asked: list[str]) -> None:
    options = {"exempt_paths": ["/h"], "allow_ips": ["127.0.0.1"], "bypass_secret": SECRET}
    async with client_for(echo_app(enable_maintenance=False, **options)) as client:
        await client.get("/shop", headers={HEADER: token()})
    assert asked == []


async def test_a_request_that_passes_anyway_reaches_the_app_untouched(asked: list[str]) -> None:
    async with _client() as client:
        response = await client.get("/open", headers={HEADER: token()})
    assert response.status_code == 200
    assert "x-maintenance-bypass" in header_names(response)
    assert asked == []


# link and cookie -----------------------------------------------------------------------

LINK = "/shop?maintenance_bypass"


def _form(value: str, name: str = "maintenance_bypass") -> dict[str, Any]:
    """The POST the maintenance page's script makes for a link: the token in a form body."""
    return {
        "content": f"{name}={value}".encode(),
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    }


def _attributes(response: httpx.Response) -> list[str]:
    return [part.strip() for part in response.headers["set-cookie"].split(";")]


async def test_a_token_in_the_query_string_no_longer_lets_a_request_through() -> None:
    async with _client() as client:
        response = await client.get(f"/shop?maintenance_bypass={token()}")
        assert response.status_code == 503
        assert "set-cookie" not in response.headers
        assert (await client.get("/shop")).status_code == 503


async def test_a_token_in_the_query_string_is_logged_at_debug_without_its_value(
    logged: Callable[[str], list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    value = token()
    async with _client() as client:
        await client.get(f"/shop?x=1&maintenance_bypass={value}")
    assert logged("a token was given in the query string, where it is not accepted")
    assert value not in caplog.text


async def test_the_link_post_sets_the_cookie_for_the_token_remaining_life() -> None:
    async with _client() as client:
        response = await client.post(LINK, **_form(token(lifetime=600)))
    assert response.status_code == 204
    assert response.headers["cache-control"] == "no-store"
    attributes = _attributes(response)
    assert attributes[0].startswith("maintenance_bypass=")
    assert {"HttpOnly", "SameSite=Lax", "Path=/"} <= set(attributes)
    max_age = next(int(a.split("=")[1]) for a in attributes if a.startswith("Max-Age="))
    assert 595 <= max_age <= 600
    assert "Secure" not in attributes
    assert token() not in response.headers["set-cookie"]


async def test_the_link_post_is_answered_on_a_path_whose_route_takes_only_get() -> None:
    # /open answers GET only, and is forced out of maintenance: the app would say 405.
    async with _client() as client:
        response = await client.post("/open?maintenance_bypass", **_form(token()))
    assert response.status_code == 204
    assert "set-cookie" in response.headers


async def test_the_link_post_with_the_name_percent_encoded_is_answered() -> None:
    async with _client(bypass_query_param="let in") as client:
        response = await client.post("/shop?let%20in", **_form(token(), "let%20in"))
    assert response.status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"maintenance_bypass={token(OTHER_SECRET)}", id="wrong-secret"),
        pytest.param(f"maintenance_bypass={token(lifetime=-1)}", id="expired"),
        pytest.param("maintenance_bypass=", id="empty"),
        pytest.param(f"other={token()}", id="another-field"),
        pytest.param(f"maintenance_bypass={cookie_value()}", id="a-cookie-is-not-a-token"),
        pytest.param(f"maintenance_bypass={token()}&" + "x" * 2048, id="too-large"),
    ],
)
async def test_a_link_post_without_a_valid_token_gets_the_maintenance_response(body: str) -> None:
    async with _client() as client:
        response = await client.post(LINK, content=body.encode())
    assert response.status_code == 503
    assert "set-cookie" not in response.headers
    # The maintenance response, not the app's echo.
    assert response.json() == {"detail": "Service temporarily unavailable due to maintenance"}


async def test_a_link_post_announcing_a_large_body_is_refused_without_reading_it() -> None:
    app = echo_app(bypass_secret=SECRET)
    read: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        message = {"type": "http.request", "body": b"x" * 4096, "more_body": True}
        read.append(message)
        return message

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/shop", "raw_path": b"/shop", "root_path": "",
        "query_string": b"maintenance_bypass", "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-length", b"100000000")],
    }  # fmt: skip
    await app(scope, receive, send)
    assert sent[0]["status"] == 503
    assert read == []


async def test_a_link_post_another_site_made_is_refused() -> None:
    async with _client() as client:
        form = _form(token())
        form["headers"]["Sec-Fetch-Site"] = "cross-site"
        assert (await client.post(LINK, **form)).status_code == 503
        form["headers"]["Sec-Fetch-Site"] = "same-origin"
        assert (await client.post(LINK, **form)).status_code == 204


async def test_a_post_with_other_queries_is_not_a_link_post() -> None:
    async with _client() as client:
        response = await client.post("/shop?maintenance_bypass&x=1", **_form(token()))
    assert response.status_code == 503


async def test_the_cookie_is_secure_over_https() -> None:
    app = echo_app(bypass_secret=SECRET)
    async with client_for(app, base_url="https://testserver") as client:
        response = await client.post(LINK, **_form(token()))
    assert "Secure" in _attributes(response)


async def test_the_cookie_is_secure_when_a_trusted_proxy_says_https() -> None:
    app = echo_app(bypass_secret=SECRET, trusted_proxies=["127.0.0.1"])
    async with client_for(app) as client:
        form = _form(token())
        form["headers"]["X-Forwarded-Proto"] = "https"
        response = await client.post(LINK, **form)
    assert "Secure" in _attributes(response)


async def test_the_cookie_follows_the_scheme_in_the_forwarded_header_the_proxies_write() -> None:
    options = {"trusted_proxies": ["127.0.0.1"], "forwarded_header": "Forwarded"}
    async with client_for(echo_app(bypass_secret=SECRET, **options)) as client:
        form = _form(token())
        form["headers"]["X-Forwarded-Proto"] = "https"
        assert "Secure" not in _attributes(await client.post(LINK, **form))
        form["headers"]["Forwarded"] = "for=203.0.113.7;proto=https"
        assert "Secure" in _attributes(await client.post(LINK, **form))


async def test_the_cookie_path_is_the_root_path() -> None:
    app = with_root_path(echo_app(bypass_secret=SECRET), "/api")
    async with client_for(app) as client:
        response = await client.post(f"/api{LINK}", **_form(token()))
    assert "Path=/api" in _attributes(response)


async def test_the_cookie_lets_later_requests_through_and_is_removed_before_the_app() -> None:
    async with _client() as client:
        await client.post(LINK, **_form(token()))
        client.cookies.set("theme", "dark")
        response = await client.get("/shop")
    assert response.status_code == 200
    cookies = dict(response.json()["headers"]).get("cookie", "")
    assert "maintenance_bypass" not in cookies
    assert "theme=dark" in cookies


async def test_a_cookie_alone_is_removed_with_its_header() -> None:
    async with _client() as client:
        response = await client.get(
            "/shop", headers={"Cookie": f"maintenance_bypass={cookie_value()}"}
        )
    assert response.status_code == 200
    assert "cookie" not in header_names(response)


@pytest.mark.parametrize("stale_first", [True, False])
async def test_a_valid_cookie_beside_a_stale_one_of_the_same_name_lets_the_request_through(
    stale_first: bool,
) -> None:
    stale = f"maintenance_bypass={cookie_value(lifetime=-60)}"
    valid = f"maintenance_bypass={cookie_value()}"
    pairs = [stale, "theme=dark", valid] if stale_first else [valid, "theme=dark", stale]
    async with _client() as client:
        response = await client.get("/shop", headers={"Cookie": "; ".join(pairs)})
    assert response.status_code == 200
    assert dict(response.json()["headers"])["cookie"] == "theme=dark"


@pytest.mark.parametrize(
    "cookie",
    [
        "xmaintenance_bypass={}",
        "maintenance_bypass2={}",
        "a=maintenance_bypass={}",
        " " * 100 + "maintenance_bypass={}",
    ],
)
async def test_only_a_cookie_of_that_very_name_counts(cookie: str) -> None:
    async with _client() as client:
        response = await client.get("/shop", headers={"Cookie": cookie.format(cookie_value())})
    assert response.status_code == 503


async def test_a_cookie_beyond_the_first_8_kb_of_the_header_is_not_looked_for() -> None:
    filler = "; ".join(f"c{n}=" + "x" * 90 for n in range(90))  # more than 8 KB of cookies
    async with _client() as client:
        within = f"maintenance_bypass={cookie_value()}; {filler}"
        beyond = f"{filler}; maintenance_bypass={cookie_value()}"
        assert (await client.get("/shop", headers={"Cookie": within})).status_code == 200
        assert (await client.get("/shop", headers={"Cookie": beyond})).status_code == 503


async def test_a_cookie_signed_with_an_old_listed_secret_passes() -> None:
    async with _client(bypass_secret=[SECRET, OLD_SECRET]) as client:
        cookie = f"maintenance_bypass={cookie_value(OLD_SECRET)}"
        assert (await client.get("/shop", headers={"Cookie": cookie})).status_code == 200


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param(f"maintenance_bypass={cookie_value(lifetime=-5)}", id="expired"),
        pytest.param(f"maintenance_bypass={cookie_value(OTHER_SECRET)}", id="wrong-secret"),
        pytest.param(f"maintenance_bypass={token()}", id="a-token-is-not-a-cookie"),
        pytest.param("maintenance_bypass=", id="empty"),
        pytest.param("maintenance_bypass=" + "x" * 10240, id="10KB"),
    ],
)
async def test_an_invalid_cookie_is_blocked_and_left_in_place(cookie: str) -> None:
    async with _client() as client:
        response = await client.get("/shop", headers={"Cookie": cookie})
    assert response.status_code == 503


async def test_while_maintenance_is_off_the_query_reaches_the_app_untouched() -> None:
    async with _client(enable_maintenance=False) as client:
        response = await client.get(f"/shop?maintenance_bypass={token()}")
    assert response.status_code == 200
    assert "maintenance_bypass=" in response.json()["query"]


async def test_the_names_of_link_and_cookie_are_configurable() -> None:
    async with _client(bypass_query_param="let_in", bypass_cookie="let_in_cookie") as client:
        assert (await client.post(LINK, **_form(token()))).status_code == 503
        response = await client.post("/shop?let_in", **_form(token(), "let_in"))
        assert response.headers["set-cookie"].startswith("let_in_cookie=")
        assert (await client.get("/shop")).status_code == 200


# the maintenance page's script ---------------------------------------------------------

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def test_the_maintenance_page_carries_the_link_script_when_links_are_accepted() -> None:
    async with _client() as client:
        page = (await client.get("/shop", headers=BROWSER)).text
    assert "<script>" in page
    assert 'var name = "maintenance_bypass"' in page
    assert "location.hash" in page


async def test_the_maintenance_page_has_no_script_without_a_secret() -> None:
    async with client_for(echo_app()) as client:
        page = (await client.get("/shop", headers=BROWSER)).text
    assert "<script" not in page


async def test_the_script_quotes_the_name_so_it_cannot_close_the_element() -> None:
    async with _client(bypass_query_param="</script><b>") as client:
        page = (await client.get("/shop", headers=BROWSER)).text
    assert page.count("</script>") == 1
    assert 'var name = "\\u003c/script\\u003e\\u003cb\\u003e"' in page


async def test_a_custom_page_gets_the_script_from_bypass_link_script() -> None:
    def page(request: Request) -> HTMLResponse:
        return HTMLResponse(f"<p>Back soon</p>{bypass_link_script(request)}", status_code=503)

    async with _client(response_handler=page) as client:
        assert "location.hash" in (await client.get("/shop")).text
    async with client_for(echo_app(response_handler=page)) as client:
        assert (await client.get("/shop")).text == "<p>Back soon</p>"


# secrecy and logging -------------------------------------------------------------------


async def test_tokens_and_secrets_never_appear_in_logs_or_the_503_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="fastapi_maintenance")
    good, bad = token(), token(OTHER_SECRET)
    async with _client() as client:
        blocked = await client.get(f"/shop?maintenance_bypass={bad}", headers={HEADER: bad})
        await client.get("/shop", headers={HEADER: good})
        await client.post(LINK, **_form(bad))
        await client.post(LINK, **_form(good))
    text = caplog.text + blocked.text
    for secret in (good, bad, SECRET, good.split(".")[1], bad.split(".")[1]):
        assert secret not in text


async def test_the_rule_that_let_a_request_through_is_logged_at_debug(
    logged: Callable[[str], list[str]],
) -> None:
    async with _client(exempt_paths=["/health"], allow_ips=["127.0.0.1"]) as client:
        await client.get("/health")
        await client.get("/shop")
    assert logged("let through by exempt path /health")
    assert logged("let through by allow_ips 127.0.0.1/32 (client 127.0.0.1)")


async def test_a_rejected_token_is_logged_with_why_but_not_the_value(
    logged: Callable[[str], list[str]],
) -> None:
    async with _client() as client:
        await client.get("/shop", headers={HEADER: token(lifetime=-1)})
    assert logged("a bypass header was given but is expired")


# construction --------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["", [], [""]])
def test_an_empty_secret_is_refused(secret: object) -> None:
    with pytest.raises(ValueError, match="empty"):
        MaintenanceModeMiddleware(echo_app(), bypass_secret=secret)  # type: ignore[arg-type]


def test_a_short_secret_is_refused_without_showing_it() -> None:
    short = "tooShortSecret-xyz"
    with pytest.raises(ValueError, match=f"at least {MIN_SECRET_BYTES} bytes") as caught:
        MaintenanceModeMiddleware(echo_app(), bypass_secret=[SECRET, short])
    assert short not in str(caught.value)
    assert "secret #2 of 2" in str(caught.value)


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("a" * 32, "repeats a sequence of 1 character"),
        ("password" * 4, "repeats a sequence of 8 character"),
        ("0123456789abcdef" * 3, "repeats a sequence of 16 character"),
        ("Tr0ub4dor&3" * 3 + "Tr0", "repeats a sequence of 11 character"),
        ("a" * 31 + "b", "has only 2 distinct character"),
        ("abcdabcdabcdabcdabcdabcdabcdabcdx", "has only 5 distinct character"),
    ],
)
def test_an_obviously_weak_secret_is_refused_saying_how_to_make_one(secret: str, why: str) -> None:
    with pytest.raises(ValueError, match="secret #2 of 2 is too easy to guess") as caught:
        MaintenanceModeMiddleware(echo_app(), bypass_secret=[SECRET, secret])
    message = str(caught.value)
    assert why in message
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in message
    assert secret not in message


def test_a_weak_secret_in_the_environment_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BYPASS_SECRET", "password" * 4)
    with pytest.raises(ValueError, match="FASTAPI_MAINTENANCE_BYPASS_SECRET: secret #1 of 1"):
        MaintenanceModeMiddleware(echo_app())


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(32),
        secrets.token_hex(16),
        "correct-horse-battery-staple-2024",
        SECRET,
        OLD_SECRET,
        OTHER_SECRET,
    ],
)
def test_a_random_or_long_varied_secret_is_accepted(secret: str) -> None:
    assert MaintenanceModeMiddleware(echo_app(), bypass_secret=secret)._bypass is not None


def test_a_secret_of_exactly_32_bytes_is_accepted() -> None:
    secret = "Exactly-32-bytes-long-secret-0K!"
    assert len(secret.encode()) == MIN_SECRET_BYTES
    bypass = MaintenanceModeMiddleware(echo_app(), bypass_secret=secret)._bypass
    assert bypass is not None and bypass.signer is not None
    with pytest.raises(ValueError, match="31 bytes long"):
        MaintenanceModeMiddleware(echo_app(), bypass_secret=secret[:-1])


def test_the_signature_cache_stays_bounded_under_100k_forged_tokens() -> None:
    signer = Signer([SECRET])
    forged_signature = b"A" * 43
    for expiry in range(2_000_000_000, 2_000_100_000):
        assert signer.verify(b"%d.%s" % (expiry, forged_signature)) == "wrongly signed"
        assert len(signer._expected) <= CACHED_EXPIRIES
    assert isinstance(signer.verify(token().encode()), int)


@pytest.mark.parametrize("option", ["bypass_header", "bypass_query_param", "bypass_cookie"])
def test_a_bypass_name_without_a_secret_is_refused(option: str) -> None:
    with pytest.raises(ValueError, match=f"{option} given without a bypass secret"):
        MaintenanceModeMiddleware(echo_app(), **{option: "name"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("option", "name"),
    [("bypass_header", "X Bad"), ("bypass_cookie", "a;b"), ("bypass_query_param", "")],
)
def test_a_name_that_cannot_be_used_is_refused(option: str, name: str) -> None:
    with pytest.raises(ValueError, match=option):
        MaintenanceModeMiddleware(echo_app(), bypass_secret=SECRET, **{option: name})  # type: ignore[arg-type]


def test_secrets_come_from_the_environment_comma_separated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BYPASS_SECRET", f"{SECRET}, {OLD_SECRET}")
    middleware = MaintenanceModeMiddleware(echo_app())
    assert middleware._bypass is not None and middleware._bypass.signer is not None
    assert isinstance(middleware._bypass.signer.verify(token(OLD_SECRET).encode()), int)
    assert middleware._bypass.signer.sign(1) == Signer([SECRET]).sign(1)


def test_an_empty_secret_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BYPASS_SECRET", "")
    assert MaintenanceModeMiddleware(echo_app())._bypass is None


def test_a_name_variable_without_a_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BYPASS_HEADER", "X-In")
    with pytest.raises(
        ValueError, match="FASTAPI_MAINTENANCE_BYPASS_HEADER given without a bypass secret"
    ):
        MaintenanceModeMiddleware(echo_app())


def test_no_option_means_no_bypass_step() -> None:
    assert MaintenanceModeMiddleware(echo_app())._bypass is None


def test_a_token_carries_its_own_expiry() -> None:
    signer = Signer([SECRET])
    value = signer.token(60, now=1_000_000).encode()
    assert signer.verify(value, now=1_000_000) == 60
    assert signer.verify(value, now=1_000_060) == "expired"
    assert time.time() > 1_000_060
