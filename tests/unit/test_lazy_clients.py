"""The upload API makes its KMS client on the first `POST /downloads`, not at cold start, and
its clients from botocore alone (upload_api/clients.py): boto3 is never imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lambda_testkit import (
    REGION,
    SMALL_UPLOAD,
    api_environment,
    api_event,
    make_token,
    owner_segment,
    put_ready_record,
)

from upload_api import budget
from upload_api import handler as api_handler

LAMBDA_SRC = Path(__file__).resolve().parents[2] / "lambda_src"


def test_kms_client_is_made_on_first_download_only(api):
    signer = api_handler._state.services.signer
    assert isinstance(signer.kms, budget.LazyClient)
    assert signer.kms.made is None
    token = make_token(sub="alice")
    assert api(api_event("/uploads", SMALL_UPLOAD, token=token))["statusCode"] == 201
    assert signer.kms.made is None
    key = f"uploads/{owner_segment('alice')}/{'a' * 32}.png"
    put_ready_record(api.aws.dynamodb, key, "alice")  # published by the verifier: a token is minted
    assert api(api_event("/downloads", {"key": key}, token=token))["statusCode"] == 200
    assert signer.kms.made is not None


def test_lazy_client_makes_its_client_once():
    made = []

    class Fake:
        def ping(self) -> str:
            return "pong"

    lazy = budget.LazyClient(lambda: made.append(1) or Fake())
    assert made == []
    assert lazy.ping() == "pong" and lazy.ping() == "pong"
    assert made == [1]


# Run in a fresh interpreter (this one has boto3 loaded by the fixtures): the venv has boto3 and
# s3transfer installed, so an `import boto3` anywhere in the handler's imports would show here.
_IMPORT_HANDLER = """
import json, sys
from upload_api import handler
services = handler._state.services
assert services is not None, "the cold start failed"
services.signer.kms.meta  # the lazy KMS client, made as the first POST /downloads makes it
assert callable(services.s3.generate_presigned_post)
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {"boto3", "s3transfer"})))
"""


def test_the_handler_and_its_clients_import_neither_boto3_nor_s3transfer(aws):
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("AWS_")},
        **api_environment(aws),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,  # botocore reads this one; Lambda sets both
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PYTHONPATH": str(LAMBDA_SRC),
    }
    done = subprocess.run([sys.executable, "-c", _IMPORT_HANDLER], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []
