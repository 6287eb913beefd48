"""The upload API makes its KMS client on the first `POST /downloads`, not at cold start."""

from __future__ import annotations

from lambda_testkit import SMALL_UPLOAD, api_event, make_token, put_ready_record

from objectkeys import encode_owner
from upload_api import budget
from upload_api import handler as api_handler


def test_kms_client_is_made_on_first_download_only(api):
    signer = api_handler._state.services.signer
    assert isinstance(signer.kms, budget.LazyClient)
    assert signer.kms.made is None
    token = make_token(sub="alice")
    assert api(api_event("/uploads", SMALL_UPLOAD, token=token))["statusCode"] == 201
    assert signer.kms.made is None
    key = f"uploads/{encode_owner('alice')}/{'a' * 32}.png"
    put_ready_record(api.aws.dynamodb, key, "alice")
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
