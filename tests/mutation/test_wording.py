"""The wording rule of the mutation report: prose reworded is listed apart, nothing else is."""

from __future__ import annotations

from pathlib import Path

import pytest
from run import Mutant, load_equivalents, match_equivalents
from wording import is_wording

RAISE = 'raise BadRequestError("Each part must be an object.")'


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (RAISE, 'raise BadRequestError("XXEach part must be an object.XX")'),
        (RAISE, 'raise BadRequestError("each part must be an object.")'),
        (RAISE, 'raise BadRequestError("EACH PART MUST BE AN OBJECT.")'),
        (
            'logger.warning("abort failed; the lifecycle rule cleans it up")',
            'logger.warning("ABORT FAILED; THE LIFECYCLE RULE CLEANS IT UP")',
        ),
        (
            'return error(400, "bad_request", message="The body is not JSON.")',
            'return error(400, "bad_request", message="the body is not json.")',
        ),
    ],
)
def test_a_reworded_prose_message_is_wording(before: str, after: str) -> None:
    assert is_wording(before, after)


@pytest.mark.parametrize(
    ("before", "after", "why"),
    [
        (RAISE, "raise BadRequestError(None)", "the message is gone"),
        (RAISE, "raise BadRequestError()", "the message is gone"),
        (RAISE, 'raise BadRequestError("Each part must be an object!")', "not one of mutmut's rewordings"),
        ('raise UploadStateError("upload_state")', 'raise UploadStateError("UPLOAD_STATE")', "a code, no space"),
        (
            'return Outcome(key, "duplicate", "late_write_removed")',
            'return Outcome(key, "DUPLICATE", "late_write_removed")',
            "no sink",
        ),
        ('UpdateExpression="REMOVE " + ", ".join(names)', 'UpdateExpression="remove " + ", ".join(names)', "no sink"),
        (
            'if text == "a b": raise FooError(code)',
            'if text == "A B": raise FooError(code)',
            "the literal is before the call",
        ),
        (
            'logger.warning("a b", extra={"reason": "x y"})',
            'logger.warning("A B", extra={"reason": "X Y"})',
            "two literals changed",
        ),
        (RAISE, 'raise OtherError("XXEach part must be an object.XX")', "code outside the literal changed"),
    ],
)
def test_anything_else_is_not_wording(before: str, after: str, why: str) -> None:
    assert not is_wording(before, after), why


def mutant(status: str, before: str, after: str) -> Mutant:
    return Mutant(
        "upload_api.multipart.x_parse__mutmut_1",
        "upload_api.multipart",
        "f.py",
        "upload_api.multipart.x_parse",
        status,
        before,
        after,
    )


def test_only_survivors_are_classed_as_wording() -> None:
    reworded = 'raise BadRequestError("XXEach part must be an object.XX")'
    survived, untested = mutant("survived", RAISE, reworded), mutant("no tests", RAISE, reworded)
    match_equivalents([survived, untested], [])
    assert survived.wording and survived.equivalent
    # A function that no test reaches is a gap, whatever its mutants change.
    assert not untested.wording and untested.equivalent is None


def test_equivalents_load_per_module_and_refuse_a_misplaced_entry(tmp_path: Path) -> None:
    entry = '[[equivalent]]\nid = "{id}"\nbefore = "a"\nafter = "b"\nreason = "why"\n'
    (tmp_path / "upload_api.auth.toml").write_text(entry.format(id="upload_api.auth.x_f__mutmut_1"))
    assert [e.id for e in load_equivalents(tmp_path)] == ["upload_api.auth.x_f__mutmut_1"]
    (tmp_path / "upload_api.auth.toml").write_text(entry.format(id="upload_api.records.x_f__mutmut_1"))
    with pytest.raises(SystemExit, match=r"upload_api\.records\.toml"):
        load_equivalents(tmp_path)
