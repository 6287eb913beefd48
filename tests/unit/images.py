"""Small real images for the verifier tests, made here: PNG with the standard library (as
tests/browser/pngs.py), JPEG/GIF/WebP/AVIF with Pillow, ISO BMFF (MP4) box structures by hand;
and the malformed ones the verifier must refuse (a decompression-bomb header, a truncated file,
HTML and polyglots)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 8, height: int = 6, *, extra_chunks: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xdc\x3c\x28" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + extra_chunks
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header declaring 10^10 pixels, with a tiny IDAT: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def pillow(kind: str, width: int = 8, height: int = 6) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 220)).save(out, kind)
    return out.getvalue()


def jpeg(width: int = 8, height: int = 6) -> bytes:
    return pillow("JPEG", width, height)


def gif(width: int = 8, height: int = 6) -> bytes:
    return pillow("GIF", width, height)


def webp(width: int = 8, height: int = 6) -> bytes:
    return pillow("WEBP", width, height)


HTML = b"<!DOCTYPE html><html><body><script>alert(document.domain)</script></body></html>\n"
# A real PNG whose text chunk carries a page: a parser sees an image, a browser sniffing it a page.
POLYGLOT_PNG = png(extra_chunks=_chunk(b"tEXt", b"Comment\x00<html><script>alert(1)</script></html>"))
# A page first, a PNG after it.
HTML_THEN_PNG = b"<html><body>" + png()


def avif(width: int = 8, height: int = 6) -> bytes:
    """An AVIF from Pillow: top-level boxes ftyp, meta and mdat."""
    return pillow("AVIF", width, height)


def iso_box(kind: bytes, payload: bytes = b"", *, declared: int | None = None) -> bytes:
    """One ISO BMFF box with a 32-bit size (`declared` overrides it: 0 = to the end of the file)."""
    size = 8 + len(payload) if declared is None else declared
    return struct.pack(">I", size) + kind + payload


def iso_large_box(kind: bytes, payload: bytes = b"", *, declared: int | None = None) -> bytes:
    """One ISO BMFF box with size 1 and its 64-bit size after the type (`declared` overrides it)."""
    size = 16 + len(payload) if declared is None else declared
    return struct.pack(">I", 1) + kind + struct.pack(">Q", size) + payload


MP4_FTYP = iso_box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")


def mp4(*boxes: bytes) -> bytes:
    """An MP4's top-level structure: ftyp, then `boxes` (an mdat by default)."""
    return MP4_FTYP + b"".join(boxes or (iso_box(b"mdat", b"\x00" * 40),))


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
