"""The RS256 backends (OpenSSL through ctypes, pure-Python `rsa`): same verdicts, the
fallback, memory, the keys accepted; and the claim and header rules of issue 13 (finite
times, `typ` values) on both backends."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import rsa as pyrsa
from hypothesis import given, settings
from hypothesis import strategies as st
from lambda_testkit import (
    DOWNLOAD_AUDIENCE,
    DOWNLOAD_ISSUER,
    USER_AUDIENCE,
    USER_ISSUER,
    b64url,
    cf_event,
    edge_config_dict,
    owner_segment,
    public_pem,
    rsa_key,
    uint_b64url,
)

from edge_auth import handler as edge
from edge_auth import rs256
from edge_auth.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parents[2]
PATH = f"/uploads/{owner_segment('alice')}/{'a' * 32}.png"
HAVE_OPENSSL = rs256.BACKEND.name == "openssl"
needs_openssl = pytest.mark.skipif(not HAVE_OPENSSL, reason="no libcrypto.so.3 on this machine")


def private(name: str) -> pyrsa.PrivateKey:
    numbers = rsa_key(name).private_numbers()
    return pyrsa.PrivateKey(numbers.public_numbers.n, numbers.public_numbers.e, numbers.d, numbers.p, numbers.q)


DOWNLOAD = private("download")
USER = private("user")
# Keys the configuration refuses; the backends' raw verdicts on them must still agree.
SMALL = pyrsa.newkeys(1024)[1]
E3 = pyrsa.newkeys(2048, exponent=3)[1]


def raw_keys(key: pyrsa.PrivateKey) -> list[rs256.VerifyKey]:
    """The key in every backend available, loaded without the configuration's checks."""
    keys: list[rs256.VerifyKey] = [rs256.PythonKey(key.n, key.e)]
    if HAVE_OPENSSL:
        assert isinstance(rs256.BACKEND, rs256.OpenSSLBackend)
        keys.append(rs256.OpenSSLKey(rs256.BACKEND._crypto, key.n, key.e))
    return keys


# -- both backends give the same verdict --------------------------------------------------

signing_keys = st.sampled_from([DOWNLOAD, SMALL, E3])
hashes = st.sampled_from(["SHA-256", "SHA-256", "SHA-1", "SHA-384", "SHA-512"])
changes = st.sampled_from(["none", "tamper message", "flip signature bit", "truncate", "extend", "zero", "empty"])


@given(
    key=signing_keys, hash_method=hashes, change=changes, message=st.binary(max_size=200), where=st.integers(0, 10**6)
)
@settings(max_examples=300, deadline=None)
def test_backends_agree(key, hash_method, change, message, where):
    signature = pyrsa.sign(message, key, hash_method)
    size = len(signature)
    if change == "tamper message":
        message = message + b"x"
    elif change == "flip signature bit":
        flipped = bytearray(signature)
        flipped[where % size] ^= 1 << (where % 8)
        signature = bytes(flipped)
    elif change == "truncate":
        signature = signature[: where % size]
    elif change == "extend":
        signature = signature + b"\x00"
    elif change == "zero":
        signature = bytes(size)
    elif change == "empty":
        signature = b""
    verdicts = {type(k).__name__: k.verify(message, signature) for k in raw_keys(key)}
    assert len(set(verdicts.values())) == 1, verdicts
    # The positive control: exactly an untouched SHA-256 signature verifies.
    assert verdicts["PythonKey"] == (change == "none" and hash_method == "SHA-256")


@pytest.mark.parametrize("backend", [rs256.PythonBackend(), rs256.BACKEND], ids=lambda b: b.name)
@pytest.mark.parametrize(
    ("n", "e", "valid"),
    [
        (DOWNLOAD.n, 65537, True),
        (DOWNLOAD.n, 3, False),
        (DOWNLOAD.n, 1, False),
        (DOWNLOAD.n, 65539, False),
        (SMALL.n, 65537, False),
        ((1 << 8192) | 1, 65537, False),
    ],
    ids=["2048 bits e=65537", "e=3", "e=1", "e=65539", "1024 bits", "8193 bits"],
)
def test_only_65537_and_2048_to_8192_bits_load(backend, n, e, valid):
    if valid:
        assert backend.load(n, e).n == n
    else:
        with pytest.raises(rs256.InvalidKeyError):
            backend.load(n, e)


