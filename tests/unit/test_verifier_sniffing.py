"""The verifier's content checks as pure functions over a RangedReader of bytes in memory: the
text/plain rule, the pixel limits at their edges, and the end-of-file checks against truncation,
among them the ISO BMFF box walk that AVIF, HEIC and MP4 go through. Each refusal next to the
valid file that passes the same check."""

from __future__ import annotations

import images
import pytest

from verifier.checks import record_verdict
from verifier.reader import BLOCK_BYTES, RangedReader
from verifier.records import UploadRecord
from verifier.sniffing import complete_verdict, pixel_verdict, sniff
from verifier.storage import StoredObject
from verifier.verdicts import Accepted, Reason, Rejected

EVERYTHING = ("image/png", "image/jpeg", "image/avif", "video/mp4", "application/pdf", "text/plain")
MAX_PIXELS = 40_000_000


def reader(data: bytes, budget: int = 2 * 1024 * 1024) -> RangedReader:
    return RangedReader(lambda start, end: data[start : end + 1], len(data), budget)


def rejected_reason(verdict: object) -> Reason | None:
    return verdict.reason if isinstance(verdict, Rejected) else None


# --- text/plain: what the first bytes must be --------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"hello world\n",
        "h\u00e9llo \U0001f600".encode()[:-1],  # a 4-byte character cut after 3 bytes
        "h\u00e9llo \U0001f600".encode()[:-3],  # ... after 1 byte
        "hello \u20ac".encode()[:-1],  # a 3-byte character cut after 2 bytes
    ],
    ids=["ascii", "cut-4-byte-char-at-3", "cut-4-byte-char-at-1", "cut-3-byte-char"],
)
def test_utf8_text_is_text_plain_even_with_a_character_cut_by_the_head(data):
    assert sniff(reader(data), "text/plain", EVERYTHING, MAX_PIXELS) == Accepted("text/plain")


@pytest.mark.parametrize(
    "data",
    [b"hello\x00world", b"hello\xff", b"\xffhello world", b"caf\xc3(and more)"],
    ids=["nul", "invalid-last-byte", "invalid-first-byte", "invalid-continuation"],
)
def test_bytes_that_are_not_utf8_text_are_unrecognized_content(data):
    verdict = sniff(reader(data), "text/plain", EVERYTHING, MAX_PIXELS)
    assert rejected_reason(verdict) == Reason.UNRECOGNIZED_CONTENT


# --- pixels: the limit and images without dimensions ---------------------------------------


@pytest.mark.parametrize(("width", "height"), [(1, 6), (8, 1), (1, 1)])
def test_an_image_one_pixel_wide_or_high_is_accepted(width, height):
    data = images.png(width, height)
    assert sniff(reader(data), "image/png", EVERYTHING, width * height) == Accepted("image/png")


@pytest.mark.parametrize(("width", "height"), [(0, 6), (8, 0), (0, 0)])
def test_an_image_with_a_zero_dimension_is_unreadable_image(width, height):
    verdict = sniff(reader(images.png(width, height)), "image/png", EVERYTHING, MAX_PIXELS)
    assert rejected_reason(verdict) == Reason.UNREADABLE_IMAGE
    assert isinstance(verdict, Rejected) and "image/png" in verdict.detail  # the log line names the type


def test_the_pixel_refusal_logs_the_dimensions_and_the_limit():
    assert pixel_verdict(reader(images.png(8, 6)), "image/png", 48) is None
    verdict = pixel_verdict(reader(images.png(8, 6)), "image/png", 47)
    assert isinstance(verdict, Rejected) and verdict.reason == Reason.TOO_MANY_PIXELS
    assert "8x6" in verdict.detail and "47" in verdict.detail


def test_the_uppy_size_refusal_logs_both_sizes():
    record = UploadRecord(
        upload_id="d" * 32,
        key="uploads/o/" + "d" * 32 + ".png",
        upload_key="quarantine/o/" + "d" * 32 + ".png",
        method="UPPY_POST",
        size=100,
        content_type="image/png",
        state="awaiting_upload",
        verification="pending",
    )
    stored = StoredObject(record.upload_key or "", 101, '"etag"', "image/png", None, None, {})
    verdict = record_verdict(record, stored, settled=False)
    assert isinstance(verdict, Rejected) and verdict.reason == Reason.TOO_LARGE
    assert "101" in verdict.detail and "100" in verdict.detail
    assert record_verdict(record, StoredObject(stored.key, 100, '"etag"', None, None, None, {}), settled=False) is None


# --- ISO BMFF (AVIF, HEIC, MP4): the top-level boxes must cover the file exactly ----------


def test_an_avif_is_accepted_and_a_truncated_one_is_unreadable_image():
    data = images.avif()
    assert sniff(reader(data), "image/avif", EVERYTHING, MAX_PIXELS) == Accepted("image/avif")
    for cut in (1, 3, 40):  # inside the mdat box, after the header with the dimensions
        verdict = sniff(reader(data[:-cut]), "image/avif", EVERYTHING, MAX_PIXELS)
        assert rejected_reason(verdict) == Reason.UNREADABLE_IMAGE
        assert isinstance(verdict, Rejected) and "image/avif" in verdict.detail and "truncated" in verdict.detail


