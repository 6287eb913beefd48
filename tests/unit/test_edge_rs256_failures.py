"""edge_auth.rs256 on its failure paths: malformed JWK members, and the OpenSSL backend when a
call fails, a library returns something unusual or a key is dropped (found by make mutation).

The OpenSSL tests run the real libcrypto; where a failure cannot be provoked through it (it
accepts any RSA numbers, it never returns a NULL digest), one symbol is replaced by a stand-in
and every other call still goes to the library."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import rsa as pyrsa
from lambda_testkit import rsa_key, uint_b64url

from edge_auth import rs256

HAVE_OPENSSL = rs256.BACKEND.name == "openssl"
needs_openssl = pytest.mark.skipif(not HAVE_OPENSSL, reason="no libcrypto.so.3 on this machine")
_numbers = rsa_key("download").private_numbers()
KEY = pyrsa.PrivateKey(_numbers.public_numbers.n, _numbers.public_numbers.e, _numbers.d, _numbers.p, _numbers.q)
MESSAGE = b"header.payload"
SIGNATURE = pyrsa.sign(MESSAGE, KEY, "SHA-256")


# -- JWK members ----------------------------------------------------------------------------


_MISSING = object()


@pytest.mark.parametrize(
    "value",
    [_MISSING, None, 65537, "", ["AQAB"], {"n": "AQAB"}],
    ids=["missing", "null", "number", "empty", "list", "object"],
)
@pytest.mark.parametrize("member", ["n", "e"])
def test_a_jwk_member_that_is_not_a_non_empty_string_is_refused_as_such(member, value):
    good = {"n": uint_b64url(KEY.n), "e": "AQAB"}
    assert rs256.key_numbers(good) == (KEY.n, 65537)  # control
    spec = {name: text for name, text in good.items() if name != member}
    if value is not _MISSING:
        spec[member] = value
    with pytest.raises(rs256.InvalidKeyError, match=r"^JWK member is not a base64url string$"):
        rs256.key_numbers(spec)


@pytest.mark.parametrize("member", ["A", "AQABA", "AQAB\u00e9", uint_b64url(KEY.n)[:-1]])
def test_a_jwk_member_that_does_not_decode_is_refused_as_such(member):
    with pytest.raises(rs256.InvalidKeyError, match=r"^JWK member is not base64url$"):
        rs256.key_numbers({"n": member, "e": "AQAB"})
    with pytest.raises(rs256.InvalidKeyError, match=r"^JWK member is not base64url$"):
        rs256.key_numbers({"n": uint_b64url(KEY.n), "e": member})


@pytest.mark.parametrize("size", range(256, 268))
def test_a_jwk_modulus_of_any_length_in_bytes_decodes(size):
    # Unpadded base64url of 256..267 bytes: every length in characters modulo 4 and 5, so the
    # padding restored is right for each (350 characters, 262 bytes, needs exactly two).
    n = (1 << (8 * size - 1)) | 0xA5A5A5
    jwk = {"n": uint_b64url(n), "e": uint_b64url(65537)}
    assert rs256.key_numbers(jwk) == (n, 65537)
    assert rs256.PythonBackend().load(*rs256.key_numbers(jwk)).n == n


# -- the OpenSSL backend with one symbol watched or replaced --------------------------------


class _Spy:
    """A libcrypto function whose calls are recorded; each still runs the real function."""

    def __init__(self, real: Any) -> None:
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "calls", [])

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._real, name, value)  # restype / argtypes, as bind() declares them

    def __call__(self, *args: Any) -> Any:
        self.calls.append(args)
        return self._real(*args)


class _StandIn:
    """A libcrypto function replaced by one that returns `result`."""

    restype: Any = None
    argtypes: Any = None

    def __init__(self, result: Any) -> None:
        self.result = result
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> Any:
        self.calls.append(args)
        return self.result


class _Lib:
    def __init__(self, **overrides: Any) -> None:
        self._lib = ctypes.CDLL("libcrypto.so.3")
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._lib, name)


def _backend(**overrides: Any) -> rs256.OpenSSLBackend:
    backend = rs256.OpenSSLBackend(_Lib(**overrides))
    assert backend.name == "openssl"
    return backend


@pytest.fixture
def error_queue() -> Iterator[Callable[[], int]]:
    """ERR_peek_error: the oldest entry on this thread's OpenSSL error queue (0: empty)."""
    peek = ctypes.CDLL("libcrypto.so.3").ERR_peek_error
    peek.restype, peek.argtypes = ctypes.c_ulong, []
    yield peek


@needs_openssl
def test_every_openssl_key_is_freed_once_when_dropped():
    free = _Spy(ctypes.CDLL("libcrypto.so.3").EVP_PKEY_free)
    backend = _backend(EVP_PKEY_free=free)
    keys = [backend.load(KEY.n, KEY.e) for _ in range(3)]
    assert all(key.verify(MESSAGE, SIGNATURE) for key in keys)
    assert free.calls == []  # nothing freed while in use
    del keys
    gc.collect()
    freed = [args[0].value for args in free.calls]
    assert len(freed) == len(set(freed)) == 3
    assert all(freed)


