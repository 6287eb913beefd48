"""The per-user rate limit: N presigns in a window pass, the N+1-th gets 429 with Retry-After."""

import pytest
from e2e_client import new_sub

pytestmark = pytest.mark.localstack


def test_n_plus_one_is_429_with_retry_after(stack) -> None:
    limit = int(stack.env["RATE_LIMIT_MAX_REQUESTS"])
    window = int(stack.env["RATE_LIMIT_WINDOW_SECONDS"])
    token = stack.user_token(new_sub())
    statuses = [stack.presign(token).status_code for _ in range(limit)]
    assert statuses == [201] * limit
    blocked = stack.presign(token)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= window + -(-window // 10)  # plus one bucket
    assert stack.presign(stack.user_token(new_sub())).status_code == 201  # other users are not affected
