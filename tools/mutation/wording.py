"""Which surviving mutants only change the wording of a human-readable message.

mutmut rewrites every string literal three ways (``"XX…XX"``, lower case, upper case). For
prose handed to an exception, a log call or a ``message=`` / ``detail=`` argument, that
changes what a person reads, not a rule: the API's contract is the status and the
machine-readable ``code``, and the logs' is their ``reason`` field, which the tests pin.
Machine codes have no spaces, so a changed literal without a space is never wording, and a
message replaced by ``None`` (or removed) is not wording either: tests must kill those.
"""

from __future__ import annotations

import re

REASON = (
    "wording only: a prose message (exception, log line or message=) rewritten as XX…XX or in "
    "another case; the status, code and log reason that the tests pin are unchanged"
)

# A call that takes prose: an exception's constructor, a logger method, or a message keyword.
_PROSE_SINK = re.compile(
    r"\b\w*(?:Error|Exception|Warning)\(|\blog(?:ger)?\.(?:debug|info|warning|error|exception|critical)\(|"
    r"\b(?:message|detail|msg)="
)
# A plain (not f-, not bytes) string literal.
_LITERAL = re.compile(r"""(?<![\w])(?P<q>["'])(?P<body>(?:\\.|(?!(?P=q)).)*)(?P=q)""")


def _split(line: str) -> tuple[list[str], list[str], list[int]]:
    """The line's literals, the text between them and where each literal starts."""
    literals: list[str] = []
    rest: list[str] = []
    starts: list[int] = []
    end = 0
    for match in _LITERAL.finditer(line):
        rest.append(line[end : match.start()])
        literals.append(match["body"])
        starts.append(match.start())
        end = match.end()
    rest.append(line[end:])
    return literals, rest, starts


def is_wording(before: str, after: str) -> bool:
    """True when `after` differs from `before` only by one prose literal, reworded by mutmut,
    in an argument position that takes a message."""
    old, old_rest, starts = _split(before)
    new, new_rest, _ = _split(after)
    if old_rest != new_rest or len(old) != len(new):
        return False
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    if len(changed) != 1:
        return False
    text, mutated = old[changed[0]], new[changed[0]]
    if " " not in text or mutated not in {f"XX{text}XX", text.lower(), text.upper()}:
        return False
    # The literal is an argument of the call that takes prose, not something before it.
    return _PROSE_SINK.search(before[: starts[changed[0]]]) is not None