def jwk_spec(n: int, e: int) -> dict[str, str]:
    return {"kid": "download-key", "n": uint_b64url(n), "e": uint_b64url(e)}


@pytest.mark.parametrize("e", [1, 3])
def test_config_refuses_an_operator_key_with_a_small_exponent(e):
    # Issue 13 item 7: with {n, e: "AQ"} (e = 1) anyone can forge a signature.
    data = edge_config_dict(public_pem(rsa_key("download")))
    parse_config(data)  # the control: the same configuration with the real key loads
    data["keys"] = [jwk_spec(DOWNLOAD.n, e)]
    with pytest.raises(ConfigError, match="exponent"):
        parse_config(data)
    data["keys"] = [jwk_spec(DOWNLOAD.n, 65537)]
    parse_config(data)


# -- the fallback -------------------------------------------------------------------------


def test_fallback_when_the_library_is_missing():
    assert rs256.load_backend(names=("libcrypto-that-does-not-exist.so.9",)).name == "python"


class _WithoutSymbol:
    def __init__(self, lib: Any, missing: str) -> None:
        self._lib, self._missing = lib, missing

    def __getattr__(self, name: str) -> Any:
        if name == self._missing:
            raise AttributeError(name)
        return getattr(self._lib, name)


@needs_openssl
@pytest.mark.parametrize("missing", ["EVP_DigestVerify", "d2i_PUBKEY", "ERR_clear_error"])
def test_fallback_when_a_symbol_is_missing(missing):
    assert rs256.load_backend(loader=ctypes.CDLL).name == "openssl"  # control
    backend = rs256.load_backend(loader=lambda name: _WithoutSymbol(ctypes.CDLL(name), missing))
    assert backend.name == "python"


def _signed(key: pyrsa.PrivateKey, header: dict[str, Any], payload: str) -> str:
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(payload.encode())}"
    return f"{signing_input}.{b64url(pyrsa.sign(signing_input.encode(), key, 'SHA-256'))}"


def download_token(exp: str | None = None, typ: str = "JWT") -> str:
    now = int(time.time())
    exp = str(now + 300) if exp is None else exp
    payload = (
        f'{{"iss": "{DOWNLOAD_ISSUER}", "aud": "{DOWNLOAD_AUDIENCE}", "sub": "alice", '
        f'"iat": {now}, "exp": {exp}, "path": "{PATH}"}}'
    )
    return _signed(DOWNLOAD, {"alg": "RS256", "typ": typ, "kid": "download-key"}, payload)


