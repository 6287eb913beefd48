"""Real PNG files for the browser tests, made with the standard library (no image library needed)."""

from __future__ import annotations

import random
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _encode(width: int, height: int, rows: list[bytes]) -> bytes:
    """8-bit RGB, no interlace; each row is its RGB bytes, filter type 0 (none) is prepended."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"".join(b"\x00" + row for row in rows))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def png(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (220, 60, 40)) -> bytes:
    """One colour with a white diagonal stripe, so a screenshot shows a real image."""
    stripe = [
        bytes(rgb) if abs(x * height - y * width) >= 3 * height else b"\xff\xff\xff"
        for y in range(height)
        for x in range(width)
    ]
    return _encode(width, height, [b"".join(stripe[y * width : (y + 1) * width]) for y in range(height)])


def noise_png(width: int = 360, height: int = 240, seed: int = 7) -> bytes:
    """Random pixels: the PNG does not compress, so uploading it takes measurable time when throttled."""
    rng = random.Random(seed)
    return _encode(width, height, [rng.randbytes(width * 3) for _ in range(height)])
