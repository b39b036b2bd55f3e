"""Reading a YAML case file: libyaml's parser when PyYAML was built with it, PyYAML's otherwise.

The parser only turns the text into events (the costly part: six times faster in C). Nodes and
values are made from the events by PyYAML's Python composer and safe constructor either way,
with the gate's guards on them:

- nesting deeper than :data:`MAX_DEPTH` is an error at its line (the composer recurses once
  per level);
- an alias in a sequence keeps the line where it stands (``- *base`` is a case at that line);
- a whole number too long for Python is a :class:`LongNumber`, and a key written twice in one
  mapping a :class:`DuplicateKey`: the case (or file) that holds it is the error, no other;
- each value of a mapping that YAML read as other than text is remembered :class:`Written`
  as it was written, so that ``010`` (8 to YAML 1.1) or ``no`` (false) is refused where a
  number, an id or ``off`` is taken from it;
- safe tags only.

A file libyaml refuses is read again by PyYAML's own parser: errors read as they always did, and
what PyYAML reads but libyaml refuses (a ``"\\ud800"`` escape, that case's error) is still read.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from .errors import quote

try:
    from yaml._yaml import CParser

    LIBYAML = True
except ImportError:  # PyYAML built without libyaml
    LIBYAML = False
# Levels a case file may nest. A case is 4 levels deep (file, case, highlights, text): 100
# leaves room for any dataset's nested metadata, and keeps every walk of a row far from
# Python's recursion limit.
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_MERGE = _TAG + "merge"
# Scalars YAML reads as other than text (``str`` is text, and a mapping or list is no scalar).
_NOT_TEXT = {_TAG + kind for kind in ("bool", "int", "float", "null", "timestamp")}
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_OCTAL = re.compile(r"[-+]?0[0-7_]+")


class Unusable:
    """A value read from a case file that the case holding it cannot use; ``problem`` says
    why. A file's walk of each case (``case_rows.shape_problem``) finds it at any depth."""

    problem = ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.problem!r})"


class LongNumber(Unusable):
    """A whole number too long for Python to read (over 4,300 digits)."""

    def __init__(self, digits: int) -> None:
        self.digits = digits
        self.problem = f"a whole number of {digits} digits, too long to read"


class DuplicateKey(Unusable):
    """The value of a key written twice in one mapping: YAML would keep the last silently."""

    def __init__(self, key: object, where: str, line: int, first: int) -> None:
        self.line = line
        self.problem = (
            f"duplicate key {quote(key)} at {where}:{line} (first at line {first}): "
            f"a mapping holds each key once"
        )


@dataclass(frozen=True)
class Written:
    """A mapping's value as written, where YAML read it as other than text."""

    text: str
    line: int
    kind: str  # bool, int, float, null or timestamp
    value: object

    def reading(self) -> str:
        """What YAML 1.1 reads when that is not what the text looks like (``010`` is the
        octal number 8, ``1:30`` is 90, ``no`` is false), or ""."""
        text, value = self.text, self.value
        if self.kind == "bool":
            return f"the boolean {str(value).lower()}"
        if self.kind == "timestamp":
            return f"a date ({value})"
        if self.kind == "int" and not _DECIMAL_INT.fullmatch(text):
            return f"{_base(text)} {value}" if not isinstance(value, Unusable) else ""
        if self.kind == "float" and not (
            _DECIMAL_FLOAT.fullmatch(text) or text.lower().lstrip("+-") in (".inf", ".nan")
        ):
            return f"{_base(text)} {value}"
        return ""


def _base(text: str) -> str:
    lower = text.lower()
    if "0x" in lower:
        return "the hexadecimal number"
    if "0b" in lower:
        return "the binary number"
    if ":" in text:
        return "the base-60 number"
    if _OCTAL.fullmatch(text):
        return "the octal number"
    return "the number"  # underscores dropped, or a sign


@dataclass
class Document:
    """A YAML file read: its root node (None for an empty file), its value, and what the
    gate needs of its nodes."""

    root: yaml.Node | None
    data: Any
    # (id of a sequence node, index): the line of an alias standing there
    alias_lines: dict[tuple[int, int], int]
    # id of a mapping read: {key: its value as written}, for values YAML read as no text
    written: dict[int, dict[Hashable, Written]]

    def as_written(self, mapping: Mapping[Any, Any], key: object) -> Written | None:
        """``mapping[key]`` as written, when YAML read it as other than text."""
        values = self.written.get(id(mapping))
        return values.get(key) if values is not None and isinstance(key, Hashable) else None


def read(text: str, where: str, libyaml: bool = True) -> Document:
    """The document of ``text`` (``where`` names the file in messages), parsed by libyaml
    when it is installed (and ``libyaml``). Raises ``yaml.YAMLError`` with a mark when it
    cannot be read."""
    if libyaml and LIBYAML:
        try:
            return _read(_LibyamlLoader(text, where))
        except _Refused:
            raise
        except yaml.YAMLError:
            pass  # read again below, for PyYAML's message (or PyYAML's reading)
    return _read(_PythonLoader(text, where))