@pytest.mark.parametrize("without", ["cryptography", "none"])
def test_the_package_verifies_without_cryptography(tmp_path, without):
    script = f"""
import sys, json, time
if {without!r} == "cryptography":
    sys.modules["cryptography"] = None
from edge_auth.config import parse_config
from edge_auth.verify import verify_token
config = parse_config(json.loads(sys.argv[1]))
verify_token(sys.argv[2], config)
print("cryptography" in sys.modules and sys.modules["cryptography"] is not None, "jwt" in sys.modules)
"""
    config = json.dumps(edge_config_dict(public_pem(rsa_key("download")), idp=False))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "lambda_src")])}
    result = subprocess.run(
        [sys.executable, "-c", script, config, download_token()], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    # Neither cryptography nor PyJWT is imported, even where they are installed (the control).
    assert result.stdout.strip() == "False False"


# -- memory -------------------------------------------------------------------------------


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


@needs_openssl
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
def test_100000_openssl_verifies_do_not_grow_rss():
    message = b"header.payload"
    signature = pyrsa.sign(message, DOWNLOAD, "SHA-256")
    bad = bytes(len(signature))
    for _ in range(5_000):  # warm up allocator pools
        rs256.BACKEND.load(DOWNLOAD.n, DOWNLOAD.e)
    key = rs256.BACKEND.load(DOWNLOAD.n, DOWNLOAD.e)
    for _ in range(5_000):
        key.verify(message, signature)
        key.verify(message, bad)
    before = _rss_kib()
    results = 0
    for i in range(50_000):  # 100,000 verifies: half valid, half refused (the error path)
        results += key.verify(message, signature) + key.verify(message, bad)
        if i % 10 == 0:
            rs256.BACKEND.load(DOWNLOAD.n, DOWNLOAD.e)  # and 5,000 keys made and freed
    growth = _rss_kib() - before
    assert results == 50_000
    assert growth < 1024, f"RSS grew by {growth} KiB"


# -- the backend in use is logged once per container ---------------------------------------


def test_backend_logged_once_with_no_key_material(monkeypatch, capsys, tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(edge_config_dict(public_pem(rsa_key("download")))))
    monkeypatch.setattr(edge, "load_config", lambda: parse_config(json.loads(config_file.read_text())))
    monkeypatch.setattr(edge, "_config", None)
    for _ in range(3):
        edge.handler(cf_event(PATH), None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    starts = [line for line in lines if line.get("event") == "cold start"]
    assert starts == [{"event": "cold start", "rs256_backend": rs256.BACKEND.name, "detail": rs256.BACKEND.detail}]
    assert "BEGIN" not in json.dumps(lines) and "MII" not in json.dumps(lines)


# -- issue 13 item 6: times are finite numbers ----------------------------------------------


def status(result: dict[str, Any]) -> int:
    return 200 if "status" not in result else int(result["status"])


@pytest.mark.parametrize("exp", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_edge_refuses_and_never_caches_a_non_finite_exp(edge_config, exp):
    assert status(edge.handler(cf_event(PATH, querystring=f"authorization={download_token()}"), None)) == 200
    token = download_token(exp=exp)
    for _ in range(2):
        assert status(edge.handler(cf_event(PATH, querystring=f"authorization={token}"), None)) == 403
    assert len(edge._CACHE) == 1  # only the control


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize("value", ["NaN", "-Infinity", "-1e999"])
def test_edge_refuses_a_non_finite_nbf_or_iat(edge_config, claim, value):
    now = int(time.time())
    payload = (
        f'{{"iss": "{DOWNLOAD_ISSUER}", "aud": "{DOWNLOAD_AUDIENCE}", "sub": "alice", '
        f'"exp": {now + 300}, "path": "{PATH}", "{claim}": %s}}'
    )
    header = {"alg": "RS256", "typ": "JWT", "kid": "download-key"}
    good = _signed(DOWNLOAD, header, payload % (now - 10))
    bad = _signed(DOWNLOAD, header, payload % value)
    assert status(edge.handler(cf_event(PATH, querystring=f"authorization={good}"), None)) == 200
    assert status(edge.handler(cf_event(PATH, querystring=f"authorization={bad}"), None)) == 403


# -- issue 13 item 14: the typ values accepted ----------------------------------------------


def user_token(typ: str) -> str:
    now = int(time.time())
    payload = json.dumps({"iss": USER_ISSUER, "aud": USER_AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300})
    return _signed(USER, {"alg": "RS256", "typ": typ, "kid": "user-rsa"}, payload)


@pytest.mark.parametrize(("typ", "expected"), [("JWT", 200), ("at+jwt", 200), ("AT+JWT", 403), ("JWS", 403)])
def test_idp_tokens_may_be_rfc9068_access_tokens(edge_config, typ, expected):
    assert status(edge.handler(cf_event(PATH, querystring=f"authorization={user_token(typ)}"), None)) == expected


@pytest.mark.parametrize(("typ", "expected"), [("JWT", 200), ("at+jwt", 403)])
def test_download_tokens_are_typed_jwt_only(edge_config, typ, expected):
    token = download_token(typ=typ)
    assert status(edge.handler(cf_event(PATH, querystring=f"authorization={token}"), None)) == expected


# -- PEM keys are read without `rsa`/pyasn1 (issue 14 item 3) ------------------------------


def _pem(der: bytes, label: str) -> str:
    import base64
    import textwrap

    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _pkcs1_pem(key: pyrsa.PrivateKey) -> str:
    return pyrsa.PublicKey(key.n, key.e).save_pkcs1().decode()


@pytest.mark.parametrize("name", ["download", "user"])
def test_pem_keys_read_as_rsa_reads_them(name):
    key = private(name)
    spki = public_pem(rsa_key(name))
    parsed = pyrsa.PublicKey.load_pkcs1_openssl_pem(spki.encode())
    assert rs256.key_numbers({"pem": spki}) == (parsed.n, parsed.e) == (key.n, key.e)
    assert rs256.key_numbers({"pem": _pkcs1_pem(key)}) == (key.n, key.e)


def _refused_pems() -> dict[str, str]:
    spki = public_pem(rsa_key("download"))
    der = rs256.subject_public_key_info(DOWNLOAD.n, DOWNLOAD.e)
    pkcs1 = pyrsa.PublicKey(DOWNLOAD.n, DOWNLOAD.e).save_pkcs1("DER")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    # The same key with the outer SEQUENCE's length in a needless long form: not DER.
    long_form = bytes([0x30, 0x83]) + len(der[4:]).to_bytes(3, "big") + der[4:]
    return {
        "EC key": ec_pem,
        "PKCS#1 body under the PUBLIC KEY label": _pem(pkcs1, "PUBLIC KEY"),
        "SubjectPublicKeyInfo under the RSA PUBLIC KEY label": _pem(der, "RSA PUBLIC KEY"),
        "trailing bytes after the key": _pem(der + b"\x00", "PUBLIC KEY"),
        "non-minimal DER length": _pem(long_form, "PUBLIC KEY"),
        "truncated": _pem(der[:-10], "PUBLIC KEY"),
        "stray base64 characters": spki.replace("\n", "\n!", 1),
        "mismatched END label": spki.replace("END PUBLIC KEY", "END RSA PUBLIC KEY"),
        "private key label": spki.replace("PUBLIC KEY", "PRIVATE KEY"),
        "two blocks": spki + spki,
        "empty body": "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
    }


@pytest.mark.parametrize("case", list(_refused_pems()))
def test_pem_that_is_not_exactly_an_rsa_public_key_is_refused(case):
    with pytest.raises(rs256.InvalidKeyError):
        rs256.key_numbers({"pem": _refused_pems()[case]})


def test_rsa_is_imported_only_for_the_python_backend():
    script = """
import sys
from edge_auth import rs256
rs256.load_public_key({"pem": sys.argv[1]})
print(rs256.BACKEND.name, "rsa" in sys.modules, "pyasn1" in sys.modules)
rs256.PythonBackend().load(rs256.key_numbers({"pem": sys.argv[1]})[0], 65537)
print("rsa" in sys.modules)
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lambda_src")}
    result = subprocess.run(
        [sys.executable, "-c", script, public_pem(rsa_key("download"))],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first == ("openssl False False" if HAVE_OPENSSL else "python True True")
    assert second == "True"


# -- found by mutation testing (make mutation) --------------------------------------------
# BACKEND is built when the module is imported; these build backends and keys afresh, so a
# change to how a backend is loaded shows in a verdict.


@needs_openssl
def test_a_backend_loaded_afresh_verifies_and_refuses_like_the_one_loaded_at_import():
    fresh = rs256.load_backend()
    assert fresh.name == "openssl"
    assert fresh.detail == rs256.BACKEND.detail
    assert fresh.detail.startswith("OpenSSL ")
    message = b"header.payload"
    signature = pyrsa.sign(message, DOWNLOAD, "SHA-256")
    key = fresh.load(DOWNLOAD.n, DOWNLOAD.e)
    assert key.verify(message, signature)  # control
    assert not key.verify(message + b"!", signature)
    assert not key.verify(message, signature[:-1] + bytes([signature[-1] ^ 1]))
    assert not fresh.load(USER.n, USER.e).verify(message, signature)


@needs_openssl
def test_load_backend_tries_every_library_name_in_turn():
    assert rs256.load_backend(names=("libcrypto-that-does-not-exist.so.9",)).name == "python"  # control
    assert rs256.load_backend(names=("libcrypto-that-does-not-exist.so.9", "libcrypto.so.3")).name == "openssl"
