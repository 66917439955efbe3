"""Whether the corpus answers a question at all: evidence that holds at any corpus size.

Ranking scores are relative to the question and say nothing here, and the best cosine over 4,000
chunks is higher than over 50 for the same off-topic question. So the decision reads three
signals, each of which can only speak for answering. A question's key words are its rarest
("kilometerheffing", "pizza", "Xinjiang"): generic words ("komt", "subsidie") are found for any
question.

    dense        the best candidate's dense score
    key_covered  the largest share of the key words' weight one of the top chunks holds
    present      the share of all the question's word weight the corpus has a word for at all
                 (a compound found only through its parts counts half; an English word counts
                 when a Dutch corpus word is near it)

    P(answered) = sigmoid(a * dense + b * key_covered + c * present + d),   a, b, c >= 0

fitted for each corpus when its index is built (see `calibration`): the corpus's own questions
asked with their document hidden show what "not here" looks like at this size, and with their
answer present, what "here" looks like. The weights are kept non-negative: more evidence never
lowers the probability, whatever a small calibration set happens to show.

An English question is read through word translations that miss some words (no Dutch word is
near "extract" or "legally"), so its signals run lower than a Dutch question's with the same
answer; its threshold answers a larger share of the corpus's questions (`english_threshold`),
and a question of uncertain language gets a threshold in between.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize

#: The top chunks whose coverage counts.
TOP_FOR_COVERAGE = 5
NAMES = ("dense", "key_covered", "present")
#: L2 penalty on the weights of the fit.
PENALTY = 0.01


@dataclass(frozen=True)
class Signals:
    dense: float
    key_covered: float
    present: float

    @classmethod
    def of(cls, present: float, dense: np.ndarray, key_covered_ranked: np.ndarray) -> Signals:
        """The evidence of the candidates' dense scores and their key-word coverage (in ranked
        order); `present`: the share of the question's words the corpus has."""
        if len(dense) == 0:
            return cls(0.0, 0.0, present)
        return cls(
            dense=float(dense.max()),
            key_covered=float(key_covered_ranked[:TOP_FOR_COVERAGE].max()),
            present=present,
        )

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in NAMES])

    @classmethod
    def strongest(cls, first: Signals, second: Signals) -> Signals:
        return cls(*np.maximum(first.vector(), second.vector()))


@dataclass(frozen=True)
class DeclineModel:
    """P(the corpus answers) = sigmoid(weights · signals + intercept); a Dutch question is
    answered from `threshold` on, an English one from `english_threshold`. `fitted_on` says what
    it was calibrated with."""

    weights: tuple[float, ...]
    intercept: float
    threshold: float
    english_threshold: float
    fitted_on: str = ""

    @classmethod
    def neutral(cls) -> DeclineModel:
        """Answers everything."""
        return cls((0.0,) * len(NAMES), 0.0, 0.0, 0.0, "nothing (answers every question)")

    @classmethod
    def fit(
        cls,
        answered: np.ndarray,
        declined: np.ndarray,
        shares: tuple[float, float],
        fitted_on: str,
    ) -> DeclineModel:
        """Non-negative weights separating `answered` from `declined` signal rows (logistic loss,
        classes weighed equally); the thresholds answer `shares` (Dutch, English) of the
        `answered` rows."""
        x = np.vstack([answered, declined])
        y = np.concatenate([np.ones(len(answered)), np.zeros(len(declined))])
        balance = np.where(y == 1, len(y) / (2 * len(answered)), len(y) / (2 * len(declined)))
        design = np.column_stack([x, np.ones(len(x))])

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -50, 50)))
            eps = 1e-12
            value = -np.mean(balance * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
            gradient = design.T @ (balance * (p - y)) / len(y)
            value += PENALTY * float(w[:-1] @ w[:-1])
            gradient[:-1] += 2 * PENALTY * w[:-1]
            return value, gradient

        bounds = [(0.0, None)] * x.shape[1] + [(None, None)]
        w = minimize(loss, np.zeros(design.shape[1]), jac=True, bounds=bounds, method="L-BFGS-B").x
        model = cls(tuple(float(v) for v in w[:-1]), float(w[-1]), 0.0, 0.0, fitted_on)
        scores = np.array([model.probability(Signals(*row)) for row in answered])
        dutch, english = (float(np.quantile(scores, 1 - share)) for share in shares)
        return cls(model.weights, model.intercept, dutch, english, fitted_on)

    def probability(self, signals: Signals) -> float:
        z = float(np.dot(self.weights, signals.vector())) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def answers(self, probability: float, p_english: float) -> bool:
        return probability >= self.threshold + (self.english_threshold - self.threshold) * p_english

    def with_threshold(self, threshold: float | None) -> DeclineModel:
        """This model answering every question from `threshold` on (None: unchanged)."""
        if threshold is None:
            return self
        return DeclineModel(self.weights, self.intercept, threshold, threshold, self.fitted_on)

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DeclineModel:
        return cls(
            weights=tuple(float(c) for c in data["weights"]),  # type: ignore[union-attr]
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
            english_threshold=float(data["english_threshold"]),  # type: ignore[arg-type]
            fitted_on=str(data.get("fitted_on", "")),
        )
