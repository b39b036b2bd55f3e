"""Issue 14, class 5: the model cache never destroys what is not its own.

Only a file the gate made (its SQLite header carries the gate's application id, or, from an
earlier version, exactly the cache's tables) is used, or discarded when damaged. Anything
else at the path is left byte for byte as it was, the run goes on without a cache and says
so in one warning line: never a hang, never a traceback, never a file written elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import case, jsonl
from pytest_summgate import cache as cache_module
from pytest_summgate.cache import APPLICATION_ID, ModelCache
from test_scale import KEEP_CACHE

RECORD = {"faithfulness": 0.5}


def snapshot(folder: Path) -> dict[str, object]:
    """Everything under ``folder``: a file's bytes, a link's target, other entries' kinds."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            found[name] = "directory"
        elif path.is_file():
            found[name] = path.read_bytes()
        else:
            found[name] = oct(path.stat().st_mode)
    return found


# A hang guard, not a speed: a named pipe opened for reading waits forever, and anything that
# ends at all ends well within this, however loaded the machine.
HANG = 600


def within(seconds: float, work: Callable[[], object]) -> None:
    """Run ``work`` in a thread; fail if it is still running after ``seconds`` (a named pipe
    opened for reading waits for a writer forever) or raised."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as error:  # re-raised below, in the test's thread
            raised.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the cache hung for more than {seconds} s"
    if raised:
        raise raised[0]


def use(path: Path) -> ModelCache:
    """A cache at ``path`` after a run's worth of use: lookups, stores, lookups."""
    cache = ModelCache(path)

    def work() -> None:
        assert cache.get("m", ["one"]) == {}
        cache.put("m", {"one": np.ones(4, dtype=np.float32)})
        cache.put_records("s", {"k": RECORD})
        cache.get_records("s", ["k"])
        cache.close()

    within(HANG, work)
    return cache


def assert_refused(cache: ModelCache, path: Path) -> None:
    assert cache.problem.startswith(f"model cache {path} turned off: "), cache.problem
    assert cache.problem.endswith("left as it is (name a new file with --summgate-cache, or off)")
    assert "\n" not in cache.problem
    assert cache.get_records("s", ["k"]) == {}  # nothing was stored anywhere


def sqlite_file(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


CACHE_TABLES = (
    "CREATE TABLE vectors (key BLOB PRIMARY KEY, value BLOB NOT NULL, size INTEGER NOT NULL,"
    " used REAL NOT NULL)",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)",
    "INSERT INTO meta VALUES ('schema', '3')",
)

# Files a user may name by mistake, and databases of other programs.
FOREIGN_BYTES = {
    "markdown": b"# Notes\n\n- call Ana about the budget\n",
    "long-text": ("lorem ipsum dolor " * 10_000).encode(),
    "binary": bytes(range(256)) * 64,
    "empty": b"",
    "one-byte": b"\x00",
    "sqlite-magic-only": b"SQLite format 3\x00",
    "sqlite-magic-then-garbage": b"SQLite format 3\x00" + b"\xff" * 4000,
    "zip": b"PK\x03\x04" + bytes(200),
}
FOREIGN_DATABASES = {
    "notes-db": ("CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('keep me')"),
    "application-id-db": ("PRAGMA application_id = 42", "CREATE TABLE t (x)"),
    "wal-db": ("PRAGMA journal_mode=WAL", "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)"),
    "cache-tables-and-one-more": (*CACHE_TABLES, "CREATE TABLE notes (body TEXT)"),
    "cache-tables-other-columns": (
        "CREATE TABLE vectors (key BLOB PRIMARY KEY, value BLOB)",
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)",
    ),
    "cache-tables-other-application": ("PRAGMA application_id = 7", *CACHE_TABLES),
    "empty-db": ("PRAGMA user_version = 1",),
}


