"""Sequences whose items are made when asked for, row by row (see `generation.ChunkRows`)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class MadeOnDemand(Sequence[T]):
    """A sequence of `len(self)` items, item `i` made by `_make(i)` each time it is asked for."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def _make(self, i: int) -> T: ...

    def __iter__(self) -> Iterator[T]:
        return (self._make(i) for i in range(len(self)))

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self._make(i % len(self))