@needs_openssl
@pytest.mark.parametrize(
    ("version", "detail"),
    [
        (b"OpenSSL 3.0.19 27 Jan 2026", "OpenSSL 3.0.19 27 Jan 2026"),
        (b"OpenSSL 3 \xe9dition", "OpenSSL 3 \ufffddition"),
        (None, "OpenSSL"),
    ],
    ids=["ascii", "not ascii", "NULL"],
)
def test_the_backend_detail_is_the_library_version_whatever_it_returns(version, detail):
    backend = _backend(OpenSSL_version=_StandIn(version))
    assert backend.detail == detail
    assert backend.load(KEY.n, KEY.e).verify(MESSAGE, SIGNATURE)


@needs_openssl
def test_a_null_sha256_digest_falls_back_to_python():
    assert rs256.load_backend(loader=lambda name: _Lib()).name == "openssl"  # control
    assert rs256.load_backend(loader=lambda name: _Lib(EVP_sha256=_StandIn(None))).name == "python"
    with pytest.raises(OSError, match=r"^EVP_sha256 returned NULL$"):
        rs256.OpenSSLBackend(_Lib(EVP_sha256=_StandIn(None)))


@needs_openssl
def test_a_key_openssl_refuses_is_an_invalid_key_and_leaves_no_error(error_queue):
    clear = _Spy(ctypes.CDLL("libcrypto.so.3").ERR_clear_error)
    backend = _backend(d2i_PUBKEY=_StandIn(None), ERR_clear_error=clear)
    with pytest.raises(rs256.InvalidKeyError, match="OpenSSL refused"):
        backend.load(KEY.n, KEY.e)
    assert clear.calls == [()]


@needs_openssl
def test_a_refused_signature_leaves_the_thread_error_queue_empty(error_queue):
    key = rs256.BACKEND.load(KEY.n, KEY.e)
    assert error_queue() == 0
    assert key.verify(MESSAGE, SIGNATURE)  # control
    for signature in (bytes(len(SIGNATURE)), SIGNATURE[:-1] + bytes([SIGNATURE[-1] ^ 1]), b"\xff" * len(SIGNATURE)):
        assert not key.verify(MESSAGE, signature)
        assert error_queue() == 0


@needs_openssl
@pytest.mark.parametrize("length", [0, 1, len(SIGNATURE) - 1, len(SIGNATURE) + 1, 2 * len(SIGNATURE)])
def test_a_signature_of_the_wrong_length_is_refused_by_both_backends(length):
    signature = (SIGNATURE * 2)[:length]
    keys = [rs256.PythonBackend().load(KEY.n, KEY.e), rs256.BACKEND.load(KEY.n, KEY.e)]
    assert [key.verify(MESSAGE, SIGNATURE) for key in keys] == [True, True]  # control
    assert [key.verify(MESSAGE, signature) for key in keys] == [False, False]
    # The signature with a leading zero octet is the same integer: still not RS256.
    assert [key.verify(MESSAGE, b"\x00" + SIGNATURE) for key in keys] == [False, False]


@needs_openssl
def test_no_context_means_no_verdict_and_no_error_left():
    clear = _Spy(ctypes.CDLL("libcrypto.so.3").ERR_clear_error)
    backend = _backend(EVP_MD_CTX_new=_StandIn(None), ERR_clear_error=clear)
    assert not backend.load(KEY.n, KEY.e).verify(MESSAGE, SIGNATURE)
    assert clear.calls == [()]


@needs_openssl
@pytest.mark.parametrize("result", [0, -1, 2])
def test_a_failed_verify_init_refuses_and_still_frees_the_context(result):
    lib = ctypes.CDLL("libcrypto.so.3")
    free, clear, verify = _Spy(lib.EVP_MD_CTX_free), _Spy(lib.ERR_clear_error), _Spy(lib.EVP_DigestVerify)
    backend = _backend(
        EVP_DigestVerifyInit=_StandIn(result), EVP_MD_CTX_free=free, ERR_clear_error=clear, EVP_DigestVerify=verify
    )
    assert not backend.load(KEY.n, KEY.e).verify(MESSAGE, SIGNATURE)
    assert verify.calls == []
    assert len(free.calls) == 1 and free.calls[0][0]
    assert clear.calls == [()]


@needs_openssl
@pytest.mark.parametrize("result", [0, -1, 2])
def test_only_a_verify_result_of_one_is_a_yes(result):
    lib = ctypes.CDLL("libcrypto.so.3")
    free, clear = _Spy(lib.EVP_MD_CTX_free), _Spy(lib.ERR_clear_error)
    backend = _backend(EVP_DigestVerify=_StandIn(result), EVP_MD_CTX_free=free, ERR_clear_error=clear)
    assert not backend.load(KEY.n, KEY.e).verify(MESSAGE, SIGNATURE)
    assert len(free.calls) == 1 and clear.calls == [()]


@pytest.mark.parametrize(
    "signature",
    [KEY.n.to_bytes(len(SIGNATURE), "big"), (KEY.n + 1).to_bytes(len(SIGNATURE), "big"), b"\xff" * len(SIGNATURE)],
    ids=["n", "n + 1", "all ones"],
)
def test_a_signature_not_below_the_modulus_is_refused_by_both_backends(signature):
    keys = [rs256.PythonBackend().load(KEY.n, KEY.e), rs256.BACKEND.load(KEY.n, KEY.e)]
    assert [key.verify(MESSAGE, SIGNATURE) for key in keys] == [True, True]  # control
    assert [key.verify(MESSAGE, signature) for key in keys] == [False, False]