@pytest.mark.parametrize("content", FOREIGN_BYTES.values(), ids=FOREIGN_BYTES.keys())
def test_a_file_the_gate_did_not_make_is_left_as_it_is(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "NOTES.md"
    path.write_bytes(content)
    before = snapshot(tmp_path)
    cache = use(path)
    assert_refused(cache, path)
    assert snapshot(tmp_path) == before  # and no journal or temporary file beside it


@pytest.mark.parametrize("statements", FOREIGN_DATABASES.values(), ids=FOREIGN_DATABASES.keys())
def test_another_programs_database_is_left_as_it_is(
    tmp_path: Path, statements: tuple[str, ...]
) -> None:
    path = tmp_path / "app.db"
    sqlite_file(path, *statements)
    before = snapshot(tmp_path)
    cache = use(path)
    assert_refused(cache, path)
    assert snapshot(tmp_path) == before


def test_the_warning_says_what_the_file_is(tmp_path: Path) -> None:
    cases = {
        "notes.md": ("it is not an SQLite database, so not a cache the gate made", b"# x\n"),
        "empty": ("it is an empty file, not a cache the gate made", b""),
    }
    for name, (reason, content) in cases.items():
        (tmp_path / name).write_bytes(content)
        assert f"turned off: {reason};" in use(tmp_path / name).problem
    sqlite_file(tmp_path / "app.db", "PRAGMA application_id = 42")
    assert "of another program (application id 42)" in use(tmp_path / "app.db").problem
    (tmp_path / "folder").mkdir()
    assert "turned off: it is a directory;" in use(tmp_path / "folder").problem


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the socket file stays


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text("mine")


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere" / "models.sqlite")


def _link_to_user_file(path: Path) -> None:
    (path.parent / "thesis.tex").write_text("\\documentclass{article}")
    path.symlink_to(path.parent / "thesis.tex")


def _link_to_directory(path: Path) -> None:
    (path.parent / "photos").mkdir()
    path.symlink_to(path.parent / "photos")


def _link_to_fifo(path: Path) -> None:
    os.mkfifo(path.parent / "pipe")
    path.symlink_to(path.parent / "pipe")


def _device(path: Path) -> None:
    """A null device of the test's own: a regression must never reach the real /dev/null
    (the cache of issue 14 unlinked a device it could not read, and made a file there)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError) as error:
        pytest.skip(f"cannot make a device node here: {error}")


def _link_to_device(path: Path) -> None:
    _device(path.parent / "null")
    path.symlink_to(path.parent / "null")


NOT_FILES = {
    "fifo": _fifo,
    "socket": _socket,
    "device": _device,
    "directory": _directory,
    "dangling-symlink": _dangling,
    "symlink-to-user-file": _link_to_user_file,
    "symlink-to-directory": _link_to_directory,
    "symlink-to-fifo": _link_to_fifo,
    "symlink-to-device": _link_to_device,
}


def _stray_journal(path: Path) -> None:
    Path(f"{path}-wal").write_text("my notes, named oddly")


def _journal_is_a_fifo(path: Path) -> None:
    use(path)  # a cache of the gate's
    os.mkfifo(f"{path}-wal")


def _journal_links_to_a_user_file(path: Path) -> None:
    use(path)
    (path.parent / "thesis.tex").write_text("\\documentclass{article}")
    Path(f"{path}-shm").symlink_to(path.parent / "thesis.tex")


JOURNALS = {
    "journal-without-database": _stray_journal,
    "journal-is-a-fifo": _journal_is_a_fifo,
    "journal-links-to-a-user-file": _journal_links_to_a_user_file,
}


NOT_THE_CACHES = {**NOT_FILES, **JOURNALS}


@pytest.mark.parametrize("make", NOT_THE_CACHES.values(), ids=NOT_THE_CACHES.keys())
def test_a_path_or_journal_that_is_not_the_caches_is_left_as_it_is(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    path = tmp_path / "models.sqlite"
    make(path)
    before = snapshot(tmp_path)
    assert_refused(use(path), path)
    assert snapshot(tmp_path) == before  # the dangling link's target was not made either


@pytest.fixture
def immutable() -> Iterator[Callable[[Path], None]]:
    """Marks a path immutable (chattr +i: not even root may write, rename or remove it, or
    add to a folder), unmarked afterwards; skips where the file system or user cannot."""
    marked: list[Path] = []

    def mark(path: Path) -> None:
        chattr = shutil.which("chattr")
        done = subprocess.run([chattr or "chattr", "+i", str(path)], capture_output=True)
        if chattr is None or done.returncode:
            pytest.skip(f"cannot make a file immutable here: {done.stderr!r}")
        marked.append(path)

    yield mark
    for path in marked:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_an_immutable_cache_turns_the_cache_off(
    tmp_path: Path, immutable: Callable[[Path], None]
) -> None:
    path = tmp_path / "models.sqlite"
    use(path)
    before = path.read_bytes()
    immutable(path)
    cache = use(path)
    assert cache.problem.startswith(f"model cache {path} turned off: "), cache.problem
    assert path.read_bytes() == before


def test_an_immutable_user_file_is_left_as_it_is(
    tmp_path: Path, immutable: Callable[[Path], None]
) -> None:
    path = tmp_path / "NOTES.md"
    path.write_text("# notes\n")
    immutable(path)
    assert_refused(use(path), path)
    assert path.read_text() == "# notes\n"


def test_a_read_only_user_file_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "NOTES.md"
    path.write_text("# notes\n")
    path.chmod(0o444)
    assert_refused(use(path), path)
    assert path.read_text() == "# notes\n"


@pytest.mark.parametrize("existing", [False, True], ids=["no-cache-yet", "cache-inside"])
def test_a_folder_that_cannot_be_written_turns_the_cache_off(
    tmp_path: Path, immutable: Callable[[Path], None], existing: bool
) -> None:
    folder = tmp_path / "caches"
    folder.mkdir()
    if existing:
        use(folder / "models.sqlite")
    before = snapshot(tmp_path)
    immutable(folder)
    cache = use(folder / "models.sqlite")
    assert cache.problem.startswith(f"model cache {folder / 'models.sqlite'} turned off: ")
    if not existing:
        assert cache.problem.endswith(f"cannot make a file in {folder}: Operation not permitted")
    assert snapshot(tmp_path) == before


# -- the gate's own files ------------------------------------------------------------------


def header(path: Path) -> bytes:
    return path.read_bytes()[:100]


def test_a_new_cache_carries_the_gates_application_id(tmp_path: Path) -> None:
    path = tmp_path / "models.sqlite"
    assert use(path).problem == ""
    assert int.from_bytes(header(path)[68:72], "big") == APPLICATION_ID
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models.sqlite"]  # no temporary left
    again = ModelCache(path)
    assert again.get_records("s", ["k"]) == {"k": RECORD}
    assert again.problem == ""


def test_a_failed_creation_leaves_nothing_at_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(db: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(cache_module, "_make_tables", fail)
    cache = use(tmp_path / "models.sqlite")
    assert cache.problem.endswith("turned off: database or disk is full")
    assert list(tmp_path.iterdir()) == []  # no half-made cache to refuse on the next run


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "no-hard-links"])
def test_a_file_made_at_the_path_meanwhile_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    path = tmp_path / "models.sqlite"
    real_link = os.link

    def link(source: str | Path, target: str | Path) -> None:
        Path(target).write_text("the user's file, made a moment ago")
        if links:
            real_link(source, target)
        raise PermissionError(1, "Operation not permitted")  # as on a FAT or SMB mount

    monkeypatch.setattr(os, "link", link)
    assert_refused(use(path), path)
    assert path.read_text() == "the user's file, made a moment ago"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models.sqlite"]


def test_without_hard_links_the_cache_is_copied_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def link(source: str | Path, target: str | Path) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", link)
    path = tmp_path / "models.sqlite"
    assert use(path).problem == ""
    assert ModelCache(path).get_records("s", ["k"]) == {"k": RECORD}


def legacy(path: Path, schema: str) -> None:
    """A cache as versions before the application id wrote it: same tables, id 0."""
    use(path)
    sqlite_file(path, "PRAGMA application_id = 0", f"UPDATE meta SET value = '{schema}'")
    assert header(path)[68:72] == bytes(4)


def test_a_cache_of_an_earlier_version_is_kept_and_marked(tmp_path: Path) -> None:
    path = tmp_path / "models.sqlite"
    legacy(path, "3")
    cache = ModelCache(path)
    assert cache.get_records("s", ["k"]) == {"k": RECORD}  # its records are still used
    assert cache.problem == ""
    cache.close()
    assert int.from_bytes(header(path)[68:72], "big") == APPLICATION_ID


def test_a_cache_of_an_earlier_schema_is_made_anew(tmp_path: Path) -> None:
    path = tmp_path / "models.sqlite"
    legacy(path, "2")
    cache = ModelCache(path)
    assert cache.get_records("s", ["k"]) == {}
    assert cache.problem == ""
    cache.put_records("s", {"k": RECORD})
    cache.close()
    assert int.from_bytes(header(path)[68:72], "big") == APPLICATION_ID


def _truncate_half(data: bytearray) -> bytearray:
    return data[: len(data) // 2]


def _truncate_to_header(data: bytearray) -> bytearray:
    return data[:100]


def _garbage_page(data: bytearray) -> bytearray:
    data[4096:8192] = b"\x07" * 4096
    return data


def _garbage_page_size(data: bytearray) -> bytearray:
    data[16:18] = b"\x00\x03"  # not a power of two
    return data


def _garbage_schema_page(data: bytearray) -> bytearray:
    data[100:4096] = b"\xee" * 3996  # page 1 past the header: the table of tables
    return data


DAMAGES = {
    "truncated-half": _truncate_half,
    "truncated-to-header": _truncate_to_header,
    "garbage-page": _garbage_page,
    "garbage-page-size": _garbage_page_size,
    "garbage-schema-page": _garbage_schema_page,
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_cache_of_the_gates_is_made_anew(
    tmp_path: Path, damage: Callable[[bytearray], bytearray]
) -> None:
    path = tmp_path / "models.sqlite"
    writer = ModelCache(path)
    writer.put_records("s", {f"k{n}": {"value": n, "pad": "x" * 900} for n in range(300)})
    writer.close()
    path.write_bytes(bytes(damage(bytearray(path.read_bytes()))))
    cache = ModelCache(path)
    within(HANG, lambda: cache.get_records("s", ["k1"]))
    assert cache.problem == ""
    assert cache.get_records("s", [f"k{n}" for n in range(300)]) == {}  # a new, empty cache
    cache.put_records("s", {"k": RECORD})
    assert cache.get_records("s", ["k"]) == {"k": RECORD}
    cache.close()
    assert int.from_bytes(header(path)[68:72], "big") == APPLICATION_ID


# -- a run with such a path ---------------------------------------------------------------


def _notes(path: Path) -> None:
    path.write_text("# Notes\n\nthe plan for Tuesday\n")


def _other_database(path: Path) -> None:
    sqlite_file(path, "CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('keep')")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


RUN_INPUTS = {
    "markdown": _notes,
    "other-database": _other_database,
    "empty-file": _empty,
    "directory": _directory,
    "dangling-symlink": _dangling,
    "symlink-to-user-file": _link_to_user_file,
    "fifo": _fifo,
    "device": _device,
    "symlink-to-device": _link_to_device,
}
# Inputs that could block a process: only ever run in a subprocess with a timeout.
BLOCKING = {"fifo", "device", "symlink-to-device"}


@pytest.mark.parametrize("name", RUN_INPUTS)
def test_a_run_with_such_a_cache_path_passes_with_one_warning(
    gate: pytest.Pytester, name: str
) -> None:
    gate.makeconftest(KEEP_CACHE)
    gate.makefile(".jsonl", cases=jsonl(*(case(id=f"c{n}") for n in range(3))))
    (gate.path / "work").mkdir()
    path = gate.path / "work" / "NOTES.md"
    RUN_INPUTS[name](path)
    before = snapshot(gate.path / "work")
    args = ["--summgate", f"--summgate-cache={path}", "-p", "no:cacheprovider", "cases.jsonl"]
    if name in BLOCKING:
        result = gate.runpytest_subprocess(*args, timeout=120)
    else:
        result = gate.runpytest(*args)
    result.assert_outcomes(passed=3)
    assert result.ret == 0
    warnings = [line for line in result.outlines if line.startswith("warning: model cache")]
    assert len(warnings) == 1, result.outlines
    assert "work/NOTES.md turned off: " in warnings[0]
    assert warnings[0].endswith("left as it is (name a new file with --summgate-cache, or off)")
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert snapshot(gate.path / "work") == before


@pytest.mark.slow  # xdist workers: a second a run
def test_workers_leave_a_user_file_as_it_is_and_say_so_once(gate: pytest.Pytester) -> None:
    gate.makeconftest(KEEP_CACHE)
    gate.makefile(".jsonl", cases=jsonl(*(case(id=f"c{n}") for n in range(4))))
    gate.path.joinpath("NOTES.md").write_text("# Notes\n")
    result = gate.runpytest(
        "--summgate", "--summgate-cache=NOTES.md", "-p", "no:cacheprovider", "-n", "2"
    )
    result.assert_outcomes(passed=4)
    assert result.stdout.str().count("warning: model cache") == 1
    assert gate.path.joinpath("NOTES.md").read_text() == "# Notes\n"
    assert sorted(p.name for p in gate.path.iterdir() if p.name.startswith("NOTES")) == ["NOTES.md"]
