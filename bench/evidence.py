"""Hard evidence against human labels: false alarms and catches, per split and per kind.

    HF_HUB_OFFLINE=1 python bench/evidence.py [--splits dev|test|all] [--lowercase] [--cache DIR]

Needs the labelled files of ``shared/benchmarks`` beside the checkout (see its README).
Scores every labelled summary of each split as the gate does and prints, per split: the share
of summaries experts judged consistent that carry a decisive finding (false alarms: target at
most 2% on every split, goal 1%) and the share of inconsistent ones that do (caught); then the
same for each kind of finding; then human-written summaries (SummEval's crowd references and
the CNN/DailyMail highlights: share with no decisive finding, targets 95% and 85%) and the
precision of hard evidence on SummEval against the experts (consistency below 5 = an error;
target 0.95). ``--lowercase`` adds a lowercased copy of every split (text without capitals).
Tune on the dev splits only; the test splits report.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import quality
from quality import CACHE, DEV, TEST, Row, cached_embedder, load

from pytest_summgate.metrics import Document, claims, faithfulness

Kinds = frozenset[str]
# The kinds that fail a case (the rest, measured with --measure, are shown but not counted).
GATE_KINDS = claims.DECISIVE_KINDS | {"off_topic"}  # off topic: decisive below 0.2


def decisive_kinds(rows: Sequence[Row], embedder: object) -> list[Kinds]:
    """The kinds of decisive finding of each row's summary, in row order."""
    checks = faithfulness.check_sentences([r.doc for r in rows], embedder)  # type: ignore[arg-type]
    return [frozenset(f.kind for c in doc for f in c.findings if f.decisive) for doc in checks]


def lowercased(rows: Sequence[Row]) -> list[Row]:
    """The rows with article and summary lowercased (the labels hold: case carries no fact)."""
    return [
        Row(
            r.dataset + "-lower",
            Document(r.doc.article.lower(), r.doc.summary.lower(), r.doc.highlights),
            r.consistent,
            r.record,
        )
        for r in rows
    ]


def share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def split_lines(name: str, rows: Sequence[Row], found: Sequence[Kinds]) -> list[list[str]]:
    """One line for the split, then one for each kind that fired in it."""
    consistent = [k for r, k in zip(rows, found, strict=True) if r.consistent]
    inconsistent = [k for r, k in zip(rows, found, strict=True) if not r.consistent]
    lines = [
        [
            name,
            "all",
            str(len(consistent)),
            share(sum(bool(k & GATE_KINDS) for k in consistent), len(consistent)),
            str(len(inconsistent)),
            share(sum(bool(k & GATE_KINDS) for k in inconsistent), len(inconsistent)),
        ]
    ]
    kinds = Counter(kind for k in found for kind in k)
    for kind in sorted(kinds):
        lines.append(
            [
                "",
                kind if kind in GATE_KINDS else f"({kind})",
                "",
                share(sum(kind in k for k in consistent), len(consistent)),
                "",
                share(sum(kind in k for k in inconsistent), len(inconsistent)),
            ]
        )
    return lines


def human_rows(benchmarks: Path, splits: Sequence[tuple[str, str, str | None]]) -> list[Row]:
    """SummEval's crowd-written references and the CNN/DailyMail highlights of the splits'
    articles, as summaries (consistent by construction: people wrote them from the story)."""
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for name, filename, split in splits:
        if name not in ("summeval", "frank", "frank-cnndm"):
            continue
        for row in load(benchmarks, name, filename, split):
            record = row.record
            if record.get("source", "cnndm") != "cnndm" or not row.doc.highlights:
                continue
            written = [("highlights", record["highlights"])]
            written += [("reference", r) for r in record.get("references", [])[1:]]
            for kind, summary in written:
                if (row.doc.article, summary) in seen:
                    continue
                seen.add((row.doc.article, summary))
                rows.append(Row(kind, Document(row.doc.article, summary), True, record))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--lowercase", action="store_true")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--benchmarks", type=Path, default=quality.BENCHMARKS)
    parser.add_argument(
        "--measure",
        default="",
        help="kinds that are not decisive to measure as if they were, comma-separated "
        "(shown in parentheses, not counted in 'all')",
    )
    args = parser.parse_args(argv)
    measured = frozenset(k for k in args.measure.split(",") if k)
    if measured - set(claims.KINDS):
        sys.exit(f"--measure: not kinds of finding: {sorted(measured - set(claims.KINDS))}")
    claims.DECISIVE_KINDS = claims.DECISIVE_KINDS | measured  # what finding() reads
    if not (args.benchmarks / "summeval_dev.jsonl").is_file():
        sys.exit(f"needs the labelled benchmark files in {args.benchmarks} (shared/benchmarks)")
    embedder = cached_embedder(args.cache)
    chosen = {
        "dev": [("dev", DEV)],
        "test": [("test", TEST)],
        "all": [("dev", DEV), ("test", TEST)],
    }
    for label, splits in chosen[args.splits]:
        lines: list[list[str]] = []
        summeval: tuple[list[Row], list[Kinds]] = ([], [])
        for name, filename, split in splits:
            rows = load(args.benchmarks, name, filename, split)
            variants = [rows, lowercased(rows)] if args.lowercase else [rows]
            for variant in variants:
                found = decisive_kinds(variant, embedder)
                lines += split_lines(variant[0].dataset if variant else name, variant, found)
                if variant is rows and name == "summeval":
                    summeval = (rows, found)
        header = ["split", "kind", "consistent", "false alarm", "inconsistent", "caught"]
        print(f"\n== {label} splits: decisive findings ==")
        print(quality.table(header, lines))
        humans = human_rows(args.benchmarks, splits)
        found = decisive_kinds(humans, embedder)
        print(f"\n== {label}: human-written summaries pass (no decisive finding) ==")
        human_lines = []
        for kind in ("reference", "highlights"):
            mine = [k for r, k in zip(humans, found, strict=True) if r.dataset == kind]
            kinds = Counter(x for k in mine for x in k)
            passed = sum(not k & GATE_KINDS for k in mine)
            human_lines.append([kind, str(len(mine)), share(passed, len(mine)), str(dict(kinds))])
        print(quality.table(["written", "n", "pass", "kinds that fired"], human_lines))
        rows, kinds_found = summeval
        flagged = [r for r, k in zip(rows, kinds_found, strict=True) if k & GATE_KINDS]
        wrong = sum(r.record["human"]["consistency"] < 5.0 for r in flagged)
        print(
            f"\nsummeval ({label}): {len(flagged)} of {len(rows)} summaries with hard evidence; "
            f"precision against the experts {share(wrong, len(flagged))} (target 0.95)"
        )


if __name__ == "__main__":
    main()
