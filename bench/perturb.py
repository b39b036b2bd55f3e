"""Planted errors and faithful rewrites: does each claim check catch its error, and only it?

    HF_HUB_OFFLINE=1 python bench/perturb.py [--split test|dev] [--per-type N] [--show N]
                                             [--write PATH] [--benchmarks DIR] [--cache DIR]

Takes faithful sentences from the labelled files of ``shared/benchmarks`` (sentences of the
articles, and of the summaries the annotators found consistent) and writes, one case per
sentence and type, an unfaithful variant with one error (a number, date or name changed, a
negation flipped, two roles swapped, a quotation invented or given to another speaker, a
direction reversed; another name of the article in a role, two figures exchanged, a
negation or direction flipped inside a later clause, or in a clause moved to the front) or
a faithful control (a clause moved, a number, name or negation written another way, a
quotation shortened, the sentence unchanged; a fuller name, a demonym, an acronym, a plural
noun opening the sentence, a capital for its city). The rules are in
``perturbations.py``, ``perturb_errors.py``, ``perturb_clauses.py``, ``perturb_roles.py``,
``perturb_controls.py`` and ``perturb_rewrites.py``; every draw is seeded by the row id, so
two runs write the same cases.

Each case (article, one-sentence summary) is scored by the default faithfulness scorer.
Printed: per error type, the share the check meant for it finds and the share the verdict
fails (next to the share whose unperturbed sentence already failed); per control type, the
false-alarm rate; and, on the dev splits, each finding kind's false-alarm rate on the
controls and on the expert-consistent summaries, to decide which kinds may be decisive.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

import perturb_clauses as clauses
import perturb_controls as controls
import perturb_errors as errors
import perturb_rewrites as rewrites
import perturb_roles as roles
from perturbations import FUNCTION_WORDS, Context, Pool, Variant, lower_words, quote_spans
from perturbations import rng_for as rng_for

from pytest_summgate import text

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
CACHE = Path("/tmp/summgate-bench-cache")
# name -> split -> (file, the file's split field or None for the whole file)
DATASETS: dict[str, dict[str, tuple[str, str | None]]] = {
    "summeval": {"dev": ("summeval_dev.jsonl", None), "test": ("summeval_test.jsonl", None)},
    "frank": {"dev": ("frank.jsonl", "valid"), "test": ("frank.jsonl", "test")},
    "xsumfaith": {"dev": ("xsumfaith.jsonl", "dev"), "test": ("xsumfaith.jsonl", "test")},
    "polytope": {"dev": ("polytope.jsonl", "dev"), "test": ("polytope.jsonl", "test")},
    "factcc": {"dev": ("factcc.jsonl", "dev"), "test": ("factcc.jsonl", "test")},
    "summedits": {"dev": ("summedits.jsonl", "evaluation"), "test": ("summedits.jsonl", "test")},
}
Rule = Callable[[str, Context, random.Random], "Variant | None"]
# Error type -> (rule, the finding kind meant to catch it, target recall). "role/entity": a
# finding of either kind (the claim checks report a name in another's role once, as the
# slot's "entity" finding when it has one, else as "role").
ERRORS: dict[str, tuple[Rule, str, float]] = {
    "number": (errors.change_number, "number", 0.90),
    "date": (errors.change_date, "date", 0.90),
    "entity": (errors.same_article_entity, "entity", 0.75),
    "outside-name": (errors.outside_name, "name", 0.90),
    "negation": (errors.flip_negation, "negation", 0.75),
    "swap": (errors.swap_roles, "swap", 0.75),
    "invented-quote": (errors.invent_quote, "quote", 0.90),
    "misattributed": (errors.misattribute, "misattributed", 0.75),
    "direction": (clauses.flip_direction, "direction", 0.75),
    "role": (roles.move_role, "role/entity", 0.75),
    "figure": (roles.rebind_figure, "figure", 0.75),
    "clause-negation": (clauses.clause_negation, "negation", 0.75),
    "clause-direction": (clauses.clause_direction, "direction", 0.75),
    "reordered-negation": (clauses.reordered_negation, "negation", 0.75),
    "reordered-direction": (clauses.reordered_direction, "direction", 0.75),
}
CONTROLS: dict[str, Rule] = {
    "reorder": controls.reorder,
    "number-format": controls.rewrite_number,
    "name-variant": controls.rewrite_name,
    "adjectival": controls.adjectival,
    "quote-short": controls.shorten_quote,
    "negation-paraphrase": controls.paraphrase_negation,
    "unchanged": controls.unchanged,
    "fuller-name": rewrites.fuller_name,
    "demonym": rewrites.demonym,
    "acronym": rewrites.acronym,
    "plural-opening": rewrites.plural_opening,
    "outside-knowledge": rewrites.outside_knowledge,
    "clause-moved": clauses.clause_moved,
}
KINDS = (
    "number",
    "date",
    "name",
    "entity",
    "quote",
    "misattributed",
    "negation",
    "swap",
    "role",
    "figure",
    "direction",
    "off_topic",
)
FALSE_ALARM_TARGET = 0.02
PER_ARTICLE = 3  # cases of one type from one article, so many articles are represented
# Until claims.Finding lands, the kinds are read off the reasons the sentence check gives.
_REASON_KINDS = (
    ("quote ", "quote"),
    ("number ", "number"),
    ("date ", "date"),
    ("name ", "name"),
    ("negation ", "negation"),
    ("roles swapped", "swap"),
    ("no article passage", "off_topic"),
)


@dataclass
class Source:
    """A faithful sentence and where it comes from."""

    id: str
    dataset: str
    split: str
    doc: str
    origin: str  # "article" or "summary"
    sentence: str


@dataclass
class Case:
    """One generated (article, one-sentence summary) pair with its label."""

    id: str
    dataset: str
    split: str
    type: str
    faithful: bool
    original: str
    summary: str
    article: str
    origin: str
    detail: str


@dataclass
class SplitData:
    """The articles, faithful sentences and consistent summaries of one dataset split."""

    articles: dict[str, str] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    consistent: list[tuple[str, str]] = field(default_factory=list)  # (article, summary)


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


def _label(record: dict[str, Any]) -> bool:
    if "consistent" in record:
        return bool(record["consistent"])
    if "faithful" in record:
        return bool(record["faithful"])
    return bool(record["human"]["consistency"] == 5.0)


# XSum articles lost the space after a full stop ("community.Dr Venter"); for picking
# sentences only, the article as scored keeps its text.
_JOINED = re.compile(r"(?<=[a-z0-9][.!?])(?=[A-Z“])|(?<=[.!?][\"”’)])(?=[A-Z\"“])")


def _heading(words: Sequence[str]) -> bool:
    """Title Case ("Man Utd Beat Chelsea In Cup Final") or capitals throughout."""
    function = sum(w.lower() in FUNCTION_WORDS and w[0].isupper() for w in words[1:])
    shouting = sum(len(w) > 1 and w.isupper() for w in words)
    return function >= 2 or shouting > len(words) / 2


def usable(sentence: str) -> bool:
    """A sentence that can stand alone as a summary: 8 to 45 words, one sentence by the
    gate's own splitter, balanced quotation marks, not a caption or a heading."""
    words = len(text.words(sentence))
    return (
        8 <= words <= 45
        and text.split_sentences(sentence) == [sentence]
        and sentence.count('"') % 2 == 0
        and not re.match(r'[^"]*[,.!?]"', sentence)  # it opens inside a quotation
        and sentence.count("``") == sentence.count("''")
        and sentence[:1].isalpha()
        and sentence.rstrip("\"'’” ")[-1:] in ".!?"
        and not _heading(text.words(sentence))
        and not re.search(r"https?:|@|\||\n|:\s*$", sentence)
        # Words run together where a page lost its line breaks ("deviceDel Potro").
        and not re.search(r"[a-z]{3}[A-Z]", sentence)
    )


