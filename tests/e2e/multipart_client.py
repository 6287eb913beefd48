"""A Python client of the multipart routes (issue 15), usable in-process or as a separate
process: `python multipart_client.py resume <api_url> <token> <upload_id> <file>` lists the
parts S3 has, sends only the missing ones, completes, and prints
{"sent": [part numbers], "complete": <the complete answer>} as JSON."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

TIMEOUT = 60


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


class MultipartClient:
    def __init__(self, api_url: str, token: str) -> None:
        self.api = api_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.session = requests.Session()

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.session.request(method, f"{self.api}{path}", json=body, headers=self.headers, timeout=TIMEOUT)

    def create(self, size: int, content_type: str = "image/png") -> dict[str, Any]:
        response = self.call("POST", "/uploads", {"content_type": content_type, "size": size, "method": "MULTIPART"})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def listed(self, upload_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/uploads/{upload_id}/parts")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def send(self, upload_id: str, part_size: int, data: bytes, numbers: list[int], in_flight: int = 4) -> None:
        """Sign `numbers` in one batch and PUT each part with exactly the signed headers."""
        chunks = {n: data[(n - 1) * part_size : n * part_size] for n in numbers}
        signed = self.call(
            "POST",
            f"/uploads/{upload_id}/parts",
            {"parts": [{"part_number": n, "sha256": b64sha(c)} for n, c in chunks.items()]},
        )
        assert signed.status_code == 200, signed.text

        def put(part: dict[str, Any]) -> int:
            headers = {k: v for k, v in part["headers"].items() if k != "Content-Length"}
            sent = requests.put(part["url"], data=chunks[part["part_number"]], headers=headers, timeout=TIMEOUT)
            assert sent.status_code == 200, sent.text
            return int(part["part_number"])

        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            list(pool.map(put, signed.json()["parts"]))

    def complete(self, upload_id: str) -> requests.Response:
        return self.call("POST", f"/uploads/{upload_id}/complete")

    def resume(self, upload_id: str, data: bytes) -> dict[str, Any]:
        listing = self.listed(upload_id)
        have = {p["part_number"] for p in listing["parts"]}
        missing = [n for n in range(1, listing["part_count"] + 1) if n not in have]
        if missing:
            self.send(upload_id, listing["part_size"], data, missing)
        done = self.complete(upload_id)
        assert done.status_code == 200, done.text
        return {"sent": missing, "complete": done.json()}


def main(argv: list[str]) -> None:
    command, api_url, token, upload_id, path = argv
    if command != "resume":
        raise SystemExit(f"unknown command {command}")
    result = MultipartClient(api_url, token).resume(upload_id, Path(path).read_bytes())
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