def _read(loader: _Guards) -> Document:
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return Document(root, data, loader.alias_lines, loader.written)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a case file is read and its cases made: that
    makes millions of objects and no reference cycle (but what a file's own aliases make,
    collected later), and each pass of the collector walks all of them. It halves the time
    of a 50 MB file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Refused(ComposerError):
    """A file the gate refuses (nested too deep): not read again by the other parser."""


class _Guards(Composer, SafeConstructor):
    """The composer and constructor of both loaders, with the gate's guards."""

    if TYPE_CHECKING:  # the parser of each loader (PyYAML's or libyaml's) gives these

        def check_event(self, *choices: Any) -> bool: ...
        def peek_event(self) -> yaml.Event: ...
        def dispose(self) -> None: ...

    def guard(self, where: str) -> None:
        self.where = where
        self.depth = 0
        self.alias_lines: dict[tuple[int, int], int] = {}
        self.written: dict[int, dict[Hashable, Written]] = {}
        # Each mapping's pairs as written: merging (``<<: *base``) rewrites a node's pairs.
        self.pairs: dict[int, list[tuple[yaml.Node, yaml.Node]]] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # An alias composes to its anchor's node, marks and all: ``- *base`` would be
        # reported at the anchor's line. In a mapping, index is the key's node.
        if isinstance(index, int) and self.check_event(yaml.AliasEvent):
            alias: Any = self.peek_event().start_mark  # a Python or a libyaml mark
            self.alias_lines[(id(parent), index)] = alias.line + 1
        # Composing recurses once per level: 5,000 nested brackets would be a RecursionError.
        if self.depth >= MAX_DEPTH + 2:  # the file's own mapping and its 'cases:' list
            mark: Any = self.peek_event().start_mark
            raise _Refused(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        node = super().compose_mapping_node(anchor)
        self.pairs[id(node)] = list(node.value)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[Hashable, int] = {}
        repeated: list[tuple[Hashable, int]] = []
        for key_node, _ in self.pairs.get(id(node)) or node.value or []:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeConstructor refuses it below
            line = key_node.start_mark.line + 1
            if key in first:
                repeated.append((key, line))
            else:
                first[key] = line
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        for key, line in repeated:
            mapping[key] = DuplicateKey(key, self.where, line, first[key])
        return mapping

    def construct_yaml_map(self, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:  # type: ignore[override]
        data: dict[Any, Any] = {}
        yield data
        data.update(self.construct_mapping(node))
        written: dict[Hashable, Written] = {}
        for key_node, value_node in node.value:  # merged pairs first, then its own
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag in _NOT_TEXT:
                key = self.construct_object(key_node)
                if isinstance(key, Hashable):
                    written[key] = Written(
                        str(value_node.value),
                        value_node.start_mark.line + 1,
                        value_node.tag.removeprefix(_TAG),
                        self.construct_object(value_node),
                    )
        if written:
            self.written[id(data)] = written

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int | LongNumber:  # type: ignore[override]
        try:
            number: int = super().construct_yaml_int(node)
        except ValueError:  # over Python's limit of 4,300 digits
            return LongNumber(len(str(node.value).lstrip("+-").replace("_", "")))
        return number

    # The constructors by tag: SafeConstructor's, with these two in place of its own.
    yaml_constructors: ClassVar[dict[Any, Any]] = {
        **SafeConstructor.yaml_constructors,
        _TAG + "int": construct_yaml_int,
        _TAG + "map": construct_yaml_map,
    }


class _PythonLoader(_Guards, Reader, Scanner, Parser, Resolver):
    def __init__(self, text: str, where: str) -> None:
        # The reader checks the characters here: a control character (a NUL byte) is a
        # YAMLError from the constructor of the loader, not from parsing.
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.guard(where)


if LIBYAML:

    class _LibyamlLoader(_Guards, CParser, Resolver):
        """libyaml's events under the Python composer: the composer's guards hold, and the
        parsing, most of the time, is C's."""

        def __init__(self, text: str, where: str) -> None:
            CParser.__init__(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self.guard(where)


# A YAML mapping's value as written, when YAML read it as no text (nothing for JSONL).
AsWritten = Callable[[Mapping[Any, Any], object], Written | None]


def nothing_written(mapping: Mapping[Any, Any], key: object) -> None:
    return None


def misread(written: Written, display: str, reading: str) -> str:
    """``is written '010' at c.yaml:7, which YAML 1.1 reads as the octal number 8``."""
    return (
        f"is written {quote(written.text)} at {display}:{written.line}, which YAML 1.1 "
        f"reads as {reading}"
    )
