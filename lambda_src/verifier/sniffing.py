"""What an object's bytes are, from the bytes themselves: magic numbers (puremagic), image
dimensions from the headers (imagesize), and a structural look at the end of the file so that
a truncated image is not published. Pure functions over a RangedReader: only the first bytes,
the last bytes and whatever an image header parser seeks to are ever fetched."""

from __future__ import annotations

import re

import imagesize  # type: ignore[import-untyped]
import puremagic

from verifier.reader import RangedReader, ReadBudgetExceededError
from verifier.verdicts import Accepted, Reason, Rejected, Verdict

HEAD_BYTES = 8192
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic"})
ISO_BMFF_TYPES = frozenset({"image/avif", "image/heic", "video/mp4"})
# Every type the verifier can recognise; an allow-list entry outside it is a configuration error.
SNIFFABLE_TYPES = frozenset(IMAGE_TYPES | {"video/mp4", "application/pdf", "image/svg+xml", "text/plain"})
# puremagic's names for the same types.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/heif": "image/heic",
}
# Markup a browser would run if it ever rendered the object as a document. Found in the first
# bytes of anything but SVG, it makes the object a polyglot: refused as not what it declares.
_ACTIVE_MARKUP_RE = re.compile(rb"<(?:script|html|!doctype|iframe|body|head|object|embed|svg)[\s/>]", re.IGNORECASE)
_SVG_RE = re.compile(rb"<svg[\s>]", re.IGNORECASE)
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_MAX_BOXES = 256


def magic_types(head: bytes) -> frozenset[str]:
    """The media types puremagic finds with its highest confidence (ties are common: an AVIF is
    also an MP4 by its first box)."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return frozenset()
    typed = [m for m in matches if m.mime_type]
    if not typed:
        return frozenset()
    best = max(m.confidence for m in typed)
    return frozenset(_ALIASES.get(m.mime_type, m.mime_type) for m in typed if m.confidence == best)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the head is still text (a cut character is
        # the only error reported as the data ending early).
        return exc.reason == "unexpected end of data"
    return True


def sniffed_types(head: bytes) -> frozenset[str]:
    """Every type the first bytes could be, as far as the verifier can tell."""
    found = set(magic_types(head))
    if _ACTIVE_MARKUP_RE.search(head):
        found.add("image/svg+xml" if _SVG_RE.search(head) else "text/html")
    if not found and _looks_like_text(head):
        found.add("text/plain")
    return frozenset(found)


def classify(head: bytes, declared: str, allowed: tuple[str, ...]) -> Verdict:
    """The type verdict: the declared type when the bytes are that and nothing more active."""
    found = sniffed_types(head)
    if not found:
        return Rejected(Reason.UNRECOGNIZED_CONTENT, "no known signature")
    active = found & {"text/html", "image/svg+xml"} - {declared}
    if active:
        return Rejected(Reason.TYPE_MISMATCH, f"declared {declared}, contains {sorted(active)[0]} markup")
    if declared not in found:
        return Rejected(Reason.TYPE_MISMATCH, f"declared {declared}, sniffed {sorted(found)[0]}")
    if declared not in allowed:
        return Rejected(Reason.TYPE_NOT_ALLOWED, f"{declared} is not allowed")
    return Accepted(declared)


def pixel_verdict(reader: RangedReader, content_type: str, max_pixels: int) -> Rejected | None:
    """Width x height from the image's header, refused above `max_pixels` (a decompression bomb
    is a tiny file with huge dimensions) or when no header parser can read them."""
    # imagesize seeks to the start itself; everything after it reads by offset (pread, tail).
    width, height = imagesize.get(reader)
    if reader.failure is not None:
        raise reader.failure
    if width <= 0 or height <= 0:
        return Rejected(Reason.UNREADABLE_IMAGE, f"no dimensions in the {content_type} header")
    if width * height > max_pixels:
        return Rejected(Reason.TOO_MANY_PIXELS, f"{width}x{height} is over {max_pixels} pixels")
    return None


def _iso_boxes_fill(reader: RangedReader) -> bool:
    """The top-level ISO BMFF boxes (ftyp, meta, mdat, ...) exactly cover the file."""
    offset, size = 0, reader.size
    for _ in range(_MAX_BOXES):
        if offset == size:
            return True
        header = reader.pread(offset, offset + 16)
        if len(header) < 8:
            return False
        length = int.from_bytes(header[:4], "big")
        if length == 0:  # the last box runs to the end of the file
            return True
        if length == 1:
            if len(header) < 16:
                return False
            length = int.from_bytes(header[8:16], "big")
        if length < 8:
            return False
        offset += length
    return False


def complete_verdict(reader: RangedReader, content_type: str) -> Rejected | None:
    """Whether the file ends as its format requires: a truncated image is refused."""
    tail = reader.tail(16)
    size = reader.size
    if content_type == "image/png":
        intact = tail.endswith(_PNG_END)
    elif content_type == "image/gif":
        intact = tail.endswith(b";")
    elif content_type == "image/jpeg":
        intact = tail.rstrip(b"\x00").endswith(b"\xff\xd9")
    elif content_type == "image/webp":
        head = reader.pread(0, 12)
        intact = int.from_bytes(head[4:8], "little") + 8 == size
    elif content_type in ISO_BMFF_TYPES:
        intact = _iso_boxes_fill(reader)
    elif content_type == "application/pdf":
        intact = b"%%EOF" in reader.tail(1024)
    else:
        intact = True
    if intact:
        return None
    reason = Reason.UNREADABLE_IMAGE if content_type in IMAGE_TYPES else Reason.UNRECOGNIZED_CONTENT
    return Rejected(reason, f"the {content_type} data ends early (truncated)")


def sniff(reader: RangedReader, declared: str, allowed: tuple[str, ...], max_pixels: int) -> Verdict:
    """The content verdict on an object whose size and checksum were already checked."""
    if reader.size == 0:
        return Rejected(Reason.UNRECOGNIZED_CONTENT, "empty object")
    try:
        verdict = classify(reader.pread(0, HEAD_BYTES), declared, allowed)
        if isinstance(verdict, Rejected):
            return verdict
        if verdict.content_type in IMAGE_TYPES:
            rejected = pixel_verdict(reader, verdict.content_type, max_pixels)
            if rejected is not None:
                return rejected
        return complete_verdict(reader, verdict.content_type) or verdict
    except ReadBudgetExceededError:
        return Rejected(Reason.UNREADABLE_IMAGE, "the header is larger than the read budget")
