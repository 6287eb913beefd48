"""Real PNG files for the browser tests, made with the standard library (no image library needed)."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (220, 60, 40)) -> bytes:
    """An RGB PNG of one colour with a diagonal stripe, so a screenshot shows it is a real image."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0 (none) for each scanline
        for x in range(width):
            row += bytes((255, 255, 255)) if abs(x - y * width // height) < 3 else bytes(rgb)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + _chunk(b"IEND", b"")
    )
