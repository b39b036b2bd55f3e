"""Speed and memory of the gate against the model's own encoding: a measurement, not a test.

Run by hand: ``HF_HUB_OFFLINE=1 python bench/speed.py [--sizes 100,1000,10000] [--repeats 3]``.

For each size it builds a case file from ``../shared/benchmarks`` and ``examples/`` (real
articles, summaries and highlights, cycled in file order), then measures, ``--repeats``
times each, and prints the median:

1. the raw limit: sentence-transformers encoding the unique sentences the gate needs for
   those cases (article sentences, summary sentences and passages, highlights) directly,
   same model and batch size, in this process, after the model is loaded; and the same on
   one torch thread, which says how much a second core already gives one process;
2. ``pytest --summgate`` cold (empty model cache), warm (cache filled), and cold with -n 2;
3. collection alone (``--collect-only``), and the peak RSS of the -n 0 runs;
4. the fixed cost: a cold run over a single case (start-up, imports, the model load).

Ratios are against (1). Every pytest run is a fresh process and includes its start-up and
model load, which the raw limit does not: that is the plugin's whole cost on top.

``python bench/speed.py --against REV [--new REV] [--sizes 1000] [--repeats 3]`` compares
two revisions instead: REV checked out into a temporary ``git worktree`` (outside the
repository, removed after), and the working tree (or ``--new``'s revision, checked out the
same way). Each runs ``pytest --summgate`` cold over the first SummEval cases of
``../shared/benchmarks`` (dev, then test) with ``PYTHONPATH`` set to its ``src``, old and new
in turn, ``--repeats`` times; it prints each run's wall and user+sys CPU time (the process and
the children it waited for) with the load average, the texts the claim checks parsed, and a
table of the medians with the ratio new/old against the target (at most 1.2x). Then a warm
run of the new code says whether it imported spaCy and how many texts it parsed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
ONE_THREAD_UP_TO = 1000  # sizes whose raw limit is also measured on one torch thread
SOURCES = ("summeval_dev", "summeval_test", "frank", "xsumfaith", "summedits", "polytope", "factcc")
SUMMEVAL = ("summeval_dev", "summeval_test")
TARGET = 1.2  # --against: the new revision's cold run may take at most this times the old's


def build_cases(size: int, folder: Path) -> Path:
    rows: list[dict[str, Any]] = []
    for line in (ROOT / "examples" / "cnn_dm_chatgpt_row.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        rows.append(
            {"article": row["article"], "summary": row["chatgpt"], "highlights": row["highlights"]}
        )
    for name in SOURCES:
        for line in (SHARED / f"{name}.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            rows.append({k: row[k] for k in ("article", "summary", "highlights") if row.get(k)})
    path = folder / f"cases{size}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for number, row in enumerate(itertools.islice(itertools.cycle(rows), size)):
            out.write(json.dumps({"id": f"c{number}", **row}, ensure_ascii=False) + "\n")
    return path


def build_summeval(size: int, folder: Path) -> Path:
    """The first ``size`` SummEval cases (dev, then test; cycled past their 1,600)."""
    rows = [
        {k: row[k] for k in ("article", "summary", "highlights")}
        for name in SUMMEVAL
        for row in map(json.loads, (SHARED / f"{name}.jsonl").open(encoding="utf-8"))
    ]
    path = folder / f"summeval{size}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for number, row in enumerate(itertools.islice(itertools.cycle(rows), size)):
            out.write(json.dumps({"id": f"c{number}", **row}, ensure_ascii=False) + "\n")
    return path


def unique_sentences(path: Path) -> list[str]:
    from pytest_summgate.metrics import Document

    sentences: dict[str, None] = {}
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        doc = Document(row["article"], row["summary"], row.get("highlights"))
        for s in doc.article_sentences + doc.summary_sentences + doc.summary_passages:
            sentences[s] = None
        for s in doc.highlights:
            sentences[s] = None
    return list(sentences)


def raw_limit(sentences: list[str], threads: int | None = None) -> float:
    """Seconds to encode ``sentences`` in one call (torch's default threads, or ``threads``)."""
    import torch
    from sentence_transformers import SentenceTransformer

    from pytest_summgate.models import Embedder, packaged_model_dir

    model = SentenceTransformer(str(packaged_model_dir()), device="cpu")
    default = torch.get_num_threads()
    torch.set_num_threads(threads or default)
    try:
        start = time.perf_counter()
        model.encode(
            sentences,
            batch_size=Embedder.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return time.perf_counter() - start
    finally:
        torch.set_num_threads(default)


# Starts pytest from a small process and reports its peak RSS. Linux counts a forked child's
# peak from the parent's pages (the kernel keeps the larger of the two at exec), so pytest
# forked straight from this process, which holds a loaded model, would be charged for it.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""
# Runs pytest in its process, then writes how many texts the claim checks' parse cache holds
# (every text parsed, at these sizes; the revision before spaCy has no such cache) and
# whether spaCy was imported at all.
GATE = """
import json, sys, pytest
code = pytest.main(sys.argv[2:])
analysis = sys.modules.get("pytest_summgate.metrics.analysis")
parses = getattr(analysis, "_PARSES", None)
with open(sys.argv[1], "w") as out:
    json.dump({"parsed": len(parses.docs) if parses else 0, "spacy": "spacy" in sys.modules}, out)
sys.exit(code)
"""


@dataclass(frozen=True)
class Run:
    """One pytest process: wall seconds, user+sys CPU seconds (the process and the children
    it waited for), peak RSS in MiB (its xdist workers not counted)."""

    wall: float
    cpu: float
    rss: float


def pytest_env(src: Path | None = None) -> dict[str, str]:
    """The environment of a measured process: offline, no PYTEST_ variables of the caller's,
    and ``src`` first on the import path when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["HF_HUB_OFFLINE"] = "1"
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def run_pytest(
    args: list[str], cwd: Path, src: Path | None = None, stats: Path | None = None
) -> Run:
    """One pytest process: ``python -m pytest``, or with ``stats`` the :data:`GATE` runner
    that writes what the claim checks parsed to that file."""
    peak = cwd / "peak-rss.txt"
    runner = ["-c", GATE, str(stats)] if stats else ["-m", "pytest"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(peak), *runner, "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=pytest_env(src),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode not in (0, 1):
        raise RuntimeError(
            f"pytest {' '.join(args)} exited {process.returncode}: "
            f"{process.stderr.decode()[-2000:]}"
        )
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Run(elapsed, cpu, int(peak.read_text()) / 1024)


def remove_cache(path: Path) -> None:
    """An empty model cache for the next cold run (the file and its SQLite journals)."""
    from pytest_summgate.cache import cache_files

    for file in cache_files(path):
        file.unlink(missing_ok=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def measure(size: int, repeats: int, work: Path) -> dict[str, Any]:
    folder = work / str(size)
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    cases = build_cases(size, folder)
    sentences = unique_sentences(cases)
    cache = folder / "cache.sqlite"
    gate = ["--summgate", cases.name, f"--summgate-cache={cache}"]
    figures: dict[str, list[float]] = {
        k: [] for k in ("raw", "raw_1t", "start", "cold", "warm", "cold_n2", "collect", "rss")
    }
    one = build_cases(1, folder)
    for _ in range(repeats):
        # The fixed cost: a cold run of one case (Python, pytest, torch, the model load).
        one_cache = folder / "one.sqlite"
        remove_cache(one_cache)
        figures["start"].append(
            run_pytest(["--summgate", one.name, f"--summgate-cache={one_cache}"], folder).wall
        )
        figures["raw"].append(raw_limit(sentences))
        if size <= ONE_THREAD_UP_TO:  # about 4 minutes a repetition at 10,000 cases
            figures["raw_1t"].append(raw_limit(sentences, threads=1))
        figures["collect"].append(run_pytest([*gate, "--collect-only"], folder).wall)
        remove_cache(cache)
        cold = run_pytest(gate, folder)
        figures["cold"].append(cold.wall)
        figures["rss"].append(cold.rss)
        warm = run_pytest(gate, folder)
        figures["warm"].append(warm.wall)
        figures["rss"].append(warm.rss)
        remove_cache(cache)
        figures["cold_n2"].append(run_pytest([*gate, "-n", "2"], folder).wall)
        print(
            f"  {size} cases, repetition done: "
            + ", ".join(f"{k} {v[-1]:.1f}" for k, v in figures.items() if v),
            flush=True,
        )
    result = {k: median(v) if v else float("nan") for k, v in figures.items() if k != "rss"}
    result["rss"] = max(figures["rss"])
    result["sentences"] = len(sentences)
    result["size"] = size
    result["repeats"] = repeats
    return result


def git(*args: str) -> str:
    """A git command in this repository; its output, or the script exits with git's error."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"bench/speed.py: git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[tuple[str, Path]]:
    """``rev``'s commit and its tree, checked out into a temporary git worktree outside the
    repository and removed after."""
    commit = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    place = Path(tempfile.mkdtemp(prefix="summgate-rev-")) / "tree"
    git("worktree", "add", "--detach", "--quiet", str(place), commit)
    try:
        yield commit, place
    finally:
        git("worktree", "remove", "--force", str(place))
        shutil.rmtree(place.parent, ignore_errors=True)


def imported_from(src: Path) -> str:
    """Where ``pytest_summgate`` is imported from with ``src`` on PYTHONPATH; the script exits
    when that is not under ``src`` (an installed copy would be measured instead)."""
    found = subprocess.run(
        [sys.executable, "-c", "import pytest_summgate; print(pytest_summgate.__file__)"],
        env=pytest_env(src),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(src.resolve()):
        sys.exit(f"bench/speed.py: with PYTHONPATH={src}, pytest_summgate comes from {found}")
    return found


def tree_digest(src: Path) -> str:
    """sha256 of the Python files under ``src``: whether the code changed during a run."""
    digest = hashlib.sha256()
    for path in sorted(src.rglob("*.py")):
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load() -> float:
    """The machine's load average over the last minute."""
    return os.getloadavg()[0]


def compare(old: str, new: str | None, size: int, repeats: int, work: Path) -> None:
    """Cold runs of ``old`` and ``new`` (None: the working tree) in turn, then a warm run of
    ``new``; prints each run and the table of medians."""
    folder = work / "against"
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    cases = build_summeval(size, folder)
    stats = folder / "parsed.json"
    runs: dict[str, list[tuple[Run, int]]] = {"old": [], "new": []}
    loads = [load()]
    with contextlib.ExitStack() as stack:
        old_commit, old_tree = stack.enter_context(checkout(old))
        if new:
            new_commit, new_tree = stack.enter_context(checkout(new))
            new_name = f"{new_commit[:12]} ({new})"
        else:
            changed = git("status", "--porcelain", "--", "src").splitlines()
            new_tree = ROOT
            new_name = f"the working tree at {git('rev-parse', 'HEAD')[:12]}" + (
                f", {len(changed)} files under src/ changed" if changed else ""
            )
        trees = {"old": old_tree / "src", "new": new_tree / "src"}
        print(f"old: {old_commit[:12]} ({old}), imported from {imported_from(trees['old'])}")
        print(f"new: {new_name}, imported from {imported_from(trees['new'])}")
        print(f"{size} SummEval cases, cold runs (a fresh --summgate-cache file each), in turn:")
        digest = tree_digest(trees["new"])
        for repetition in range(1, repeats + 1):
            for name, src in trees.items():
                gate = ["--summgate", cases.name, f"--summgate-cache={name}{repetition}.sqlite"]
                run = run_pytest(gate, folder, src, stats)
                parsed = int(json.loads(stats.read_text())["parsed"])
                runs[name].append((run, parsed))
                loads.append(load())
                print(
                    f"  {name} {repetition}: wall {run.wall:.1f} s, user+sys {run.cpu:.1f} s, "
                    f"{parsed} texts parsed; load {loads[-2]:.2f} before, {loads[-1]:.2f} after",
                    flush=True,
                )
        warm = run_pytest(gate, folder, trees["new"], stats)
        warm_stats = json.loads(stats.read_text())
        if tree_digest(trees["new"]) != digest:
            print("warning: src/ changed during the runs: the new runs mix versions (--new REV)")
    print_comparison(size, runs, loads)
    imported = "imported spaCy" if warm_stats["spacy"] else "did not import spaCy"
    print(
        f"warm run of the new code (the last cold run's cache): {warm.wall:.1f} s, "
        f"{imported}, {warm_stats['parsed']} texts parsed; load {load():.2f}"
    )


def print_comparison(size: int, runs: dict[str, list[tuple[Run, int]]], loads: list[float]) -> None:
    """The medians of the old and new cold runs, the ratio new/old and the target."""
    wall = {k: median([r.wall for r, _ in v]) for k, v in runs.items()}
    cpu = {k: median([r.cpu for r, _ in v]) for k, v in runs.items()}
    print()
    print(
        f"{size} SummEval cases, cold, median of {len(runs['new'])} (old and new in turn; "
        f"load {min(loads):.2f} to {max(loads):.2f} on {os.cpu_count()} cores)"
    )
    print("          wall s   user+sys s   texts parsed")
    for name, done in runs.items():
        print(f"{name:<9} {wall[name]:<8.1f} {cpu[name]:<12.1f} {max(p for _, p in done)}")
    ratio_wall, ratio_cpu = wall["new"] / wall["old"], cpu["new"] / cpu["old"]
    print(f"new/old   {ratio_wall:<8.2f} {ratio_cpu:.2f}")
    verdict = "met" if ratio_wall <= TARGET else "not met"
    print(
        f"target: cold wall <= {TARGET}x the old's: {verdict} ({ratio_wall:.2f}x; "
        f"user+sys {ratio_cpu:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="default 100,1000,10000; 1000 with --against")
    parser.add_argument("--repeats", default="3", help="one number, or one per size: 3,3,1")
    parser.add_argument("--against", metavar="REV", help="compare cold runs with revision REV")
    parser.add_argument("--new", metavar="REV", help="with --against: REV, not the working tree")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"bench/speed.py: {SHARED} is missing: the case sets are built from it")
    sizes = [
        int(s) for s in (args.sizes or ("1000" if args.against else "100,1000,10000")).split(",")
    ]
    repeats = [int(r) for r in args.repeats.split(",")]
    repeats = repeats * len(sizes) if len(repeats) == 1 else repeats
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    work = Path(tempfile.mkdtemp(prefix="summgate-speed-"))
    results = []
    try:
        if args.against:
            compare(args.against, args.new, sizes[0], repeats[0], work)
            return
        for size, count in zip(sizes, repeats, strict=True):
            results.append(measure(size, count, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results)


def report(results: list[dict[str, Any]]) -> None:
    print()
    print(
        "cases   reps  sentences  raw s   cold s  (x raw)  warm s  (cold/warm)  cold -n2 s  "
        "(-n0/-n2)  collect s  peak RSS MiB  cold s per 1k cases"
    )
    for r in results:
        print(
            f"{r['size']:<7} {r['repeats']:<5} {r['sentences']:<10} {r['raw']:<7.1f} "
            f"{r['cold']:<7.1f} {r['cold'] / r['raw']:<8.2f} {r['warm']:<7.1f} "
            f"{r['cold'] / r['warm']:<12.1f} {r['cold_n2']:<11.1f} "
            f"{r['cold'] / r['cold_n2']:<10.2f} {r['collect']:<10.2f} {r['rss']:<13.0f} "
            f"{1000 * r['cold'] / r['size']:.1f}"
        )
    print()
    print("Where the time goes (medians): the fixed cost is a cold run of one case.")
    print(
        "cases   start s  (cold - start) / raw  raw 1 thread s  (2 threads' speed-up)  "
        "cold - start - raw s"
    )
    for r in results:
        print(
            f"{r['size']:<7} {r['start']:<8.1f} {(r['cold'] - r['start']) / r['raw']:<21.2f} "
            f"{r['raw_1t']:<15.1f} {r['raw_1t'] / r['raw']:<22.2f} "
            f"{r['cold'] - r['start'] - r['raw']:.1f}"
        )


if __name__ == "__main__":
    main()
