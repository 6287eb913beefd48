"""The two servers of the 2-hop comparison, on the local stack's own HTTP plumbing so that
both pay the same HTTP overhead:

  direct: our upload API (the real handler behind the API Gateway adapter): POST /bench/uploads
          answers with a presigned POST; the bytes go from the client straight to S3.
  proxy:  the 2-hop reference: POST /bench/upload carries the file; the server authenticates
          the caller, checks type and size, counts the request against the same DynamoDB rate limit,
          and puts the bytes to S3 itself.

Both answer GET /__cpu with the server's CPU time (user + system, all threads; for the direct
server plus its function's awslambdaric workers, where the handler runs) and counters,
which the bench reads before and after a batch of uploads.
Run: python -m bench.twohop_server CONFIG_JSON (written by bench.twohop).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from stack.httpbase import HttpRequest, HttpResponse, json_response, serve

CPU_PATH = "/__cpu"


def with_cpu_probe(app: Any) -> Any:
    """Adds GET /__cpu: process CPU seconds, plus the request bytes received and the wall time
    spent handling requests so far (how long the server is occupied, not only how busy)."""
    counters = {"request_bytes": 0, "handling_seconds": 0.0}

    def probed(request: HttpRequest) -> HttpResponse:
        if request.target == CPU_PATH:
            host = getattr(app, "host", None)  # the API adapter's function runs in worker processes
            workers = host.cpu_seconds() if host is not None else 0.0
            return json_response(200, {"cpu_seconds": time.process_time() + workers, **counters})
        start = time.perf_counter()
        try:
            return app(request)
        finally:
            counters["handling_seconds"] += time.perf_counter() - start
            counters["request_bytes"] += len(request.body)

    return probed


def direct_app(config: dict[str, Any]) -> Any:
    from stack.apigw import ApiGatewayAdapter, Route
    from stack.lambda_host import FunctionHost

    host = FunctionHost(Path(config["code_dir"]), "upload_api.handler.handler", environment=config["environment"])
    return ApiGatewayAdapter(host, "bench", [Route("/uploads", frozenset({"POST"}))])


def proxy_app(config: dict[str, Any]) -> Any:
    import boto3
    import jwt

    from objectkeys import OwnerKeys, new_key, parse_owner_key

    env = config["environment"]
    credentials = {
        "region_name": env["AWS_REGION"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], **credentials)
    public_key = jwt.PyJWK(json.loads(env["USER_JWKS_JSON"])["keys"][0]).key
    # The same per-user rate limit as the API (one DynamoDB UpdateItem), so that the two
    # servers differ only in presigning versus carrying the bytes.
    dynamodb = boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"], **credentials)
    allowed = {"image/jpeg": ".jpg", "image/png": ".png"}
    max_bytes = int(env["MAX_UPLOAD_BYTES"])
    owner_keys = OwnerKeys(parse_owner_key(env["OWNER_KEY"], "OWNER_KEY"))

    def app(request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.target != "/bench/upload":
            return json_response(404, {"message": "not found"})
        headers = {name.lower(): value for name, value in request.headers}
        scheme, _, token = headers.get("authorization", "").partition(" ")
        try:
            claims = jwt.decode(
                token,
                public_key,
                algorithms=["RS256"],
                audience=env["USER_JWT_AUDIENCE"],
                issuer=env["USER_JWT_ISSUER"],
            )
        except jwt.PyJWTError:
            return json_response(401, {"message": "unauthorized"})
        content_type = headers.get("content-type", "")
        if scheme.lower() != "bearer" or content_type not in allowed:
            return json_response(415, {"message": "unsupported"})
        if not 0 < len(request.body) <= max_bytes:
            return json_response(413, {"message": "too large"})
        window = int(time.time()) // 60 * 60
        dynamodb.update_item(
            TableName=env["RATE_LIMIT_TABLE"],
            Key={"pk": {"S": f"uploads#{claims['sub']}#{window}"}},
            UpdateExpression="ADD request_count :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        key = new_key("uploads/", claims["sub"], allowed[content_type], owner_keys=owner_keys).key
        s3.put_object(Bucket=env["BUCKET_NAME"], Key=key, Body=request.body, ContentType=content_type)
        return json_response(201, {"key": key})

    return app


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    app = direct_app(config) if config["mode"] == "direct" else proxy_app(config)
    serve(("127.0.0.1", config["port"]), with_cpu_probe(app), f"twohop-{config['mode']}")


if __name__ == "__main__":
    main()
