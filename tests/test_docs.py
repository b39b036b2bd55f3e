"""The documentation a user navigates: README.md is the front door, docs/ the MkDocs reference.

Every relative link of README.md and of the docs pages must reach a file of the repository,
and its ``#anchor`` a heading of that file (as GitHub and MkDocs make anchors), so a section
that moves or is renamed breaks a test here, not a reader's click. ``mkdocs build --strict``
(in ``.ci/run``) checks the site as MkDocs builds it; this needs no MkDocs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO

DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
LINK = re.compile(r"(?<!!)\[(?P<label>[^\]]*)\]\((?P<target>[^)\s]+)\)")
FENCE = re.compile(r"^(`{3,}|~{3,})")


def prose(text: str, spans: bool = False) -> str:
    """The text outside code fences and (unless ``spans``) code spans: links there are
    examples, not links."""
    kept: list[str] = []
    fence = ""
    for line in text.splitlines():
        opened = FENCE.match(line.lstrip())
        if fence:
            if opened and opened.group(1).startswith(fence) and not line.strip()[len(fence) :]:
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        kept.append(line if spans else re.sub(r"(`+).*?\1", "", line))
    return "\n".join(kept)


def slug(heading: str) -> str:
    """The anchor GitHub and MkDocs's toc give a heading (the same for the headings here)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = prose(path.read_text(encoding="utf-8"), spans=True)
    headings = re.findall(r"^#{1,6} (.+)$", text, re.M)
    return {slug(heading) for heading in headings}


def links(path: Path) -> list[tuple[str, str]]:
    found = LINK.finditer(prose(path.read_text(encoding="utf-8")))
    return [(m["label"], m["target"]) for m in found]


def broken_links(path: Path) -> list[str]:
    broken = []
    for label, target in links(path):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not this repository's
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            broken.append(f"[{label}]({target}): no file {file}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"[{label}]({target}): no heading #{anchor} in {dest.name}")
    return broken


@pytest.mark.parametrize("path", [REPO / "README.md", *PAGES], ids=lambda p: p.name)
def test_every_link_reaches_its_file_and_heading(path: Path) -> None:
    assert broken_links(path) == []


def test_a_broken_anchor_is_found(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A page\n\n## Suite gates\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(
        "See [gates](a.md#suite-gates), [gone](a.md#suite-gate), [nowhere](c.md)\n"
        "and `[in code](c.md)`.\n\n```\n[in a fence](c.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(tmp_path / "b.md") == [
        "[gone](a.md#suite-gate): no heading #suite-gate in a.md",
        "[nowhere](c.md): no file c.md",
    ]


def test_the_site_lists_every_page_and_builds_strictly() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True
    assert config["theme"]["name"] == "material"
    assert all(config["validation"][kind] == "warn" for kind in ("anchors", "unrecognized_links"))
    listed = sorted(page for entry in config["nav"] for page in entry.values())
    assert listed == sorted(page.name for page in PAGES)


def test_the_readme_leads_to_every_reference_page() -> None:
    readme = {target.partition("#")[0] for _, target in links(REPO / "README.md")}
    pages = {f"docs/{page.name}" for page in PAGES}
    # Security and benchmarks are the repository's own SECURITY.md and bench/README.md,
    # which the README names by those paths (docs/ holds links to them).
    assert pages - readme == {"docs/security.md", "docs/benchmarks.md"}
    assert {"SECURITY.md", "bench/README.md"} <= readme


def test_the_readme_keeps_the_front_door_only() -> None:
    """Pitch, the two commands, a walk-through and links; the reference lives in docs/."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", prose(readme), re.M)
    assert sections == ["Documentation", "A five-minute walk-through", "Development"]
