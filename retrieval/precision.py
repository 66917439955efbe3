"""Vectors are stored as float16 (half the bytes) and computed with as float32.

numpy converts between the two slowly (2.2 ms for the ~1,500 sentence vectors of a question's
candidates, 0.27 s for a 56,000-word vocabulary); torch, which comes with the model, converts
three to four times as fast and gives the same values. It is imported only when a conversion is
made, so reading an index's files does not load it.
"""

from __future__ import annotations

import numpy as np


def as_float32(vectors: np.ndarray) -> np.ndarray:
    import torch

    return torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float16)).float().numpy()


def as_float16(vectors: np.ndarray) -> np.ndarray:
    if vectors.dtype == np.float16:
        return vectors
    import torch

    return torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).half().numpy()