def load(benchmarks: Path, dataset: str, split: str) -> SplitData:
    filename, field_value = DATASETS[dataset][split]
    data = SplitData()
    with (benchmarks / filename).open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if field_value is not None and record.get("split") != field_value:
                continue
            doc = f"{dataset}:{record['doc_id']}"
            article = record["article"]
            if doc not in data.articles:
                data.articles[doc] = article
                for i, s in enumerate(text.split_sentences(_JOINED.sub(" ", article))):
                    if usable(s):
                        data.sources.append(
                            Source(f"{doc}/a{i}", dataset, split, doc, "article", s)
                        )
            if _label(record):
                data.consistent.append((article, record["summary"]))
                for i, s in enumerate(text.split_sentences(record["summary"])):
                    if usable(s):
                        source = Source(f"{record['id']}/s{i}", dataset, split, doc, "summary", s)
                        data.sources.append(source)
    return data


def contexts(data: SplitData) -> dict[str, Context]:
    """A context per article, all sharing the split's pool of entities and quotations."""
    pool = Pool()
    found = {}
    for doc in sorted(data.articles, key=_digest):
        article = data.articles[doc]
        sentences = text.split_sentences(_JOINED.sub(" ", article))
        ctx = Context(article, sentences, doc, pool)
        found[doc] = ctx
        pool.entities += [(doc, e) for e in ctx.entities]
        pool.capitalised.update(re.findall(r"\b[A-Z][a-z]+\b", article))
        if ctx.mixed_case:
            pool.lowercase |= ctx.lowercase
        for s in sentences:
            for start, end in quote_spans(s):
                if 5 <= len(lower_words(s[start:end])) <= 25:
                    pool.quotes.append((doc, s[start:end]))
    return found


