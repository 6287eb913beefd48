"""The CloudFront adapter's S3 origin: signed fetches and what it passes through (moto's S3 server)."""

import boto3
import pytest
from moto.server import ThreadedMotoServer

from stack.cloudfront import S3Origin


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_fetch_passes_status_body_and_headers(s3_endpoint) -> None:
    s3 = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    s3.create_bucket(Bucket="origin-test")
    s3.put_object(Bucket="origin-test", Key="uploads/u/a b.png", Body=b"\x89PNG", ContentType="image/png")
    origin = S3Origin(s3_endpoint, "origin-test", "us-east-1", "test", "test")

    found = origin.fetch(method="GET", uri="/uploads/u/a%20b.png", querystring="", headers=[])
    headers = {name.lower(): value for name, value in found.headers}
    assert (found.status, found.body) == (200, b"\x89PNG")
    assert headers["content-type"] == "image/png"
    assert headers["content-length"] == "4"
    assert headers["etag"].strip('"')

    head = origin.fetch(method="HEAD", uri="/uploads/u/a%20b.png", querystring="", headers=[])
    assert (head.status, head.body) == (200, b"")
    assert origin.fetch(method="GET", uri="/uploads/u/missing.png", querystring="", headers=[]).status == 404
