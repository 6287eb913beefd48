"""100 uploads and 100 downloads in parallel (16 workers): every byte back, nothing lost, no 5xx."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from e2e_client import new_sub, png, sha256

pytestmark = pytest.mark.localstack
COUNT = 100
WORKERS = 16


def test_parallel_uploads_and_downloads(stack) -> None:
    statuses: list[int] = []

    def upload(index: int) -> dict:
        data = png(1024 + index * 37)
        flow = stack.put_through(new_sub(), data, method="POST" if index % 2 else "PUT")
        return {"url": flow["url"], "sha256": sha256(data), "type": "image/png"}

    def download(item: dict) -> tuple[str, str, int]:
        response = requests.get(item["url"], timeout=30)
        statuses.append(response.status_code)
        return sha256(response.content), response.headers.get("Content-Type", ""), response.status_code

    with ThreadPoolExecutor(WORKERS) as pool:
        uploaded = list(pool.map(upload, range(COUNT)))
        downloaded = list(pool.map(download, uploaded))

    assert len(uploaded) == len(downloaded) == COUNT
    assert all(status == 200 for status in statuses), sorted(set(statuses))
    for item, (digest, content_type, _) in zip(uploaded, downloaded, strict=True):
        assert digest == item["sha256"]
        assert content_type == item["type"]
