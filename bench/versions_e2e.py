"""The real gate, end to end, on a few version pairs of bench/versions.py: store the
baseline system's scores with ``pytest --summgate --summgate-update-baseline``, run the
candidate's summaries against them, and compare the report's suite verdict with the one
computed by bench/versions_maths.py.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from quality import table
from versions_maths import NOT_WORSE, SEED, WORSE, Pair, Row, Setting, interval_high

from pytest_summgate import suite


def run_pytest(folder: Path, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """pytest in ``folder``, in a fresh process of this interpreter (the project's venv)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=3600
    )


def write_cases(path: Path, rows: Iterable[Row]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in sorted(rows, key=lambda r: r.doc_id):
            case = {
                "id": row.doc_id,
                "article": row.doc.article,
                "summary": row.doc.summary,
                "highlights": row.doc.raw_highlights,
            }
            handle.write(json.dumps(case) + "\n")


_OBSERVED = re.compile(r"([+-]\d+\.\d+) \[(\d+(?:\.\d+)?)% CI ([+-]\d+\.\d+), ([+-]\d+\.\d+)\]")


def gate_pair(
    folder: Path, baseline: Sequence[Row], candidate: Sequence[Row], options: Sequence[str]
) -> tuple[int, dict[str, Any]]:
    """Store the baseline system's scores, run the candidate's summaries against them, and
    return the exit code and the JSON report."""
    cases = folder / "cases"
    cases.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    write_cases(cases / "pair.jsonl", baseline)
    stored = run_pytest(folder, ["--summgate", "cases/", "--summgate-update-baseline", *options])
    if not (folder / ".summgate" / "baseline.json").is_file():
        raise RuntimeError(
            f"no baseline written (exit {stored.returncode}): {stored.stdout[-800:]}"
        )
    write_cases(cases / "pair.jsonl", candidate)
    run = run_pytest(folder, ["--summgate", "cases/", "--summgate-report=report.json", *options])
    return run.returncode, json.loads((folder / "report.json").read_text(encoding="utf-8"))


def e2e_sample(pairs: Sequence[Pair], rows_by: Mapping[str, Sequence[Row]], n: int) -> list[Pair]:
    """A fixed sample: half consistency-worse pairs, half not-worse ones."""
    # A reference "system" has no coverage here (scored against itself) but would in the gate.
    references = {(d, r.system) for d, rows in rows_by.items() for r in rows if r.is_reference}
    pool = sorted(
        (p for p in pairs if not {(p.dataset, p.baseline), (p.dataset, p.candidate)} & references),
        key=lambda p: (p.dataset, p.baseline, p.candidate),
    )
    rng = random.Random(SEED)
    worse = [p for p in pool if p.labels["consistency"] == WORSE]
    good = [p for p in pool if p.good]
    return rng.sample(worse, min(n - n // 2, len(worse))) + rng.sample(good, min(n // 2, len(good)))


def gate_options(setting: Setting, cache: Path) -> list[str]:
    """The command line that sets the gate to ``setting``."""
    options = [f"--summgate-cache={cache / 'models.sqlite'}"]
    options += [
        f"--summgate-suite=max_mean_drop_{m}={'off' if d is None else d}"
        for m, d in setting.drops.items()
    ]
    if "confidence" in suite.gate_names():  # a suite gate since the lead's change
        options.append(f"--summgate-suite=confidence={setting.confidence}")
    with tempfile.TemporaryDirectory(prefix="summgate-versions-") as tmp:
        help_text = run_pytest(Path(tmp), ["--summgate", "--help"]).stdout
    if "--summgate-case-regressions" in help_text:  # per-case drops listed, not failed
        options.append("--summgate-case-regressions=list")
    return options


def e2e(
    pairs: Sequence[Pair],
    rows_by: Mapping[str, Sequence[Row]],
    n: int,
    setting: Setting,
    cache: Path,
) -> None:
    """The real gate, end to end, on a sample of pairs: its suite verdict against ours."""
    sample = e2e_sample(pairs, rows_by, n)
    options = gate_options(setting, cache)
    print(f"\nEnd to end: the real gate on {len(sample)} dev pairs; {' '.join(options[1:])}")
    lines, agree = [], 0
    for pair in sample:
        by = {(r.system, r.doc_id): r for r in rows_by[pair.dataset]}
        shared = sorted(d for s, d in by if s == pair.baseline and (pair.candidate, d) in by)
        with tempfile.TemporaryDirectory(prefix="summgate-versions-") as tmp:
            code, report = gate_pair(
                Path(tmp),
                [by[(pair.baseline, d)] for d in shared],
                [by[(pair.candidate, d)] for d in shared],
                options,
            )
        gates = [g for g in report["suite"] if g["gate"].endswith(" vs baseline")]
        compared = report.get("baseline", {}).get("compared", "?")
        # What else failed the run: a case's own checks (length, say), not judged here.
        reasons = report.get("decision", {}).get("blocked_by", [])
        why = "; ".join(r for r in reasons if not r.startswith("suite gate")) or "-"
        parsed = {g["gate"].split()[0]: (g, _OBSERVED.search(g["observed"])) for g in gates}
        # Our verdict at the confidence the gate reports it used.
        used = next((float(m.group(2)) / 100 for _, m in parsed.values() if m), setting.confidence)
        blocked = any(g["failed"] for g in gates)
        ours = any(
            interval_high(pair.deltas[m], used) < -d
            for m, d in setting.drops.items()
            if d is not None
        )
        agree += ours == blocked
        gaps = [abs(float(m[1]) - np.mean(pair.deltas[k])) for k, (_, m) in parsed.items() if m]
        label = WORSE if pair.labels["consistency"] == WORSE else NOT_WORSE
        failed = ",".join(k for k, (g, _) in parsed.items() if g["failed"]) or "-"
        cells = [pair.dataset, f"{pair.baseline} -> {pair.candidate}", label]
        cells += [f"{len(shared)}/{compared}", f"{used:.2f}", failed, f"{code}: {why}"]
        cells += ["blocked" if blocked else "passed", "blocked" if ours else "passed"]
        lines.append([*cells, f"{max(gaps):.4f}" if gaps else "-"])
    header = ["dataset", "baseline -> candidate", "experts", "cases/compared", "conf"]
    header += ["failed suite gates", "exit: also blocked by"]
    print(table([*header, "gate", "computed", "max |mean diff|"], lines))
    print(f"agreement of the gate's suite verdict with the computed one: {agree}/{len(sample)}")
