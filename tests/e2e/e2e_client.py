"""What the e2e tests do to the running stack: real HTTP to the API, S3 and the CDN adapter."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import struct
import subprocess
import sys
import time
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import requests

ROOT = Path(__file__).resolve().parents[2]
STATE_FILE = ROOT / "build" / "stack" / "state.json"
APIGW_CONFIG = ROOT / "build" / "stack" / "apigw.json"
PLAN_FILE = ROOT / "build" / "terraform" / "plan-local.json"
PNG_HEADER = b"\x89PNG\r\n\x1a\n"
TIMEOUT = 15
# How long an upload may stay pending before a test gives up: S3 -> SQS -> the verifier, with a
# cold start of its worker on a busy 2-core machine.
VERIFY_TIMEOUT = float(os.environ.get("E2E_VERIFY_TIMEOUT", "60"))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A 1x1 greyscale PNG without its end: what the verifier accepts as image/png once IEND follows.
_PNG_START = PNG_HEADER + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
_PNG_IDAT = _chunk(b"IDAT", zlib.compress(b"\x00\x00"))
_PNG_END = _chunk(b"IEND", b"")
# The padding chunk: ancillary, private, safe to copy ("rnDm"), ignored by every decoder.
_PNG_OVERHEAD = len(_PNG_START) + len(_PNG_IDAT) + len(_PNG_END) + 12


def _valid_png(size: int, filler: bytes) -> bytes:
    if size < _PNG_OVERHEAD:
        raise ValueError(f"a valid PNG here is at least {_PNG_OVERHEAD} bytes")
    return _PNG_START + _chunk(b"rnDm", filler) + _PNG_IDAT + _PNG_END


def png(size: int = 256) -> bytes:
    """A valid 1x1 PNG of exactly `size` bytes, padded with random bytes: unique content for
    checksums, and what the verifier publishes."""
    return _valid_png(size, os.urandom(max(0, size - _PNG_OVERHEAD)))


def fixed_png(size: int = 256) -> bytes:
    """The bytes `presign` declares when given only a size (a valid PNG padded with zeros)."""
    return _valid_png(size, b"\0" * max(0, size - _PNG_OVERHEAD))


HTML_AS_PNG = b"<!doctype html><html><body><script>alert(document.domain)</script></body></html>\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64sha256(data: bytes) -> str:
    """The checksum POST /uploads takes (and S3 stores): base64 of the SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Stack:
    state: dict[str, Any]
    session: requests.Session

    @classmethod
    def load(cls) -> Stack:
        return cls(json.loads(STATE_FILE.read_text()), requests.Session())

    @property
    def api(self) -> str:
        return self.state["api_url"]

    @property
    def cdn(self) -> str:
        return self.state["cdn_url"]

    @property
    def env(self) -> dict[str, str]:
        return self.state["api_environment"]

    def user_token(self, sub: str | None = None, **claims: Any) -> str:
        from stack.issuer import mint

        user = self.state["user_jwt"]
        return mint(sub or new_sub(), issuer=user["issuer"], audience=user["audience"], extra=claims)

    def presign(
        self,
        token: str,
        *,
        content_type: str = "image/png",
        size: int = 256,
        method: str = "POST",
        origin: str | None = None,
        data: bytes | None = None,
    ) -> requests.Response:
        """POST /uploads for `data` (its size and SHA-256), or for `size` bytes of a fixed PNG."""
        headers = {"Authorization": f"Bearer {token}"}
        if origin:
            headers["Origin"] = origin
        if data is not None:
            size = len(data)
        checksum = b64sha256(data if data is not None else fixed_png(size))
        body = {
            "content_type": content_type,
            "size": size,
            "method": method,
            "filename": "photo.png",
            "sha256": checksum,
        }
        return self.session.post(f"{self.api}/uploads", json=body, headers=headers, timeout=TIMEOUT)

    def download(self, token: str, key: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return self.session.post(f"{self.api}/downloads", json={"key": key}, headers=headers, timeout=TIMEOUT)

    def upload(self, presigned: dict[str, Any], data: bytes, content_type: str = "image/png") -> requests.Response:
        if presigned["method"] == "POST":
            files = {"file": ("photo.png", data, content_type)}
            return requests.post(presigned["url"], data=presigned["fields"], files=files, timeout=TIMEOUT)
        headers = dict(presigned["headers"])
        return requests.put(presigned["url"], data=data, headers=headers, timeout=TIMEOUT)

    def status(self, token: str, upload_id: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return self.session.get(f"{self.api}/uploads/{upload_id}", headers=headers, timeout=TIMEOUT)

    def wait_verified(self, token: str, upload_id: str, timeout: float = VERIFY_TIMEOUT) -> dict[str, Any]:
        """Poll the status route (with backoff) until verification leaves `pending`; its body.
        Fails the test when the upload is still pending after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        pause = 0.1
        while True:
            response = self.status(token, upload_id)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            if body.get("verification", "pending") != "pending":
                return body
            if time.monotonic() >= deadline:
                raise AssertionError(f"upload {upload_id} still pending after {timeout:.0f} s: {body}")
            time.sleep(pause)
            pause = min(pause * 1.5, 1.0)

    def put_through(self, sub: str | None = None, data: bytes | None = None, method: str = "POST") -> dict[str, Any]:
        """Token -> presign -> upload to S3 (quarantine) -> verified ready -> download token: what
        a client does before viewing."""
        token = self.user_token(sub)
        data = data if data is not None else png()
        presign = self.presign(token, data=data, method=method)
        assert presign.status_code == 201, presign.text
        upload = self.upload(presign.json(), data)
        assert upload.status_code in {200, 204}, upload.text
        key = presign.json()["key"]
        verified = self.wait_verified(token, presign.json()["upload_id"])
        assert verified["verification"] == "ready", verified
        download = self.download(token, key)
        assert download.status_code == 200, download.text
        return {"token": token, "key": key, "upload_id": presign.json()["upload_id"], "data": data, **download.json()}

    # --- verification (the bucket, the queue and the event source mapping) ---------------------

    def s3(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.state["endpoints"]["default"],
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def keys_under(self, prefix: str) -> list[str]:
        listed = self.s3().list_objects_v2(Bucket=self.state["bucket"], Prefix=prefix)
        return [item["Key"] for item in listed.get("Contents", [])]

    def event_source(self, enabled: bool | None = None) -> dict[str, Any]:
        """The verification queue's event source mapping (stack/event_sources.py): its counters,
        after switching it on or off when `enabled` is given (off: nothing is verified)."""
        url = self.state["verification"]["control_url"]
        if enabled is None:
            response = requests.get(url, timeout=TIMEOUT)
        else:
            response = requests.put(url, json={"enabled": enabled}, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        state: dict[str, Any] = response.json()
        return state

    def kms_token(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        """A download token signed by the stack's real KMS key, with the claims we choose."""
        key_id = self.state["signing_key_id"]
        kms = boto3.client(
            "kms",
            endpoint_url=self.state["endpoints"]["default"],
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        head = {"alg": "RS256", "kid": key_id, "typ": "JWT", **(header or {})}
        signing_input = f"{b64url(json.dumps(head).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = kms.sign(
            KeyId=key_id,
            Message=signing_input.encode(),
            MessageType="RAW",
            SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
        )["Signature"]
        return f"{signing_input}.{b64url(signature)}"

    def download_claims(self, path: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.env["DOWNLOAD_TOKEN_ISSUER"],
            "aud": self.env["DOWNLOAD_TOKEN_AUDIENCE"],
            "sub": "someone",
            "iat": now,
            "exp": now + 300,
            "path": path,
        }
        claims.update(overrides)
        return claims

    def forwarded(self) -> list[dict[str, Any]]:
        path = Path(self.state["forwarded_log"])
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def forwarded_for(self, response: requests.Response) -> dict[str, Any]:
        """What the CDN adapter forwarded for this response (matched by its X-Amz-Cf-Id)."""
        request_id = response.headers["X-Amz-Cf-Id"]
        (record,) = [r for r in self.forwarded() if r["requestId"] == request_id]
        return record

    # --- fault injection (harness/stack/faults.py) -------------------------------------------

    def fault(self, name: str, mode: str) -> None:
        """Set a dependency fault (dynamodb, kms: pass/refuse/hang; jwks: pass/hang); applied on return."""
        from stack import faults

        assert faults.set_mode(self.state["faults"][name], mode)["mode"] == mode

    def fault_state(self, name: str) -> dict[str, Any]:
        """A fault's mode and what it met: `accepted` connections per mode, or `held` requests."""
        response = requests.get(self.state["faults"][name], timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        state: dict[str, Any] = response.json()
        return state

    def api_timeout_seconds(self) -> float:
        """The upload API function's timeout as Terraform plans it (the contract the API must keep)."""
        from stack.orchestrate import API_HANDLER, function_by_handler
        from stack.plan import Plan

        function = function_by_handler(Plan(json.loads(PLAN_FILE.read_text())), API_HANDLER)
        return float(function.values["timeout"])

    def adapter_timeout_seconds(self) -> float:
        """The timeout the API Gateway adapter gives the function's context (remaining time)."""
        return float(json.loads(APIGW_CONFIG.read_text())["function"]["timeout_seconds"])

    def restart_api(self) -> None:
        """A new, cold container for the upload API (empty JWKS cache): `python -m stack restart-api`."""
        env = dict(os.environ, PYTHONPATH=str(ROOT / "harness"))
        command = [sys.executable, "-m", "stack", "restart-api"]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr

    def rate_count(self, action: str, sub: str) -> int:
        """Calls the rate limiter has counted for (route, user), read from DynamoDB itself (not
        through the fault forwarder the API uses)."""
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=self.state["endpoints"].get("dynamodb", self.state["endpoints"]["default"]),
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        item = dynamodb.get_item(TableName=self.state["table"], Key={"pk": {"S": f"{action}#{sub}"}}).get("Item", {})
        return sum(int(value["N"]) for name, value in item.items() if name[:1] == "b" and name[1:].isdigit())


def make(*targets: str, timeout: int = 900) -> None:
    result = subprocess.run(["make", *targets], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"make {' '.join(targets)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def new_sub() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def raw_get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """A request whose path goes out byte for byte (no client-side normalisation of ../ or %2e)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request(method, target, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()
