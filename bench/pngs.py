"""PNGs of an exact size that the verifier publishes: a 1x1 image whose size is reached with
one ancillary padding chunk, so every object of the bench is valid whatever its size."""

from __future__ import annotations

import os
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A PNG chunk's length field is 31 bits.
MAX_CHUNK_BYTES = 2**31 - 1


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_START = SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
_IMAGE = chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
# The padding chunk "rnDm": ancillary, private, safe to copy, ignored by every decoder.
OVERHEAD = len(_START) + len(_IMAGE) + 12


def png_of_size(size: int, *, random: bool = True) -> bytes:
    """A valid 1x1 PNG of exactly `size` bytes. random: padding from os.urandom, so that each
    object has its own checksum (S3 and the records see distinct uploads); else zeros."""
    padding = size - OVERHEAD
    if padding < 0:
        raise ValueError(f"a valid PNG here is at least {OVERHEAD} bytes")
    if padding > MAX_CHUNK_BYTES:
        raise ValueError(f"at most {MAX_CHUNK_BYTES + OVERHEAD} bytes (one padding chunk)")
    filler = os.urandom(padding) if random else bytes(padding)
    return _START + chunk(b"rnDm", filler) + _IMAGE
