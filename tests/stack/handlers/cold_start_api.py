"""A proxy-integration handler whose module state shows whether its container is new."""

import json
import os

INVOCATIONS = 0  # module state: reset only by a cold start


def handler(event, context):
    global INVOCATIONS  # noqa: PLW0603
    INVOCATIONS += 1
    body = {"invocations": INVOCATIONS, "pid": os.getpid()}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
