"""Development identity provider: an RSA key under build/, its JWKS over HTTP, and user tokens.

Stands in for the users' real identity provider (Cognito, Auth0, ...) so that the local stack
verifies real RS256 signatures against a JWKS URL, exactly as it would in AWS. The private key
is generated on first use, kept mode 0600 under build/stack/dev-issuer/, and never committed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

import devkeys
from stack import paths
from stack.faults import HANG, ControlApp, Switch
from stack.httpbase import HttpRequest, HttpResponse, json_response, serve

KEY_FILE = paths.STATE / "dev-issuer" / "private.pem"
JWKS_PATH = "/.well-known/jwks.json"
DEFAULT_ISSUER = f"http://{paths.HOST}:{paths.ISSUER_PORT}"
DEFAULT_AUDIENCE = "uploads-local"  # identity_provider.audience in terraform/examples/local
# The fault switch `jwks` (stack/faults.py): while it is `hang`, identity-provider requests are
# held, unanswered, for at most this long (then answered late, if the client is still there).
HANG_LIMIT_SECONDS = 300.0
JWKS_FAULT = "jwks"


def private_key(path: Path = KEY_FILE) -> rsa.RSAPrivateKey:
    """The issuer's key, created (2048-bit, mode 0600) on first use."""
    return devkeys.load_or_create_rsa(path)


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The public JWK, with the RFC 7638 thumbprint as its kid."""
    return devkeys.public_jwk(key)


def jwks(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    return devkeys.jwks(public_jwk(key))


def mint(
    sub: str,
    *,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
    ttl_seconds: int = 3600,
    extra: dict[str, Any] | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> str:
    """A user token as an identity provider would issue it (RS256, kid in the header)."""
    key = key or private_key()
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": sub, "iat": now, "nbf": now, "exp": now + ttl_seconds}
    claims["jti"] = uuid.uuid4().hex
    claims.update(extra or {})
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"], "typ": "JWT"})


def user_jwt_settings() -> tuple[str, str]:
    """Issuer and audience the running stack's API expects (from `stack up`), else the defaults."""
    try:
        state = json.loads((paths.STATE / "state.json").read_text())
        return state["user_jwt"]["issuer"], state["user_jwt"]["audience"]
    except (OSError, ValueError, KeyError):
        return DEFAULT_ISSUER, DEFAULT_AUDIENCE


class IssuerApp:
    """The identity provider's endpoints, plus the fault control `/_faults/jwks` (loopback only):
    `hang` holds every identity-provider request unanswered until it is set back to `pass`."""

    def __init__(self, key: rsa.RSAPrivateKey, issuer: str, hang_limit_seconds: float = HANG_LIMIT_SECONDS) -> None:
        self.document = jwks(key)
        self.issuer = issuer
        self.fault = Switch()
        self.control = ControlApp({JWKS_FAULT: self.fault})
        self.hang_limit_seconds = hang_limit_seconds

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.control.handles(request):
            return self.control(request)
        path = request.target.split("?", 1)[0]
        if self.fault.mode == HANG:
            self.fault.wait_while(HANG, self.hang_limit_seconds)
        if request.method not in {"GET", "HEAD"}:
            return json_response(405, {"message": "method not allowed"})
        if path == JWKS_PATH:
            return json_response(200, self.document, [("Cache-Control", "max-age=300")])
        if path == "/.well-known/openid-configuration":
            return json_response(200, {"issuer": self.issuer, "jwks_uri": f"{self.issuer.rstrip('/')}{JWKS_PATH}"})
        return json_response(404, {"message": "not found"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the JWKS on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=paths.ISSUER_PORT)
    token = commands.add_parser("token", help="print a user token")
    token.add_argument("--sub", default=os.environ.get("SUB", "dev-user"))
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.add_argument("--aud", help="audience (default: what the stack's API expects)")
    token.add_argument("--iss", help="issuer (default: what the stack's API expects)")
    args = parser.parse_args(argv)
    issuer, audience = user_jwt_settings()
    if args.command == "serve":
        serve((paths.HOST, args.port), IssuerApp(private_key(), issuer), "issuer")
        return 0
    print(mint(args.sub, issuer=args.iss or issuer, audience=args.aud or audience, ttl_seconds=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
