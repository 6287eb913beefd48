"""The verifier's own time per object, from its log (build/stack/logs/<function>.log): the local
Lambda runtime (harness/stack/lambda_host.py) writes a REPORT line per invocation, and the
verifier's Powertools logger a `verdict` line per object with the invocation's request id."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

_REPORT = "REPORT RequestId: "


@dataclass
class Invocation:
    request_id: str
    duration_ms: float | None = None
    decided: list[str] = field(default_factory=list)  # keys with a verdict in this invocation
    failed: list[str] = field(default_factory=list)  # keys whose item failed (SQS redelivers)


@dataclass(frozen=True)
class VerifierTime:
    duration_ms: float
    batch: int  # objects decided in that invocation (its Duration covers all of them)
    failed_before: int  # earlier invocations that failed the object's item


def read_invocations(lines: Iterable[str]) -> dict[str, Invocation]:
    invocations: dict[str, Invocation] = {}

    def of(request_id: str) -> Invocation:
        return invocations.setdefault(request_id, Invocation(request_id))

    for line in lines:
        if line.startswith(_REPORT):
            fields = dict(part.split(": ", 1) for part in line.rstrip("\n").split("\t") if ": " in part)
            duration = fields.get("Duration", "")
            if duration.endswith(" ms"):
                of(fields["REPORT RequestId"]).duration_ms = float(duration[:-3])
            continue
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        request_id, key = entry.get("function_request_id"), entry.get("key")
        if not isinstance(request_id, str) or not isinstance(key, str):
            continue
        message = str(entry.get("message", ""))
        if message == "verdict":
            of(request_id).decided.append(key)
        elif message.startswith("item failed"):
            of(request_id).failed.append(key)
    return invocations


def verifier_time(invocations: dict[str, Invocation], key: str) -> VerifierTime | None:
    """The REPORT Duration of the invocation that decided `key`, None until both lines exist."""
    failed = sum(1 for invocation in invocations.values() if key in invocation.failed)
    for invocation in invocations.values():
        if key in invocation.decided and invocation.duration_ms is not None:
            return VerifierTime(invocation.duration_ms, len(invocation.decided), failed)
    return None
