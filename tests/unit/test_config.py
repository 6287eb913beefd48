"""Both functions refuse unsafe or incoherent configuration up front."""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lambda_testkit import api_environment, edge_config_dict, public_pem, rsa_key, user_jwks

from edge_auth.config import ConfigError as EdgeConfigError
from edge_auth.config import parse_config
from upload_api.config import ConfigError, from_env


class FakeAws:
    key_arn = "arn:aws:kms:us-east-1:123456789012:key/f147afed-1c8d-40dc-ba18-98fceff50a6c"


def env(**overrides):
    return api_environment(FakeAws(), **overrides)


def test_api_defaults_and_kid_from_key_arn():
    config = from_env(env(MAX_UPLOAD_BYTES="", PRESIGN_EXPIRES_SECONDS="", DOWNLOAD_ACCESS=""))
    assert config.max_upload_bytes == 10485760
    assert config.presign_expires_seconds == 300
    assert config.download_access == "owner"
    assert config.signing_kid == "f147afed-1c8d-40dc-ba18-98fceff50a6c"
    assert config.user_jwt_algorithms == ("RS256", "ES256")
    assert (config.upload_prefix, config.quarantine_prefix) == ("uploads/", "quarantine/")
    assert from_env(env(QUARANTINE_PREFIX="incoming/")).quarantine_prefix == "incoming/"


@pytest.mark.parametrize(
    "overrides",
    [
        {"BUCKET_NAME": ""},
        {"SIGNING_KEY_ID": "alias/downloads"},
        {"SIGNING_KEY_ID": "arn:aws:kms:us-east-1:123456789012:alias/downloads"},
        {"ALLOWED_ORIGINS": "*"},
        {"ALLOWED_ORIGINS": "http://localhost:4583,*"},
        {"USER_JWT_ALGORITHMS": "RS256,HS256"},
        {"USER_JWT_ALGORITHMS": "none"},
        {"USER_JWKS_URL": "https://idp.example/jwks.json"},  # and USER_JWKS_JSON: both set
        {"USER_JWKS_JSON": ""},  # neither set
        {"USER_JWKS_JSON": "", "USER_JWKS_URL": "http://idp.example/jwks.json"},  # plain http off loopback
        {"USER_JWKS_JSON": "", "USER_JWKS_URL": "http://localhost@evil.example/jwks.json"},  # user info, host evil
        {"USER_JWKS_JSON": "", "USER_JWKS_URL": "http://localhost.evil.example/jwks.json"},  # not loopback
        {"USER_JWKS_JSON": "", "USER_JWKS_URL": "http://127.0.0.1.evil.example/jwks.json"},
        {"USER_JWKS_JSON": "", "USER_JWKS_URL": "https://user:pw@idp.example/jwks.json"},
        {"USER_JWKS_JSON": "", "USER_JWKS_URL": "ftp://localhost/jwks.json"},
        {"USER_JWKS_JSON": "", "USER_JWKS_URL": "https:///jwks.json"},  # no host
        {"USER_JWKS_JSON": "[1]"},
        {"USER_JWKS_JSON": "{nope"},
        {"PRESIGN_EXPIRES_SECONDS": "86400"},
        {"PRESIGN_EXPIRES_SECONDS": "0"},
        {"DOWNLOAD_TOKEN_TTL_SECONDS": "86400"},
        {"MAX_UPLOAD_BYTES": "ten"},
        {"DOWNLOAD_ACCESS": "everyone"},
        {"UPLOAD_PREFIX": "/uploads/"},
        {"UPLOAD_PREFIX": "uploads"},
        {"QUARANTINE_PREFIX": "uploads/"},  # the bytes would be served before verification
        {"QUARANTINE_PREFIX": "uploads/quarantine/"},
        {"UPLOAD_PREFIX": "quarantine/public/"},
        {"QUARANTINE_PREFIX": "/quarantine/"},
        {"QUARANTINE_PREFIX": "quarantine"},
        {"QUARANTINE_PREFIX": "../quarantine/"},
        {"ALLOWED_CONTENT_TYPES": "image/png,text/html"},
        {"CDN_URL": "d111.cloudfront.net"},
    ],
)
def test_api_refuses_bad_configuration(overrides):
    with pytest.raises(ConfigError):
        from_env(env(**overrides))


def test_edge_accepts_pem_and_jwk_keys():
    numbers = rsa_key("user").public_key().public_numbers()
    jwk = next(k for k in user_jwks()["keys"] if k["kid"] == "user-rsa")
    data = edge_config_dict(public_pem(rsa_key("download")))
    data["idp"]["keys"] = [{"kid": "user-rsa", "n": jwk["n"], "e": jwk["e"]}]
    config = parse_config(data)
    assert config.idp.keys["user-rsa"].n == numbers.n
    assert config.domain_for_kid("download-key") is config.downloads
    assert config.domain_for_kid("user-rsa") is config.idp
    assert config.domain_for_kid("other") is None


def short_key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("issuer"),
        lambda d: d.update(audience=""),
        lambda d: d.update(keys=[]),
        lambda d: d.update(keys=[{"pem": d["keys"][0]["pem"]}]),
        lambda d: d.update(keys=[d["keys"][0], d["keys"][0]]),
        lambda d: d.update(keys=[{"kid": "k", "pem": short_key_pem().decode()}]),
        lambda d: d.update(keys=[{"kid": "k", "pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}]),
        lambda d: d.update(keys=[{"kid": "k", "n": "!!", "e": "AQAB"}]),
        lambda d: d["idp"].update(keys=[{"kid": "download-key", "pem": d["keys"][0]["pem"]}]),
        lambda d: d.update(leeway_seconds=3600),
        lambda d: d.update(leeway_seconds="30"),
        lambda d: d.update(uploads_prefix="/uploads/"),
        lambda d: d.update(uploads_prefix="../"),
        lambda d: d.update(idp="yes"),
        lambda d: d.update(leeway_secs=5),
        lambda d: d["idp"].update(owner="sub"),
    ],
)
def test_edge_refuses_bad_configuration(change):
    data = json.loads(json.dumps(edge_config_dict(public_pem(rsa_key("download")))))
    change(data)
    with pytest.raises(EdgeConfigError):
        parse_config(data)


@pytest.mark.parametrize(
    "url",
    ["https://idp.example/jwks.json", "http://localhost:8080/jwks", "http://127.0.0.1/jwks", "http://[::1]:9/jwks"],
)
def test_api_accepts_https_and_loopback_http_jwks_urls(url):
    """The positive control of the JWKS URL refusals above."""
    assert from_env(env(USER_JWKS_JSON="", USER_JWKS_URL=url)).user_jwks_url == url
