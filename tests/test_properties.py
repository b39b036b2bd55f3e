"""Random bytes and random structures thrown at the loader: only the gate's own error comes out.

A case file is user input; whatever it holds, loading it gives cases, invalid cases, or a
:class:`~pytest_summgate.errors.CaseFileError` naming the file, never another exception.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_summgate.cases import FIELDS, Case, InvalidCase, load
from pytest_summgate.errors import CaseFileError

# Twice the profile's examples (CI: 200; the everyday loop: 40): the loader is the gate's
# widest input surface.
LOADER = settings(
    max_examples=2 * settings().max_examples,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SUFFIXES = st.sampled_from([".yaml", ".yml", ".jsonl"])

# Keys that reach the loader's code paths, plus threshold names and noise.
KEYS = st.sampled_from(
    [*FIELDS, "defaults", "cases", "fields", "faithfulness", "coverage", "max_words", "x", ""]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["off", "0.5", "The council voted.", " ", "::", "a::b"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=25,
)
# A row that is nearly a case, so validation goes deep rather than stopping at the shape.
ROWS = st.fixed_dictionaries(
    {"article": st.just("The council voted on Tuesday to build a bridge.") | VALUES},
    optional={name: VALUES for name in FIELDS if name != "article"},
)


def load_bytes(tmp_path: Path, suffix: str, data: bytes) -> list[Case | InvalidCase] | None:
    path = tmp_path / f"cases{suffix}"
    path.write_bytes(data)
    try:
        entries = load(path, path.name, {})
    except CaseFileError as error:
        problem = str(error)
    else:
        assert all(isinstance(e, (Case, InvalidCase)) for e in entries)
        assert all(e.location.startswith(f"{path.name}:") for e in entries)
        return entries
    assert problem.startswith(path.name)
    return None


@LOADER
@given(suffix=SUFFIXES, data=st.binary(max_size=400))
def test_random_bytes(tmp_path: Path, suffix: str, data: bytes) -> None:
    load_bytes(tmp_path, suffix, data)


@LOADER
@given(
    suffix=SUFFIXES,
    text=st.text(alphabet=st.sampled_from("-:[]{}&*!|>'\"#%@`,?<= \n\tab01."), max_size=120),
)
def test_random_yaml_and_json_punctuation(tmp_path: Path, suffix: str, text: str) -> None:
    load_bytes(tmp_path, suffix, text.encode())


@LOADER
@given(document=VALUES | st.lists(ROWS, max_size=4))
def test_random_yaml_structures(tmp_path: Path, document: Any) -> None:
    load_bytes(tmp_path, ".yaml", yaml.safe_dump(document, allow_unicode=True).encode())


@LOADER
@given(defaults=st.dictionaries(KEYS, VALUES, max_size=4), rows=st.lists(ROWS | VALUES, max_size=4))
def test_random_yaml_with_defaults(
    tmp_path: Path, defaults: dict[str, Any], rows: list[Any]
) -> None:
    document = {"defaults": defaults, "cases": rows}
    load_bytes(tmp_path, ".yaml", yaml.safe_dump(document, allow_unicode=True).encode())


@LOADER
@given(rows=st.lists(ROWS | VALUES, max_size=5))
def test_random_jsonl_rows_each_line_its_own_entry(tmp_path: Path, rows: list[Any]) -> None:
    lines = [json.dumps(row) for row in rows]
    entries = load_bytes(tmp_path, ".jsonl", "\n".join(lines).encode())
    assert entries is not None  # JSONL problems are a line's, never the file's
    assert [e.line for e in entries] == list(range(1, len(rows) + 1))
