"""A seekable, read-only view of an S3 object that fetches only the byte ranges a parser asks
for (ranged GetObject), in blocks, up to a fixed budget: the verifier never downloads a
whole object."""

from __future__ import annotations

import io
from collections.abc import Callable

BLOCK_BYTES = 64 * 1024
# Enough for any image header (JPEG metadata segments before the frame header included);
# a parser that wants more is refused rather than served the object.
DEFAULT_BUDGET_BYTES = 2 * 1024 * 1024

# fetch(start, end) -> the object's bytes [start, end] (inclusive, as in an HTTP Range).
Fetch = Callable[[int, int], bytes]


class ReadBudgetExceededError(Exception):
    """A parser asked for more of the object than the budget allows."""


class RangedReader(io.RawIOBase):
    def __init__(self, fetch: Fetch, size: int, budget: int = DEFAULT_BUDGET_BYTES) -> None:
        super().__init__()
        self._fetch = fetch
        self._size = size
        self._budget = budget
        self._blocks: dict[int, bytes] = {}
        self._position = 0
        self.fetched = 0
        # An AWS error raised inside a parser that swallows exceptions (imagesize does) must
        # still reach the caller as what it is, not as "unreadable".
        self.failure: Exception | None = None

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        end = self._size if size is None or size < 0 else min(self._size, self._position + size)
        data = self.pread(self._position, end)
        self._position += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def pread(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the object (clamped to its size)."""
        end = min(end, self._size)
        if start >= end:
            return b""
        chunks = [self._block(index) for index in range(start // BLOCK_BYTES, (end - 1) // BLOCK_BYTES + 1)]
        joined = b"".join(chunks)
        offset = start - (start // BLOCK_BYTES) * BLOCK_BYTES
        return joined[offset : offset + end - start]

    def tail(self, length: int) -> bytes:
        return self.pread(max(0, self._size - length), self._size)

    def _block(self, index: int) -> bytes:
        if index not in self._blocks:
            start = index * BLOCK_BYTES
            end = min(self._size, start + BLOCK_BYTES)
            if self.fetched + (end - start) > self._budget:
                raise ReadBudgetExceededError(f"more than {self._budget} bytes needed")
            try:
                data = self._fetch(start, end - 1)
            except Exception as exc:
                self.failure = exc
                raise
            self.fetched += len(data)
            self._blocks[index] = data
        return self._blocks[index]