def generate(data: SplitData, per_type: int) -> list[Case]:
    """Up to ``per_type`` cases of every type, from sources in an order fixed by their ids."""
    ctxs = contexts(data)
    rules: list[tuple[str, Rule, bool]] = [(t, r, False) for t, (r, _, _) in ERRORS.items()]
    rules += [(t, r, True) for t, r in CONTROLS.items()]
    counts: Counter[str] = Counter()
    per_doc: Counter[tuple[str, str]] = Counter()
    cases = []
    # Article by article (in an order fixed by their ids): fewer articles to encode.
    for source in sorted(data.sources, key=lambda s: (_digest(s.doc), _digest(s.id))):
        if all(counts[t] >= per_type for t, _, _ in rules):
            break
        ctx = ctxs[source.doc]
        for kind, rule, faithful in rules:
            if counts[kind] >= per_type or per_doc[kind, source.doc] >= PER_ARTICLE:
                continue
            variant = rule(source.sentence, ctx, rng_for(f"{source.id}:{kind}"))
            if variant is None or (variant.text == source.sentence) != (kind == "unchanged"):
                continue
            if text.split_sentences(variant.text) != [variant.text]:
                continue
            counts[kind] += 1
            per_doc[kind, source.doc] += 1
            cases.append(
                Case(
                    f"{source.id}:{kind}",
                    source.dataset,
                    source.split,
                    kind,
                    faithful,
                    source.sentence,
                    variant.text,
                    ctx.article,
                    source.origin,
                    variant.detail,
                )
            )
    return cases


Pair = tuple[str, str]  # (article, one-sentence summary)


@dataclass
class Outcome:
    """What the default scorer said of one (article, summary) pair."""

    fails: bool  # the verdict: a decisive finding, or a score under the threshold
    decisive: bool  # a decisive finding alone
    kinds: frozenset[str]  # kinds of finding on any of its sentences


def finding_kinds(check: Any) -> frozenset[str]:
    """The kinds of finding on a sentence check (``findings``; before they existed, read off
    the reasons)."""
    found = getattr(check, "findings", None)
    if found is not None:
        return frozenset(f.kind for f in found)
    reasons = getattr(check, "reasons", ())
    return frozenset(
        kind for r in reasons for prefix, kind in _REASON_KINDS if r.startswith(prefix)
    )


def interface_note() -> str:
    """One line saying which parts of the claim-check interface this checkout has."""
    from pytest_summgate.metrics import Metric, claims, faithfulness

    def has_field(cls: type, name: str) -> bool:
        return name in getattr(cls, "__dataclass_fields__", {}) or hasattr(cls, name)

    missing = [
        name
        for name, present in (
            ("claims.Finding", hasattr(claims, "Finding")),
            ("SentenceCheck.findings", has_field(faithfulness.SentenceCheck, "findings")),
            ("Metric.decisive", has_field(Metric, "decisive")),
        )
        if not present
    ]
    if not missing:
        return "scorer: findings and decisive evidence of the claim checks"
    return (
        f"scorer: this checkout lacks {', '.join(missing)}; finding kinds are read off the "
        "sentence reasons (no entity, misattributed or direction kind exists yet), no finding "
        "is decisive, and the verdict is the score against the threshold"
    )


def score(pairs: Sequence[Pair], embedder: Any, chunk: int = 400) -> list[Outcome]:
    """The default faithfulness verdict and the findings of each pair, in chunks of the
    gate's size (bounded memory)."""
    from pytest_summgate.metrics import Document, faithfulness
    from pytest_summgate.thresholds import BUILTIN_THRESHOLDS

    threshold = BUILTIN_THRESHOLDS["faithfulness"]
    scorer = faithfulness.FaithfulnessScorer()
    outcomes = []
    for i in range(0, len(pairs), chunk):
        docs = [Document(article, summary) for article, summary in pairs[i : i + chunk]]
        checks = faithfulness.check_sentences(docs, embedder)
        for result, sentence_checks in zip(scorer.score(docs, embedder), checks, strict=True):
            metric = result["faithfulness"]
            decisive = bool(getattr(metric, "decisive", ()))
            low = metric.value is not None and metric.value < threshold
            kinds = frozenset().union(*map(finding_kinds, sentence_checks))
            outcomes.append(Outcome(decisive or low, decisive, kinds))
    return outcomes


