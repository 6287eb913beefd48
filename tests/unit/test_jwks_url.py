"""USER_JWKS_URL: keys fetched over HTTP, cached, refetched for a new kid; an unreachable
identity provider is a 503, not a 401 and not a crash."""

import contextlib
import json
import socket
import threading
import time
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lambda_testkit import api_event, body_of, jwk, make_token, rsa_key, user_jwks

from upload_api.auth import MAX_JWKS_BYTES, JwksCache, http_get
from upload_api.budget import Deadline
from upload_api.errors import ServiceUnavailableError

GOOD = {"content_type": "image/png", "size": 10, "sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}


@pytest.fixture
def jwks_server():
    state = {"jwks": {"keys": [k for k in user_jwks()["keys"] if k["kid"] == "user-rsa"]}, "hits": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["hits"] += 1
            body = state.get("raw") or json.dumps(state["jwks"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", state
    server.shutdown()
    server.server_close()


def test_keys_from_the_url_are_cached(api, jwks_server):
    url, state = jwks_server
    api.configure(USER_JWKS_JSON="", USER_JWKS_URL=url)
    for _ in range(3):
        assert api(api_event("/uploads", GOOD, token=make_token()))["statusCode"] == 201
    assert state["hits"] == 1


def test_rotated_key_is_picked_up_after_the_refresh_cooldown(api, jwks_server, monkeypatch):
    url, state = jwks_server
    api.configure(USER_JWKS_JSON="", USER_JWKS_URL=url)
    assert api(api_event("/uploads", GOOD, token=make_token()))["statusCode"] == 201
    state["jwks"]["keys"].append(jwk(rsa_key("rotated"), "rotated"))
    rotated = make_token(key=rsa_key("rotated"), kid="rotated")
    # Within PyJWKClient's 30 s cooldown an unknown kid does not trigger a fetch, so random
    # kids cannot make the API hammer the identity provider.
    assert api(api_event("/uploads", GOOD, token=rotated))["statusCode"] == 401
    assert state["hits"] == 1
    real_monotonic = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + 31)
    assert api(api_event("/uploads", GOOD, token=rotated))["statusCode"] == 201
    assert state["hits"] == 2


def test_unreachable_identity_provider_is_503(api):
    api.configure(USER_JWKS_JSON="", USER_JWKS_URL="http://127.0.0.1:9/jwks.json")
    response = api(api_event("/uploads", GOOD, token=make_token()))
    assert response["statusCode"] == 503
    assert body_of(response)["error"]["code"] == "service_unavailable"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"<html><body>Sign in</body></html>", "jwks_invalid"),
        (b'{"keys": []}', "jwks_invalid"),
        (b"[1]", "jwks_invalid"),
        (b'{"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "x"}]}', "jwks_invalid"),
    ],
)
def test_an_identity_provider_answering_nonsense_is_503_with_its_reason(api, jwks_server, caplog, document, reason):
    url, state = jwks_server
    state["raw"] = document
    api.configure(USER_JWKS_JSON="", USER_JWKS_URL=url)
    response = api(api_event("/uploads", GOOD, token=make_token()))
    assert (response["statusCode"], body_of(response)["error"]["code"]) == (503, "service_unavailable")
    assert response["multiValueHeaders"]["Retry-After"] == ["5"]
    assert reason in [getattr(record, "reason", None) for record in caplog.records]


def test_an_unreachable_identity_provider_has_its_own_reason(api, caplog):
    api.configure(USER_JWKS_JSON="", USER_JWKS_URL="http://127.0.0.1:9/jwks.json")
    response = api(api_event("/uploads", GOOD, token=make_token()))
    assert response["multiValueHeaders"]["Retry-After"] == ["5"]
    assert "jwks_unreachable" in [getattr(record, "reason", None) for record in caplog.records]


def test_unknown_kids_refetch_at_most_once_per_cooldown(api, jwks_server):
    url, state = jwks_server
    api.configure(USER_JWKS_JSON="", USER_JWKS_URL=url)
    assert api(api_event("/uploads", GOOD, token=make_token()))["statusCode"] == 201
    for n in range(5):
        stranger = make_token(key=rsa_key("rotated"), kid=f"random-{n}")
        assert api(api_event("/uploads", GOOD, token=stranger))["statusCode"] == 401
    assert state["hits"] == 1


