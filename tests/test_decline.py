"""The decline model: fitted with non-negative weights, thresholds per language."""

from __future__ import annotations

import numpy as np

from retrieval.decline import DeclineModel, Signals


def signals(rng: np.random.Generator, n: int, dense: float, key: float) -> np.ndarray:
    centre = np.column_stack([np.full(n, dense), np.full(n, key), np.full(n, key)])
    return np.clip(centre + rng.normal(0, 0.05, size=(n, 3)), 0, 1)


def test_fit_separates_and_keeps_every_weight_non_negative() -> None:
    rng = np.random.default_rng(0)
    answered = signals(rng, 200, 0.5, 0.8)
    declined = signals(rng, 200, 0.4, 0.3)
    declined[:, 2] = 0.9  # a signal that happens to run the wrong way in this sample
    model = DeclineModel.fit(answered, declined, (0.95, 0.99), "test")
    assert all(w >= 0 for w in model.weights)
    assert model.weights[2] == 0.0

    def answered_share(rows: np.ndarray) -> float:
        return float(np.mean([model.answers(model.probability(Signals(*r)), 0.0) for r in rows]))

    assert 0.93 <= answered_share(answered) <= 0.97 and answered_share(declined) < 0.1
    assert model.english_threshold <= model.threshold


def test_an_english_question_is_held_to_its_own_threshold() -> None:
    model = DeclineModel((1.0, 1.0, 1.0), -1.5, 0.6, 0.4, "test")
    p = 0.5
    assert not model.answers(p, 0.0) and model.answers(p, 1.0)
    assert model.answers(p, 0.5) == (p >= 0.5)
    assert not model.with_threshold(0.55).answers(p, 1.0)


def test_it_survives_the_index_manifest() -> None:
    model = DeclineModel((0.1, 1.2, 0.3), -1.3, 0.36, 0.33, "200 questions")
    assert DeclineModel.from_json(model.to_json()) == model
