"""RS256 (RSASSA-PKCS1-v1_5 with SHA-256) without `cryptography`, verify only.

Lambda@Edge packages are limited to 1 MB, which rules out `cryptography`. Two backends, one
chosen once per container when this module is imported:

- "openssl": the runtime's own OpenSSL 3 (`libcrypto.so.3`, which `ssl` and `hashlib`
  already load) through `ctypes`; a key becomes an `EVP_PKEY` once, at configuration load,
  and each verify is one `EVP_DigestVerify` (~20 µs for 2048 bits).
- "python": the pure-Python `rsa` package (~150 µs), used when the library or one of the
  symbols below is missing. `rsa` (and pyasn1 with it) is imported only then: keys, PEM
  included, are read by this module's own DER reader.

Both accept exactly the same keys (e = 65537, MIN_KEY_BITS..MAX_KEY_BITS, checked before any
backend sees the key) and give the same verdict on every signature. edge_auth.jws accepts
no other algorithm, so `none` and HS* can never be selected by a token header.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Protocol

MIN_KEY_BITS = 2048
MAX_KEY_BITS = 8192  # bounds the cost of one verify (and of a hostile configuration)
PUBLIC_EXPONENT = 65537  # the only exponent accepted: e = 1 or 3 make forgeries easy
LIBCRYPTO_NAMES = ("libcrypto.so.3",)
_RSA_OID = bytes.fromhex("06092a864886f70d0101010500")  # rsaEncryption, NULL parameters


class InvalidKeyError(ValueError):
    """Not an RSA public key this module accepts."""


class VerifyKey(Protocol):
    """An RSA public key ready for one backend."""

    n: int
    e: int

    def verify(self, message: bytes, signature: bytes) -> bool: ...


class Backend(Protocol):
    name: str

    def load(self, n: int, e: int) -> VerifyKey: ...


# -- the key's numbers, from a JWK or a PEM, checked once for every backend ----------------


def _b64url_uint(value: object) -> int:
    if not isinstance(value, str) or not value:
        raise InvalidKeyError("JWK member is not a base64url string")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise InvalidKeyError("JWK member is not base64url") from exc
    return int.from_bytes(raw, "big")


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def _der_uint(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))  # leading 0: positive


def subject_public_key_info(n: int, e: int) -> bytes:
    """The DER SubjectPublicKeyInfo of an RSA public key (RFC 8017 A.1.1, RFC 5280 4.1)."""
    rsa_public_key = _der(0x30, _der_uint(n) + _der_uint(e))
    return _der(0x30, _der(0x30, _RSA_OID) + _der(0x03, b"\x00" + rsa_public_key))


def check_numbers(n: int, e: int) -> None:
    if e != PUBLIC_EXPONENT:
        raise InvalidKeyError(f"RSA public exponent must be {PUBLIC_EXPONENT}")
    if not MIN_KEY_BITS <= n.bit_length() <= MAX_KEY_BITS:
        raise InvalidKeyError(f"RSA keys must have {MIN_KEY_BITS} to {MAX_KEY_BITS} bits, not {n.bit_length()}")


_PEM_LABELS = {"PUBLIC KEY": True, "RSA PUBLIC KEY": False}  # label -> SubjectPublicKeyInfo?


def _der_read(data: bytes, pos: int, tag: int) -> tuple[int, int]:
    """(start, end) of the content of the DER element with `tag` at `pos`."""
    if pos + 2 > len(data) or data[pos] != tag:
        raise ValueError("unexpected DER element")
    length, pos = data[pos + 1], pos + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length, pos = int.from_bytes(data[pos : pos + count], "big"), pos + count
    if pos + length > len(data):
        raise ValueError("truncated DER element")
    return pos, pos + length


def _numbers_from_pem(pem: str) -> tuple[int, int]:
    """(n, e) of a SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY") PEM.

    Strict: one PEM block and nothing else, base64 without stray characters, and the DER
    must be exactly the canonical encoding of the numbers read (rsaEncryption with NULL
    parameters for SubjectPublicKeyInfo), so nothing but an RSA public key is ever read."""
    lines = pem.strip().splitlines()
    if len(lines) < 3 or not lines[0].startswith("-----BEGIN ") or not lines[0].endswith("-----"):
        raise ValueError("not a PEM block")
    label = lines[0][len("-----BEGIN ") : -len("-----")]
    if label not in _PEM_LABELS or lines[-1] != f"-----END {label}-----":
        raise ValueError("not an RSA public key PEM block")
    der = base64.b64decode("".join(line.strip() for line in lines[1:-1]), validate=True)
    rsa_public_key = der
    if _PEM_LABELS[label]:  # SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING }
        start, _ = _der_read(der, 0, 0x30)
        _, algorithm_end = _der_read(der, start, 0x30)
        bits_start, bits_end = _der_read(der, algorithm_end, 0x03)
        rsa_public_key = der[bits_start + 1 : bits_end]  # after the unused-bits octet
    start, _ = _der_read(rsa_public_key, 0, 0x30)  # RSAPublicKey: SEQUENCE { n, e }
    n_start, n_end = _der_read(rsa_public_key, start, 0x02)
    e_start, e_end = _der_read(rsa_public_key, n_end, 0x02)
    n = int.from_bytes(rsa_public_key[n_start:n_end], "big")
    e = int.from_bytes(rsa_public_key[e_start:e_end], "big")
    canonical = subject_public_key_info(n, e) if _PEM_LABELS[label] else _der(0x30, _der_uint(n) + _der_uint(e))
    if der != canonical:
        raise ValueError("not the DER encoding of an RSA public key")
    return n, e


def key_numbers(spec: dict[str, Any]) -> tuple[int, int]:
    """(n, e) from {"pem": SubjectPublicKeyInfo or PKCS#1 PEM} or {"n", "e"} (base64url), checked."""
    if "pem" in spec:
        pem = spec["pem"]
        if not isinstance(pem, str):
            raise InvalidKeyError("pem must be a string")
        try:
            n, e = _numbers_from_pem(pem)
        except (ValueError, TypeError, IndexError, binascii.Error) as exc:
            raise InvalidKeyError(f"not an RSA public key PEM ({type(exc).__name__})") from exc
    else:
        n, e = _b64url_uint(spec.get("n")), _b64url_uint(spec.get("e"))
    check_numbers(n, e)
    return n, e


# -- the pure-Python backend --------------------------------------------------------------


class PythonKey:
    def __init__(self, n: int, e: int) -> None:
        import rsa  # noqa: PLC0415 - only a container without OpenSSL pays for rsa and pyasn1

        self.n, self.e = n, e
        self._rsa = rsa
        self._key = rsa.PublicKey(n, e)
        self._size = (n.bit_length() + 7) // 8

    def verify(self, message: bytes, signature: bytes) -> bool:
        # A wrong-length signature can never verify; refuse it before the modular exponentiation.
        if len(signature) != self._size:
            return False
        try:
            # rsa.verify accepts any hash named in the signature's DigestInfo (SHA-1 too);
            # RS256 means SHA-256 and nothing else.
            return self._rsa.verify(message, signature, self._key) == "SHA-256"
        except (self._rsa.VerificationError, ValueError, OverflowError):
            return False


class PythonBackend:
    name = "python"
    detail = "rsa (pure Python)"

    def load(self, n: int, e: int) -> VerifyKey:
        check_numbers(n, e)
        return PythonKey(n, e)


# -- the OpenSSL backend ------------------------------------------------------------------


class _LibCrypto:
    """The few libcrypto functions used, each with its argument and result types declared."""

    def __init__(self, lib: Any) -> None:
        p, size, c_int, c_long = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_long

        def bind(name: str, restype: Any, *argtypes: Any) -> Any:
            function = getattr(lib, name)  # AttributeError when the symbol is missing
            function.restype = restype
            function.argtypes = list(argtypes)
            return function

        self.version = bind("OpenSSL_version", ctypes.c_char_p, c_int)
        self.d2i_PUBKEY = bind("d2i_PUBKEY", p, p, ctypes.POINTER(p), c_long)
        self.EVP_PKEY_free = bind("EVP_PKEY_free", None, p)
        self.EVP_sha256 = bind("EVP_sha256", p)
        self.EVP_MD_CTX_new = bind("EVP_MD_CTX_new", p)
        self.EVP_MD_CTX_free = bind("EVP_MD_CTX_free", None, p)
        self.EVP_DigestVerifyInit = bind("EVP_DigestVerifyInit", c_int, p, p, p, p, p)
        self.EVP_DigestVerify = bind("EVP_DigestVerify", c_int, p, ctypes.c_char_p, size, ctypes.c_char_p, size)
        self.ERR_clear_error = bind("ERR_clear_error", None)
        self.sha256 = self.EVP_sha256()
        if not self.sha256:
            raise OSError("EVP_sha256 returned NULL")


class OpenSSLKey:
    def __init__(self, crypto: _LibCrypto, n: int, e: int) -> None:
        self.n, self.e = n, e
        self._crypto = crypto
        self._size = (n.bit_length() + 7) // 8
        der = subject_public_key_info(n, e)
        buffer = ctypes.create_string_buffer(der, len(der))
        cursor = ctypes.c_void_p(ctypes.addressof(buffer))  # d2i advances it; both die here
        pkey = crypto.d2i_PUBKEY(None, ctypes.byref(cursor), len(der))
        if not pkey:
            crypto.ERR_clear_error()
            raise InvalidKeyError("OpenSSL refused the RSA public key")
        self._pkey = ctypes.c_void_p(pkey)
        weakref.finalize(self, crypto.EVP_PKEY_free, self._pkey)

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != self._size:
            return False
        crypto = self._crypto
        ctx = crypto.EVP_MD_CTX_new()
        if not ctx:
            crypto.ERR_clear_error()
            return False
        try:
            if crypto.EVP_DigestVerifyInit(ctx, None, crypto.sha256, None, self._pkey) != 1:
                return False
            # 1: valid; 0: invalid; < 0: error. Only 1 is a yes.
            return bool(crypto.EVP_DigestVerify(ctx, signature, len(signature), message, len(message)) == 1)
        finally:
            crypto.EVP_MD_CTX_free(ctx)
            crypto.ERR_clear_error()  # a refused signature leaves an entry on the thread's error queue


class OpenSSLBackend:
    name = "openssl"

    def __init__(self, lib: Any) -> None:
        self._crypto = _LibCrypto(lib)
        self.detail = (self._crypto.version(0) or b"OpenSSL").decode("ascii", "replace")

    def load(self, n: int, e: int) -> VerifyKey:
        check_numbers(n, e)
        return OpenSSLKey(self._crypto, n, e)


def load_backend(
    names: Sequence[str] = LIBCRYPTO_NAMES, loader: Callable[[str], Any] = ctypes.CDLL
) -> OpenSSLBackend | PythonBackend:
    """OpenSSL when its library and every symbol used are there, else pure Python."""
    for name in names:
        try:
            return OpenSSLBackend(loader(name))
        except (OSError, AttributeError):
            continue
    return PythonBackend()


BACKEND: OpenSSLBackend | PythonBackend = load_backend()


def load_public_key(spec: dict[str, Any], backend: Backend | None = None) -> VerifyKey:
    """A checked RSA public key for `backend` (default: the container's) from a key spec."""
    n, e = key_numbers(spec)
    return (backend or BACKEND).load(n, e)
