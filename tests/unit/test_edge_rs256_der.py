"""edge_auth.rs256's own DER: the SubjectPublicKeyInfo it builds for OpenSSL and the PEM keys it
reads, held to cryptography's (OpenSSL's) encoding at every DER length boundary (found by make
mutation: element lengths of 127/128, 255/256 and 65535/65536 octets change the length form)."""

from __future__ import annotations

import base64
import textwrap

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

from edge_auth import rs256

# INTEGER contents of these many octets (the sign octet included) put every element of the key
# on both sides of each length-form boundary.
CONTENT_OCTETS = [0x7E, 0x7F, 0x80, 0x81, 0xFF, 0x100, 0x101, 0x102, 0x200, 0x201, 0x401, 0xFFFF, 0x10000, 0x10001]


def modulus(octets: int, *, full: bool = False) -> int:
    """An odd number whose DER INTEGER content is `octets` long (`full`: all ones, so a zero octet leads)."""
    bits = 8 * (octets - 1)
    return (1 << bits) - 1 if full else (1 << bits) | 1


def spki_der(n: int, e: int) -> bytes:
    return (
        RSAPublicNumbers(e, n)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def pkcs1_der(n: int, e: int) -> bytes:
    return (
        RSAPublicNumbers(e, n).public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    )


def pem(der: bytes, label: str) -> str:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


@pytest.mark.parametrize("full", [False, True], ids=["top octet 01", "leading zero"])
@pytest.mark.parametrize("octets", CONTENT_OCTETS)
@pytest.mark.parametrize("e", [3, 65537])
def test_the_spki_built_for_openssl_is_the_der_openssl_writes(octets, full, e):
    n = modulus(octets, full=full)
    assert rs256.subject_public_key_info(n, e) == spki_der(n, e)


@pytest.mark.parametrize("full", [False, True], ids=["top octet 01", "leading zero"])
@pytest.mark.parametrize("octets", CONTENT_OCTETS)
@pytest.mark.parametrize(("label", "encode"), [("PUBLIC KEY", spki_der), ("RSA PUBLIC KEY", pkcs1_der)])
def test_pem_keys_of_every_length_are_read_then_judged_by_size(octets, full, label, encode):
    n = modulus(octets, full=full)
    spec = {"pem": pem(encode(n, 65537), label)}
    if rs256.MIN_KEY_BITS <= n.bit_length() <= rs256.MAX_KEY_BITS:
        assert rs256.key_numbers(spec) == (n, 65537)
    else:  # read correctly, then refused for its size and nothing else
        with pytest.raises(
            rs256.InvalidKeyError, match=rf"^RSA keys must have 2048 to 8192 bits, not {n.bit_length()}$"
        ):
            rs256.key_numbers(spec)


@pytest.mark.parametrize("octets", [1, 2, 0x7F, 0x80, 0x81, 0x100])
@pytest.mark.parametrize(("label", "encode"), [("PUBLIC KEY", spki_der), ("RSA PUBLIC KEY", pkcs1_der)])
def test_a_pem_key_with_a_long_exponent_is_read_then_refused_for_it(octets, label, encode):
    n = modulus(0x101)
    e = modulus(octets) if octets > 2 else (3 if octets == 1 else 0x8001)
    with pytest.raises(rs256.InvalidKeyError, match=r"^RSA public exponent must be 65537$"):
        rs256.key_numbers({"pem": pem(encode(n, e), label)})


def test_the_der_lengths_octets_are_read_in_full():
    n = modulus(0x101)
    der = spki_der(n, 65537)
    assert rs256.key_numbers({"pem": pem(der, "PUBLIC KEY")}) == (n, 65537)  # control
    for cut in range(1, len(der)):
        with pytest.raises(rs256.InvalidKeyError, match=r"^not an RSA public key PEM \((ValueError|Error)\)$"):
            rs256.key_numbers({"pem": pem(der[:cut], "PUBLIC KEY")})


# -- the PEM text around the DER ------------------------------------------------------------

KEY_N = modulus(0x101)
KEY_PEM = pem(spki_der(KEY_N, 65537), "PUBLIC KEY")


@pytest.mark.parametrize(
    "text",
    [
        KEY_PEM,
        "\n\n  " + KEY_PEM + "\n  \n",
        KEY_PEM.replace("\n", "\r\n"),
        KEY_PEM.replace("\n", "  \n").replace("-----  \n", "-----\n"),
        "\n".join("    " + line if line and not line.startswith("-----") else line for line in KEY_PEM.split("\n")),
        "-----BEGIN PUBLIC KEY-----\n"
        + base64.b64encode(spki_der(KEY_N, 65537)).decode()
        + "\n-----END PUBLIC KEY-----",
    ],
    ids=["plain", "blank lines around", "CRLF", "trailing spaces", "indented body", "body on one line"],
)
def test_a_pem_key_is_read_whatever_whitespace_surrounds_its_lines(text):
    assert rs256.key_numbers({"pem": text}) == (KEY_N, 65537)


@pytest.mark.parametrize("pem_value", [None, 65537, b"-----BEGIN PUBLIC KEY-----", ["-----BEGIN PUBLIC KEY-----"]])
def test_a_pem_member_that_is_not_a_string_is_refused_as_such(pem_value):
    with pytest.raises(rs256.InvalidKeyError, match=r"^pem must be a string$"):
        rs256.key_numbers({"pem": pem_value, "n": "AQAB", "e": "AQAB"})


def test_the_key_numbers_are_those_of_the_key_on_both_backends():
    spec = {"pem": KEY_PEM}
    chosen = rs256.PythonBackend()
    key = rs256.load_public_key(spec, chosen)
    assert isinstance(key, rs256.PythonKey)
    assert (key.n, key.e) == (KEY_N, 65537)
    default = rs256.load_public_key(spec)
    assert type(default) is (rs256.OpenSSLKey if rs256.BACKEND.name == "openssl" else rs256.PythonKey)
    assert (default.n, default.e) == (KEY_N, 65537)


@pytest.mark.parametrize(
    "first_line", ["-----BEGIN PUBLIC KEY----=", "-----BEGIX PUBLIC KEY-----", "----BEGIN PUBLIC KEY-----"]
)
def test_a_pem_whose_begin_line_is_not_exactly_begin_label_dashes_is_refused(first_line):
    assert rs256.key_numbers({"pem": KEY_PEM}) == (KEY_N, 65537)  # control
    with pytest.raises(rs256.InvalidKeyError, match=r"^not an RSA public key PEM \(ValueError\)$"):
        rs256.key_numbers({"pem": KEY_PEM.replace("-----BEGIN PUBLIC KEY-----", first_line)})


def test_a_key_whose_der_needs_four_length_octets_is_read_in_full_then_refused_for_its_size():
    # 2**24 octets of modulus: the longest lengths the reader takes (four octets), read whole.
    n = modulus(1 << 24)
    der = rs256.subject_public_key_info(n, 65537)
    assert der[1] == 0x84
    body = base64.b64encode(der).decode()
    text = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    with pytest.raises(rs256.InvalidKeyError, match=rf"^RSA keys must have 2048 to 8192 bits, not {n.bit_length()}$"):
        rs256.key_numbers({"pem": text + "\n-----END PUBLIC KEY-----\n"})