def evaluate(pairs: Sequence[Pair], cache: Path) -> dict[Pair, Outcome]:
    """Every pair scored; the sentences are encoded first, in one call, behind the bench
    scripts' shared vector cache (SQLite, safe when they run side by side)."""
    from pytest_summgate.cache import ModelCache
    from pytest_summgate.metrics import Document
    from pytest_summgate.models import get_embedder

    embedder = get_embedder()
    embedder.cache = ModelCache(cache / "models.sqlite", max_mb=4096)
    sentences: dict[str, None] = {}
    for article, summary in pairs:
        doc = Document(article, summary)
        sentences.update(dict.fromkeys(doc.article_sentences + doc.summary_sentences))
    embedder.encode(list(sentences))
    return dict(zip(pairs, score(pairs, embedder), strict=True))


def share(flags: Sequence[bool]) -> str:
    return f"{sum(flags) / len(flags):.3f}" if flags else "-"


def found(meant: str, kinds: frozenset[str]) -> bool:
    """A finding of the meant kind, or of one of them (``role/entity``)."""
    return any(kind in kinds for kind in meant.split("/"))


def recall_table(cases: Sequence[Case], outcome: dict[Pair, Outcome]) -> list[list[str]]:
    """Per error type: n, the meant check's recall, the verdict's, and the unperturbed
    sentences' own verdict and findings (the baseline)."""
    lines = []
    for kind, (_, meant, target) in ERRORS.items():
        mine = [c for c in cases if c.type == kind]
        variant = [outcome[c.article, c.summary] for c in mine]
        original = [outcome[c.article, c.original] for c in mine]
        recall = share([found(meant, o.kinds) for o in variant])
        if kind == "entity":  # the unseen-name check may catch it too: shown beside
            recall += f" ({share(['name' in o.kinds for o in variant])} name)"
        lines.append(
            [
                kind,
                str(len(mine)),
                meant,
                recall,
                f">={target:.2f}",
                share([o.fails for o in variant]),
                share([o.fails for o in original]),
                share([found(meant, o.kinds) for o in original]),
            ]
        )
    return lines


def control_table(cases: Sequence[Case], outcome: dict[Pair, Outcome]) -> list[list[str]]:
    """Per control type: n, the verdict's and decisive findings' false-alarm rates, and the
    kinds of finding raised most."""
    lines = []
    for kind in CONTROLS:
        mine = [outcome[c.article, c.summary] for c in cases if c.type == kind]
        raised = Counter(k for o in mine for k in o.kinds).most_common(3)
        common = ", ".join(f"{k} {n}" for k, n in raised) or "-"
        fails, decisive = share([o.fails for o in mine]), share([o.decisive for o in mine])
        lines.append([kind, str(len(mine)), fails, decisive, f"<={FALSE_ALARM_TARGET:.2f}", common])
    return lines


def kind_table(
    controls_by: dict[str, list[Outcome]], consistent_by: dict[str, list[Outcome]]
) -> list[list[str]]:
    """Per finding kind: its false-alarm rate (%) on each dev dataset's controls and
    consistent summaries, and whether it stays within the target on all of them."""
    lines = []
    for kind in KINDS:
        line, worst = [kind], 0.0
        for name in controls_by:
            rates = []
            for outcomes in (controls_by[name], consistent_by[name]):
                rate = sum(kind in o.kinds for o in outcomes) / len(outcomes) if outcomes else 0.0
                worst = max(worst, rate)
                rates.append(f"{100 * rate:.1f}")
            line.append(" / ".join(rates))
        line += [f"{100 * worst:.1f}", "yes" if worst <= FALSE_ALARM_TARGET else "no"]
        lines.append(line)
    return lines


