"""The decline model a corpus calibrates for itself, printed as retrieval/search.py PROFILES holds
it: the default for corpora with too few questions of their own to calibrate on (the bundled one).

    nice -n 10 .venv/bin/python -m bench.calibrate [--model NAME] [--level grown]

Every index build calibrates its own model (retrieval/calibration.py) on the corpus's questions;
this prints the one of a benchmark level (see bench/corpora.py), with how it was fitted. No
evaluation question is used.
"""

from __future__ import annotations

import argparse

from bench.corpora import build
from retrieval.engine import Engine
from retrieval.settings import DEFAULT_MODEL, Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--level", default="grown")
    args = parser.parse_args()
    engine = Engine(Settings(data_dir=build(args.level, args.model), embedding_model=args.model))
    bundle = engine._loaded.searcher.bundle
    if bundle.decline is None:
        raise SystemExit(f"the {args.level} corpus has too few questions to calibrate on")
    model = bundle.decline
    print(f"# {model.fitted_on}")
    weights = ", ".join(f"{w:.3f}" for w in model.weights)
    print(
        f"DeclineModel(({weights}), {model.intercept:.3f}, {model.threshold:.3f}, "
        f'{model.english_threshold:.3f}, "calibrated on the {args.level} corpus")'
    )


if __name__ == "__main__":
    main()
