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
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
ONE_THREAD_UP_TO = 1000  # sizes whose raw limit is also measured on one torch thread
SOURCES = ("summeval_dev", "summeval_test", "frank", "xsumfaith", "summedits", "polytope", "factcc")


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


def run_pytest(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of one pytest process (its xdist workers not counted)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["HF_HUB_OFFLINE"] = "1"
    peak = cwd / "peak-rss.txt"
    start = time.perf_counter()
    process = subprocess.run(
        [
            sys.executable,
            "-c",
            LAUNCHER,
            str(peak),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *args,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if process.returncode not in (0, 1):
        raise RuntimeError(
            f"pytest {' '.join(args)} exited {process.returncode}: "
            f"{process.stderr.decode()[-2000:]}"
        )
    return elapsed, int(peak.read_text()) / 1024


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
            run_pytest(["--summgate", one.name, f"--summgate-cache={one_cache}"], folder)[0]
        )
        figures["raw"].append(raw_limit(sentences))
        if size <= ONE_THREAD_UP_TO:  # about 4 minutes a repetition at 10,000 cases
            figures["raw_1t"].append(raw_limit(sentences, threads=1))
        figures["collect"].append(run_pytest([*gate, "--collect-only"], folder)[0])
        remove_cache(cache)
        elapsed, rss = run_pytest(gate, folder)
        figures["cold"].append(elapsed)
        figures["rss"].append(rss)
        elapsed, rss = run_pytest(gate, folder)
        figures["warm"].append(elapsed)
        figures["rss"].append(rss)
        remove_cache(cache)
        figures["cold_n2"].append(run_pytest([*gate, "-n", "2"], folder)[0])
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeats", default="3", help="one number, or one per size: 3,3,1")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    repeats = [int(r) for r in args.repeats.split(",")]
    repeats = repeats * len(sizes) if len(repeats) == 1 else repeats
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    work = Path(tempfile.mkdtemp(prefix="summgate-speed-"))
    results = []
    try:
        for size, count in zip(sizes, repeats, strict=True):
            results.append(measure(size, count, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
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
