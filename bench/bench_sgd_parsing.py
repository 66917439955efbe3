"""How well the historical pages of `../shared/corpora/sgd-historisch` parse.

For each of its three files, every record goes through the JSONL path `vraagbaak add` uses
(`collection.record_document`: the text parsed, the record's metadata applied), and, as if the
page had been added as a plain text file, through `parse_text` alone. Prints a Markdown table:

- Kamervragen: records whose document has question/answer sections; of the records the
  corpus marks `has_answer`, those with an answer attached to a question; the question
  sections answered; metadata read from the pages (submitters, answering minister, ministry).
- All files: the type the page's text alone is recognised as (`kamervraag`, `kamerstuk`,
  `handelingen`; `document` when nothing marks it), and parse time.

    .venv/bin/python bench/bench_sgd_parsing.py [--every N]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import time
from collections import Counter
from pathlib import Path

from retrieval.parsing import parse_text
from retrieval.sources.collection import record_document

SGD = Path(__file__).resolve().parents[1].parent / "shared/corpora/sgd-historisch"
FILES = ("kamervragen", "kamerstukken", "handelingen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--every", type=int, default=1, help="read every Nth record")
    args = parser.parse_args()
    if not SGD.is_dir():
        raise SystemExit(f"{SGD} is absent")
    print("| file | records | parse (JSONL path) | recognised from the text alone |")
    print("| --- | --- | --- | --- |")
    kamervragen = Counter()
    for name in FILES:
        started = time.perf_counter()
        seen, recognised = 0, Counter()
        with gzip.open(SGD / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for line in itertools.islice(handle, 0, None, args.every):
                record = json.loads(line)
                seen += 1
                document = record_document(record, str(SGD / name), 10**8)
                recognised[parse_text(record["text"], source_file="page.txt").doc_type] += 1
                if name == "kamervragen":
                    count(kamervragen, record, document)
        seconds = time.perf_counter() - started
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in recognised.most_common())
        print(f"| {name} | {seen:,} | {1000 * seconds / seen:.1f} ms/record | {kinds} |")
    k = kamervragen
    print()
    print("| Kamervragen | figure |")
    print("| --- | --- |")
    print(
        f"| records with question/answer sections | {k['qa']:,} of {k['records']:,} "
        f"({k['qa'] / k['records']:.0%}) |"
    )
    print(
        f"| records with an answer (`has_answer`) that get it attached | {k['attached']:,} of "
        f"{k['with_answer']:,} ({k['attached'] / k['with_answer']:.0%}) |"
    )
    print(
        f"| question sections answered, on those pages | {k['answered_questions']:,} of "
        f"{k['questions']:,} ({k['answered_questions'] / k['questions']:.0%}) |"
    )
    print(f"| pages with several question sets | {k['multi']:,} |")
    for field in ("submitters", "ministers", "ministry", "answered"):
        print(f"| pages whose document has `{field}` | {k[field]:,} |")


def count(counter: Counter, record: dict, document) -> None:
    qa = [s for s in document.sections if s.kind == "qa"]
    questions = [s for s in document.sections if s.kind == "qa" or "raag" in s.label]
    counter["records"] += 1
    counter["qa"] += bool(qa)
    counter["multi"] += any(s.label.startswith("Vragen ") for s in document.sections)
    if record.get("has_answer"):
        counter["with_answer"] += 1
        counter["attached"] += bool(qa)
        counter["questions"] += len(questions)
        counter["answered_questions"] += len(qa)
    for field in ("submitters", "ministers", "ministry", "answered"):
        counter[field] += bool(getattr(document, field))


if __name__ == "__main__":
    main()
