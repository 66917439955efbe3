"""Sentence vectors in segments: what a generation reads is what one array would hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import segments
from retrieval.segments import VectorSegments


def vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal((n, 4)).astype(np.float16)


def test_updates_read_as_the_arrays_they_stand_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many updates, with merges of small segments and rewrites of mostly unused ones, against
    the same changes made to a plain array."""
    monkeypatch.setattr(segments, "MAX_SEGMENTS", 3)
    rng = np.random.default_rng(0)
    expected = vectors(rng, 50)
    stored = VectorSegments.of(expected)
    counts = set()
    for _ in range(40):
        keep = rng.random(len(expected)) > rng.choice([0.0, 0.1, 0.9])
        added = vectors(rng, int(rng.integers(0, 8)))
        expected = np.concatenate([expected[keep], added])
        stored = stored.updated(keep, added)
        counts.add(len(stored.segments))
        assert len(stored.segments) <= 3
        assert all(len(s) for s in stored.segments[1:])  # no segment no row uses
        assert len(stored) >= segments.MIN_USED_SHARE * stored.stored
        assert np.array_equal(stored.array(), expected)
        rows = rng.choice(len(expected), size=min(5, len(expected)), replace=False)
        assert np.array_equal(stored.gather(rows), expected[rows].astype(np.float32))
    assert counts >= {1, 2, 3}  # new segments were added, merged and rewritten


def test_saved_segments_are_named_by_their_checksum_and_mapped_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    stored = VectorSegments.of(vectors(rng, 10)).updated(np.ones(10, dtype=bool), vectors(rng, 3))
    names = stored.save(tmp_path)
    assert len(names) == 2 and all(n is not None for n in stored.names)
    assert stored.save(tmp_path) == names  # saved already: nothing written again
    loaded = VectorSegments.load(tmp_path, names, stored.positions)
    assert isinstance(loaded.segments[0], np.memmap)
    assert np.array_equal(loaded.array(), stored.array())
