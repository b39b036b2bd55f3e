"""The package as a user gets it: built, installed from the wheel, away from the checkout.

An editable install hides what a real one would miss (package data, entry points, files read
from the repository). So the sdist is built from a copy of the sources, the wheel from the
sdist (``python -m build``'s default), and the wheel is installed into a fresh venv; the gate
then runs on a copy of ``examples/`` in a temporary folder. The fresh venv reuses this venv's
packages (torch, sentence-transformers, the offline model) through a ``.pth`` line, so
nothing is downloaded: ``--system-site-packages`` would not do, since a venv made from a
venv's interpreter sees the base interpreter's packages, not the venv's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, install_entry_point_scorer

# The gate runs with the real model; building and installing take a few seconds more.
pytestmark = [pytest.mark.model, pytest.mark.slow]

# What a source distribution is made of (pyproject's readme and package find).
SOURCES = ("pyproject.toml", "README.md", "CHANGELOG.md", "SECURITY.md", "src")
# Local state that no user's copy would have: a warm model cache would skip the model.
NOT_COPIED = shutil.ignore_patterns(
    "__pycache__", "*.egg-info", ".summgate", ".pytest_cache", "build", "dist"
)
# The documented run (README, tests/test_examples.py): one case passes, three fail.
SEED_ID = json.loads((REPO / "examples" / "cnn_dm_chatgpt_row.jsonl").read_text())["id"]
OUTCOMES = sorted(
    [
        f"FAILED examples/cnn_dm_chatgpt_row.jsonl::{SEED_ID}",
        "PASSED examples/news.yaml::faithful-brief",
        "FAILED examples/news.yaml::off-topic-sentence",
        "FAILED examples/news.yaml::misses-the-story",
    ]
)

# Run by the fresh venv's interpreter: where the package and its schema are, and its version.
PROBE = """
import importlib.metadata, importlib.resources, json, pytest_summgate
dist = importlib.metadata.distribution("pytest-summgate")  # the first on sys.path
print(json.dumps({
    "file": pytest_summgate.__file__,
    "metadata": str(dist.locate_file("")),
    "pytest11": [ep.value for ep in dist.entry_points.select(group="pytest11")],
    "schema": str(importlib.resources.files("pytest_summgate") / "report-schema.json"),
    "version": pytest_summgate.__version__,
    "metadata_version": importlib.metadata.version("pytest-summgate"),
}))
"""


@dataclass(frozen=True)
class Installed:
    """A fresh venv with the built wheel installed, and a folder holding a copy of examples/."""

    dist: Path
    python: Path
    site: Path
    work: Path


def run(args: list[str | Path], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "COV_")) and k not in ("PYTHONPATH", "PYTHONHOME")
    }
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", COLUMNS="250")
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def checked(args: list[str | Path], cwd: Path) -> str:
    done = run(args, cwd)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("release")
    source, dist, venv, work = (root / name for name in ("source", "dist", "venv", "work"))
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=NOT_COPIED)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    # No isolation: this venv's setuptools builds it, offline. The wheel is built from the sdist.
    checked([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source], root)

    checked([sys.executable, "-m", "venv", "--without-pip", venv], root)
    python = venv / "bin" / "python"
    site = Path(checked([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                        root).strip())  # fmt: skip
    # This venv's packages after the fresh venv's own. A plain path line: the .pth files there
    # (the checkout's editable install among them) are not run, so src/ is not importable.
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    site.joinpath("summgate-test-venv.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    # --ignore-installed: the checkout's editable install is visible through that line.
    wheel = next(dist.glob("*.whl"))
    checked([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
             "--no-index", "--ignore-installed", "--disable-pip-version-check", wheel],
            root)  # fmt: skip

    # A third-party scorer package, installed as pip would: a module and its dist-info.
    install_entry_point_scorer(site)
    shutil.copytree(REPO / "examples", work / "examples", ignore=NOT_COPIED)
    return Installed(dist, python, site, work)


def test_twine_check_passes_on_the_sdist_and_the_wheel(installed: Installed) -> None:
    artifacts = sorted(installed.dist.iterdir())
    assert sorted(p.suffix for p in artifacts) == [".gz", ".whl"], artifacts
    out = checked([sys.executable, "-m", "twine", "check", "--strict", *artifacts], installed.work)
    assert out.count("PASSED") == 2, out


def test_the_installed_package_is_the_wheels_not_the_checkouts(installed: Installed) -> None:
    probe = json.loads(checked([installed.python, "-c", PROBE], installed.work))
    assert Path(probe["file"]).is_relative_to(installed.site), probe
    # The wheel's own metadata comes first, so pytest loads the plugin by its entry point.
    assert Path(probe["metadata"]) == installed.site, probe
    assert probe["pytest11"] == ["pytest_summgate.plugin"], probe
    assert Path(probe["schema"]).is_file(), probe
    # One version, from __init__.py into the metadata and the artifacts' names.
    assert probe["version"] == probe["metadata_version"], probe
    assert {p.name.split("-")[1].removesuffix(".tar.gz") for p in installed.dist.iterdir()} == {
        probe["version"]
    }


def test_pytest_help_lists_the_options(installed: Installed) -> None:
    out = checked([installed.python, "-m", "pytest", "--help"], installed.work)
    for option in ("--summgate ", "--summgate-report", "--summgate-threshold"):
        assert option in out


def test_the_examples_run_as_documented_with_the_report_and_an_entry_point_scorer(
    installed: Installed,
) -> None:
    report = installed.work / "report.json"
    done = run(
        [installed.python, "-m", "pytest", "--summgate", "examples/", "-p", "no:cacheprovider",
         "-rA", f"--summgate-report={report}"],
        installed.work, timeout=600,
    )  # fmt: skip
    lines = (done.stdout + done.stderr).splitlines()
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, "\n".join(lines[-80:])
    outcomes = [line for line in lines if line.startswith(("PASSED ", "FAILED "))]
    assert sorted(line.split(" - ")[0] for line in outcomes) == OUTCOMES
    assert "4 cases: 1 passed, 3 failed, 0 could not be checked" in lines
    assert not any("Traceback" in line for line in lines)

    # The report validates against the schema the wheel installed, not the checkout's.
    probe = json.loads(checked([installed.python, "-c", PROBE], installed.work))
    schema = json.loads(Path(probe["schema"]).read_text(encoding="utf-8"))
    document = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["summgate_version"] == probe["version"]
    # The scorer from the pytest_summgate.scorers entry point scored every case.
    assert len(document["cases"]) == 4
    assert [case["scores"].get("shouting") for case in document["cases"]] == [0.0] * 4