def test_keys_fetched_before_keep_working_while_the_provider_answers_nonsense(api, jwks_server, monkeypatch):
    url, state = jwks_server
    api.configure(USER_JWKS_JSON="", USER_JWKS_URL=url)
    assert api(api_event("/uploads", GOOD, token=make_token()))["statusCode"] == 201
    state["raw"] = b"<html>maintenance</html>"
    real_monotonic = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + 301)  # the cache has expired
    assert api(api_event("/uploads", GOOD, token=make_token()))["statusCode"] == 201
    assert state["hits"] == 2


# -- found by mutation testing (make mutation): the fetch fits in what is left of the invocation


class _Remaining:
    def __init__(self, seconds):
        self.seconds = seconds

    def remaining(self):
        return self.seconds


@pytest.mark.parametrize(("remaining", "timeout"), [(30.0, 2.0), (0.5, 0.5), (0.11, 0.11)])
def test_the_jwks_fetch_gets_at_most_2_s_and_never_more_than_is_left(remaining, timeout):
    timeouts = []

    def fetch(url, given):
        timeouts.append(given)
        return json.dumps(user_jwks()).encode()

    cache = JwksCache("https://idp.example.test/jwks", _Remaining(remaining), fetch)
    assert cache.key("user-rsa").key_id == "user-rsa"
    assert timeouts == [timeout]


@pytest.mark.parametrize("remaining", [0.1, 0.0, -1.0])
def test_no_jwks_fetch_starts_with_100_ms_or_less_left(remaining):
    def fetch(url, given):
        raise AssertionError("no fetch may start")

    cache = JwksCache("https://idp.example.test/jwks", _Remaining(remaining), fetch)
    with pytest.raises(ServiceUnavailableError) as refused:
        cache.key("user-rsa")
    assert refused.value.message == "The identity provider's keys are unavailable."
    assert refused.value.reason == "jwks_deadline"
    assert cache.fetches == 0


@pytest.fixture
def raw_server():
    """A server whose answer each test sets: (status, body), or None to accept and never answer."""
    state = {"answer": (200, b"{}")}
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if state["answer"] is None:
                release.wait(10)
                return
            status, body = state["answer"]
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks", state
    release.set()
    server.shutdown()
    server.server_close()


def test_http_get_reads_one_byte_more_than_the_limit_and_no_more(raw_server):
    url, state = raw_server
    state["answer"] = (200, b"{}")
    assert http_get(url, 2.0) == b"{}"  # control
    state["answer"] = (200, b"x" * (MAX_JWKS_BYTES + 5))
    assert len(http_get(url, 2.0)) == MAX_JWKS_BYTES + 1


def test_http_get_refuses_a_success_status_other_than_200_as_an_http_error(raw_server):
    url, state = raw_server
    state["answer"] = (204, b"")
    with pytest.raises(urllib.error.HTTPError) as refused:
        http_get(url, 2.0)
    assert (refused.value.code, refused.value.msg, refused.value.filename) == (204, "not 200", url)
    assert refused.value.headers is not None


@pytest.mark.timeout(20)
def test_http_get_gives_up_on_a_provider_that_never_answers(raw_server):
    url, state = raw_server
    state["answer"] = None
    started = time.monotonic()
    with pytest.raises(OSError):  # TimeoutError, or URLError wrapping it
        http_get(url, 0.3)
    assert time.monotonic() - started < 5


@pytest.fixture
def garbled_server():
    """A TCP server that answers every connection with the bytes each test sets, then closes."""
    state = {"answer": b""}
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                with contextlib.suppress(OSError):
                    connection.recv(65536)
                    connection.sendall(state["answer"])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/jwks", state
    stop.set()
    thread.join(5)
    listener.close()


def test_a_provider_that_does_not_speak_http_is_503_unreachable_not_a_crash(garbled_server):
    """http.client's BadStatusLine is not an OSError: it used to escape the 503 handling."""
    url, state = garbled_server
    state["answer"] = b"SSH-2.0-OpenSSH_9.6\r\n"
    cache = JwksCache(url, Deadline())
    with pytest.raises(ServiceUnavailableError) as refused:
        cache.key("user-rsa")
    assert refused.value.reason == "jwks_unreachable"
    assert refused.value.message == "The identity provider's keys are unavailable."
