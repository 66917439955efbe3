"""The sentence vectors, kept in immutable segment files that generations share.

They are the largest part of an index (two thirds of it at 10,000 documents) and only ever read
by row, to score the sentences of a question's candidate chunks. Rewriting all of them for every
added document made an update cost what the whole corpus costs. So they are stored the way
Lucene stores its segments: an update writes only its new rows, as one more segment file; rows
that went are dropped from the generation's row map, not from the file; and segments are merged
once too many pile up or too little of them is still used.

A segment file is named by the checksum of its bytes (`<digest>.npy` in `index/segments/`), so
its name is its checksum, and two generations holding the same vectors hold the same file. Each
is mapped read-only: the pages a question touches are read, and processes share them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval import files
from retrieval.precision import as_float16, as_float32

#: More segments than this and every segment but the largest is merged into one.
MAX_SEGMENTS = 16
#: Below this share of the stored rows still in use, every used row is written into one segment.
MIN_USED_SHARE = 0.5
SUFFIX = ".npy"


class VectorSegments:
    """Rows of float16 vectors: row i is row `positions[i]` of the segments laid end to end."""

    def __init__(
        self,
        segments: Sequence[np.ndarray],
        names: Sequence[str | None],
        positions: np.ndarray,
        dimension: int | None = None,
    ) -> None:
        self.segments = list(segments)
        self.names = list(names)  # a saved segment's digest; None until it is saved
        self.positions = np.asarray(positions, dtype=np.int64)
        sizes = [len(s) for s in self.segments]
        self._starts = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        self.dimension = self.segments[0].shape[1] if self.segments else (dimension or 0)

    @classmethod
    def of(cls, vectors: np.ndarray) -> VectorSegments:
        """One new (unsaved) segment holding `vectors`, in order."""
        vectors = as_float16(vectors)
        return cls([vectors], [None], np.arange(len(vectors)))

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def stored(self) -> int:
        """Rows in the segments, used or not."""
        return int(self._starts[-1])

    def gather(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of `rows`, as float32."""
        positions = self.positions[np.asarray(rows, dtype=np.int64)]
        if len(self.segments) == 1:
            return as_float32(self.segments[0][positions])
        out = np.empty((len(positions), self.dimension), dtype=np.float32)
        segment = self._segment_of(positions)
        for number in np.unique(segment):
            at = segment == number
            out[at] = as_float32(self.segments[number][positions[at] - self._starts[number]])
        return out

    def array(self) -> np.ndarray:
        """Every row's vector, in order (float16)."""
        return as_float16(self.gather(np.arange(len(self))))

    def updated(self, keep: np.ndarray, added: np.ndarray) -> VectorSegments:
        """These rows with only `keep` (bool per row) left and `added` after them: the added
        rows become a new segment; segments are merged as MAX_SEGMENTS and MIN_USED_SHARE say."""
        added = as_float16(added)
        positions = np.concatenate(
            [self.positions[keep], self.stored + np.arange(len(added), dtype=np.int64)]
        )
        segments, names = self.segments, self.names
        if len(added):
            segments, names = [*segments, added], [*names, None]
        result = VectorSegments(segments, names, positions)._without_unused()
        if len(result) < MIN_USED_SHARE * result.stored:
            return VectorSegments.of(result.array().reshape(-1, self.dimension))
        if len(result.segments) > MAX_SEGMENTS:
            return result._merged_but_largest()
        return result

    def _segment_of(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._starts, positions, side="right") - 1

    def _without_unused(self) -> VectorSegments:
        """These rows without the segments none of them is in."""
        used = np.zeros(len(self.segments), dtype=bool)
        used[self._segment_of(self.positions)] = True
        if used.all():
            return self
        shift = np.cumsum(np.where(used, 0, np.diff(self._starts)))  # unused rows before
        positions = self.positions - shift[self._segment_of(self.positions)]
        kept = np.flatnonzero(used)
        return VectorSegments(
            [self.segments[i] for i in kept],
            [self.names[i] for i in kept],
            positions,
            self.dimension,
        )

    def _merged_but_largest(self) -> VectorSegments:
        """Every segment but the largest merged into one new segment (their used rows only)."""
        largest = int(np.argmax(np.diff(self._starts)))
        in_largest = self._segment_of(self.positions) == largest
        rest = np.flatnonzero(~in_largest)
        merged = as_float16(self.gather(rest))
        big = self.segments[largest]
        positions = np.empty(len(self), dtype=np.int64)
        positions[in_largest] = self.positions[in_largest] - self._starts[largest]
        positions[rest] = len(big) + np.arange(len(rest))
        return VectorSegments([big, merged], [self.names[largest], None], positions)

    # --- files ----------------------------------------------------------------------------------
    def save(self, folder: Path) -> list[str]:
        """Writes the segments not saved yet into `folder` (not fsynced: the caller syncs the
        folder once); returns every segment's name."""
        folder.mkdir(parents=True, exist_ok=True)
        for number, (segment, name) in enumerate(zip(self.segments, self.names, strict=True)):
            if name is None:
                buffer = io.BytesIO()
                np.save(buffer, segment)
                self.names[number] = files.save_content_addressed(folder, buffer.getvalue(), SUFFIX)
        return [name for name in self.names if name is not None]

    @classmethod
    def load(cls, folder: Path, names: Sequence[str], positions: np.ndarray) -> VectorSegments:
        """The saved segments `names` (checked by the caller), mapped read-only."""
        segments = [np.load(folder / f"{name}{SUFFIX}", mmap_mode="r") for name in names]
        return cls(segments, names, positions)