def test_an_mp4_is_accepted_and_a_truncated_one_is_unrecognized_content():
    """Not an image: no pixel check, and a truncated video is not an unreadable image."""
    data = images.mp4()
    assert sniff(reader(data), "video/mp4", EVERYTHING, MAX_PIXELS) == Accepted("video/mp4")
    verdict = sniff(reader(data[:-1]), "video/mp4", EVERYTHING, MAX_PIXELS)
    assert rejected_reason(verdict) == Reason.UNRECOGNIZED_CONTENT


@pytest.mark.parametrize(
    "data",
    [
        images.mp4(images.iso_box(b"mdat", b"\x00" * 40), images.iso_box(b"free")),
        images.mp4(images.iso_box(b"free"), images.iso_box(b"mdat", b"\x00" * 40)),
        images.mp4(images.iso_box(b"mdat", b"\x00" * 40, declared=0)),
        images.mp4(images.iso_box(b"mdat", declared=0)),
        images.mp4(images.iso_large_box(b"mdat", b"\x00" * 40)),
        images.mp4(images.iso_box(b"mdat", b"\x00" * 40), images.iso_large_box(b"free")),
        images.mp4(*[images.iso_box(b"free")] * 200),
    ],
    ids=[
        "ends-with-an-8-byte-box",
        "an-8-byte-box-inside",
        "last-box-to-the-end",
        "empty-last-box-to-the-end",
        "64-bit-size",
        "ends-with-a-16-byte-64-bit-box",
        "200-boxes",
    ],
)
def test_boxes_that_cover_the_file_exactly_are_complete(data):
    assert complete_verdict(reader(data), "video/mp4") is None
    assert complete_verdict(reader(data), "image/heic") is None


@pytest.mark.parametrize(
    "data",
    [
        images.mp4(images.iso_box(b"mdat", b"\x00" * 40))[:-1],
        images.mp4(images.iso_box(b"mdat", b"\x00" * 40)) + b"\x00" * 4,
        images.mp4(images.iso_box(b"mdat", b"\x00" * 40)) + b"\x00" * 7,
        images.mp4(images.iso_box(b"mdat", b"\x00" * 40, declared=4)),
        images.mp4(images.iso_box(b"mdat", b"\x00" * 40, declared=7)),
        images.mp4(images.iso_large_box(b"mdat", b"\x00" * 40)[:12]),
        images.mp4(images.iso_large_box(b"mdat", b"\x00" * 40))[:-1],
        images.mp4(images.iso_large_box(b"mdat", declared=2**56 + 16)),
        images.mp4(*[images.iso_box(b"free")] * 300),
    ],
    ids=[
        "last-box-cut",
        "4-bytes-after-the-last-box",
        "7-bytes-after-the-last-box",
        "a-size-below-the-header",
        "a-size-of-7",
        "64-bit-size-cut",
        "64-bit-box-cut",
        "64-bit-size-far-beyond-the-file",
        "more-boxes-than-walked",
    ],
)
def test_boxes_that_do_not_cover_the_file_are_truncated(data):
    assert rejected_reason(complete_verdict(reader(data), "video/mp4")) == Reason.UNRECOGNIZED_CONTENT
    assert rejected_reason(complete_verdict(reader(data), "image/heic")) == Reason.UNREADABLE_IMAGE


def test_the_box_walk_fetches_the_blocks_with_box_headers_only():
    """A box header that ends on a block boundary: the walk reads the 16 header bytes and not
    the next block; the last block is read for the tail. Nothing else of the object is fetched."""
    first = images.iso_box(b"ftyp", b"isom" + b"\x00" * (BLOCK_BYTES - 16 - 12))
    assert len(first) == BLOCK_BYTES - 16
    data = first + images.iso_box(b"mdat", b"\x00" * (2 * BLOCK_BYTES + 8), declared=0)
    assert len(data) == 3 * BLOCK_BYTES
    walked = reader(data, budget=2 * BLOCK_BYTES)
    assert complete_verdict(walked, "video/mp4") is None
    assert walked.fetched == 2 * BLOCK_BYTES


# --- the other end-of-file checks -----------------------------------------------------------


def test_a_jpeg_may_end_with_nul_padding_but_nothing_else():
    data = images.jpeg()
    assert complete_verdict(reader(data + b"\x00" * 14), "image/jpeg") is None
    # The end marker is looked for in the last 16 bytes only.
    assert rejected_reason(complete_verdict(reader(data + b"\x00" * 15), "image/jpeg")) == Reason.UNREADABLE_IMAGE
    assert rejected_reason(complete_verdict(reader(data + b"XX"), "image/jpeg")) == Reason.UNREADABLE_IMAGE
    assert rejected_reason(complete_verdict(reader(data + b"  "), "image/jpeg")) == Reason.UNREADABLE_IMAGE


def test_a_pdf_ends_with_an_eof_marker_in_its_last_1024_bytes():
    assert complete_verdict(reader(images.PDF), "application/pdf") is None
    assert complete_verdict(reader(images.PDF + b" " * 1018), "application/pdf") is None  # %%EOF 1024 from the end
    for truncated in (images.PDF[:-7], images.PDF + b" " * 1019, images.PDF.replace(b"%%EOF", b"%%eof")):
        verdict = complete_verdict(reader(truncated), "application/pdf")
        assert rejected_reason(verdict) == Reason.UNRECOGNIZED_CONTENT  # not an image
        assert isinstance(verdict, Rejected) and "application/pdf" in verdict.detail and "truncated" in verdict.detail


def test_text_has_no_end_to_check():
    assert complete_verdict(reader(b"no marker at the end"), "text/plain") is None
