"""A handler for the runtime's limits: its behaviour is chosen by the event's `mode`."""

import os
import sys
import time

INVOCATIONS = 0  # module state: reset only by a cold start


def handler(event, context):
    global INVOCATIONS  # noqa: PLW0603
    INVOCATIONS += 1
    mode = event.get("mode", "ok")
    if mode == "sleep":
        time.sleep(float(event["seconds"]))
    if mode == "raise":
        raise ValueError("boom")
    if mode == "allocate":
        block = bytearray(int(event["mb"]) * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])  # touch every page: resident, not only reserved
    if event.get("proxy"):
        return {"statusCode": 200, "body": "{}"}
    return {
        "pid": os.getpid(),
        "invocations": INVOCATIONS,
        "path": sys.path,
        "env": dict(os.environ),
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