def examples(cases: Sequence[Case], per_type: int) -> Iterator[str]:
    """``per_type`` cases of each type, taken from the datasets in turn."""
    by_type: dict[str, dict[str, list[Case]]] = defaultdict(lambda: defaultdict(list))
    for case in cases:
        by_type[case.type][case.dataset].append(case)
    for kind in [*ERRORS, *CONTROLS]:
        turns = zip_longest(*by_type[kind].values())
        shown = [case for turn in turns for case in turn if case is not None][:per_type]
        for case in shown:
            yield f"[{kind}] {case.dataset} {case.origin}: {case.detail or 'as is'}"
            yield f"    original: {text.clip(case.original, 240)}"
            if case.summary != case.original:
                yield f"    variant:  {text.clip(case.summary, 240)}"


def write_cases(path: Path, cases: Sequence[Case]) -> None:
    """The cases as JSONL: id, dataset, split, type, label (faithful), original, summary,
    article, origin, detail."""
    with path.open("w", encoding="utf-8") as handle:
        for case in cases:
            record = asdict(case)
            record["label"] = record.pop("faithful")
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def report(
    split: str,
    cases: dict[str, list[Case]],
    consistent: dict[str, list[Pair]],
    outcome: dict[Pair, Outcome],
) -> Iterator[str]:
    """The three tables, as printed."""
    from quality import table

    from pytest_summgate.thresholds import BUILTIN_THRESHOLDS

    threshold = BUILTIN_THRESHOLDS["faithfulness"]
    yield interface_note()
    yield f"verdict: fails on a decisive finding or a faithfulness under {threshold:.2f}"
    mine = cases[split]
    counts = Counter(c.dataset for c in mine)
    yield f"{split} cases: " + ", ".join(f"{n} {counts[n]}" for n in DATASETS)
    yield f"\nErrors ({split} splits): recall = share with a finding of the meant kind"
    header = ["type", "n", "meant", "recall", "target", "verdict fails"]
    header += ["original fails", "original has kind"]
    yield table(header, recall_table(mine, outcome))
    yield f"\nFaithful controls ({split} splits): false alarms"
    header = ["type", "n", "verdict fails", "decisive", "target", "findings raised (most)"]
    yield table(header, control_table(mine, outcome))
    controls = {
        n: [outcome[c.article, c.summary] for c in cases["dev"] if c.faithful and c.dataset == n]
        for n in DATASETS
    }
    summaries = {n: [outcome[pair] for pair in consistent[n]] for n in DATASETS}
    yield (
        "\nFalse alarms per finding kind on the dev splits, in %: controls / expert-consistent "
        f"summaries; a kind may be decisive at <= {FALSE_ALARM_TARGET:.0%} on every one"
    )
    header = ["kind", *[f"{n} ({len(controls[n])}/{len(summaries[n])})" for n in DATASETS]]
    yield table([*header, "worst", "ok"], kind_table(controls, summaries))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--per-type", type=int, default=60, help="cases of each type per dataset")
    parser.add_argument("--show", type=int, default=0, help="print N examples of each type")
    parser.add_argument("--write", type=Path, help="write the --split cases as JSONL")
    parser.add_argument("--benchmarks", type=Path, default=BENCHMARKS)
    parser.add_argument("--cache", type=Path, default=CACHE, help="holds models.sqlite")
    args = parser.parse_args(argv)
    files = sorted({f for splits in DATASETS.values() for f, _ in splits.values()})
    missing = [f for f in files if not (args.benchmarks / f).is_file()]
    if missing:
        where = f"{args.benchmarks} lacks {', '.join(missing)}"
        print(f"perturb: no benchmark data ({where}); see --benchmarks", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    # The per-kind false-alarm table is always on dev: dev is generated on every run.
    splits = ["dev"] if args.split == "dev" else ["dev", args.split]
    cases: dict[str, list[Case]] = {split: [] for split in splits}
    consistent: dict[str, list[Pair]] = {}
    for split in splits:
        for name in DATASETS:
            data = load(args.benchmarks, name, split)
            cases[split] += generate(data, args.per_type)
            if split == "dev":
                consistent[name] = data.consistent
    if args.write:
        write_cases(args.write, cases[args.split])
        print(f"wrote {len(cases[args.split])} {args.split} cases to {args.write}")

    pairs = [(c.article, c.summary) for split in splits for c in cases[split]]
    pairs += [(c.article, c.original) for split in splits for c in cases[split]]
    pairs += [pair for by in consistent.values() for pair in by]
    outcome = evaluate(list(dict.fromkeys(pairs)), args.cache)
    print("\n".join(report(args.split, cases, consistent, outcome)))
    if args.show:
        print(f"\nExamples ({args.split}):")
        print("\n".join(examples(cases[args.split], args.show)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
