"""harness/devkeys.py: the one source of development keys and JWKs (issuer, bench, tests)."""

import jwt
import pytest

import devkeys

# RFC 7638 section 3.1: the example RSA key and its SHA-256 thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
    "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZ"
    "Hzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kE"
    "gU8awapJzKnqDKgw"
)


def test_thumbprint_matches_rfc7638_example() -> None:
    members = {"e": "AQAB", "kty": "RSA", "n": RFC7638_N}
    assert devkeys.thumbprint(members) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize("make, alg", [(devkeys.generate_rsa, "RS256"), (devkeys.generate_ec, "ES256")])
def test_public_jwk_verifies_what_the_private_key_signs(make, alg) -> None:
    key = make()
    jwk = devkeys.public_jwk(key)
    assert jwk["alg"] == alg and jwk["kid"] and "d" not in jwk
    token = jwt.encode({"sub": "alice"}, key, algorithm=alg)
    verifier = jwt.PyJWK(jwk).key
    assert jwt.decode(token, verifier, algorithms=[alg])["sub"] == "alice"
    # Negative control: another key's JWK refuses the same token.
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, jwt.PyJWK(devkeys.public_jwk(make())).key, algorithms=[alg])


def test_signing_key_pem_and_jwk_describe_the_same_key() -> None:
    key = devkeys.SigningKey.generate("k1")
    token = key.sign({"sub": "bob"})
    assert jwt.get_unverified_header(token)["kid"] == "k1"
    assert jwt.decode(token, key.public_pem, algorithms=["RS256"])["sub"] == "bob"
    assert jwt.decode(token, jwt.PyJWK(key.jwk).key, algorithms=["RS256"])["sub"] == "bob"


def test_key_file_is_private_and_reused(tmp_path) -> None:
    path = tmp_path / "dev" / "private.pem"
    first = devkeys.load_or_create_rsa(path)
    assert path.stat().st_mode & 0o777 == 0o600
    second = devkeys.load_or_create_rsa(path)
    assert devkeys.public_jwk(first) == devkeys.public_jwk(second)
