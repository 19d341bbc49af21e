"""YAML to plain data, with the line and column of everything.

The only importer of yaml. A file is read as YAML 1.2 with the core schema, as
editors read it (only true/false are booleans, `NO` and `12:30` are text),
composed into nodes with PyYAML's C parser (its pure-Python one where libyaml
is missing), and turned into plain data while recording where each key and
value starts. Duplicate keys, tags, merge keys and aliases are refused, and so
are files too large or too deep. Nothing here raises for bad input.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from generator.findings import Finding
from generator.format.secrets import redact

MAX_BYTES = 1_000_000  # the largest client seen is ~20 KB; anything near this is a mistake
MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_TEXT = 10_000
"""The longest value or key, in characters: a few pages of text. Longer ones are
refused before any pattern looks at them."""
MAX_NUMBER = 100
"""The most digits a plain scalar is read as a number with; a longer run of
digits stays text (Python reads no integer of more than 4,300 digits, and no
field takes a number anywhere near this long)."""

Path_ = tuple[str | int, ...]
Position = tuple[int, int]


class SourceInt(int):
    """An integer read from a plain scalar, with its spelling (0255 is text where text is meant)."""

    source: str


class SourceFloat(float):
    source: str


@dataclass(slots=True)
class SourceMap:
    """Where each value (and each mapping key) of a file starts, 1-based."""

    values: dict[Path_, Position] = field(default_factory=dict)
    keys: dict[Path_, Position] = field(default_factory=dict)

    def locate(self, path: Path_) -> Position:
        """The value at `path`, or, for a path that is not in the file, its nearest parent's key."""
        if path in self.values:
            return self.values[path]
        while path:
            path = path[:-1]
            if path in self.values:
                return self.keys.get(path, self.values[path])
        return (1, 1)

    def key(self, path: Path_) -> Position:
        return self.keys.get(path) or self.locate(path)


# ------------------------------------------------------------------ YAML 1.2

_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_PLAIN, _QUOTED = "?plain", "?quoted"


class _PyParser(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer
):
    """PyYAML's pure-Python parser, for installations without libyaml."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)


_Parser: type = getattr(getattr(yaml, "cyaml", None), "CParser", None) or _PyParser


class _Composer(_Parser):  # type: ignore[misc]
    """Composes nodes only; tags the YAML did not state are marked, never guessed."""

    def __init__(self, text: str) -> None:
        super().__init__(text)

    def descend_resolver(self, *_: Any) -> None:
        pass

    def ascend_resolver(self, *_: Any) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and not implicit[0]:
            return _QUOTED
        return _PLAIN


_WORDS: dict[str, Any] = {"": None, "~": None, "null": None, "Null": None, "NULL": None, **_BOOL}
_NUMBER_START = frozenset("-+.0123456789")


def _scalar(node: yaml.ScalarNode) -> Any:
    value: str = node.value
    if node.style or node.tag == _QUOTED:
        return value
    if value in _WORDS:
        return _WORDS[value]
    if value[0] not in _NUMBER_START:  # most values: text, no pattern can match
        return value
    if len(value) > MAX_NUMBER:
        return value
    if _INT.fullmatch(value):
        base = 8 if value.startswith("0o") else 16 if value.startswith("0x") else 10
        number = SourceInt(int(value[2:] if base != 10 else value, base))
        number.source = value
        return number
    if _FLOAT.fullmatch(value):
        real = SourceFloat(
            value.replace(".inf", "inf")
            .replace(".Inf", "inf")
            .replace(".INF", "inf")
            .replace(".nan", "nan")
            .replace(".NaN", "nan")
            .replace(".NAN", "nan")
        )
        real.source = value
        return real
    return value


@dataclass(slots=True)
class _Reader:
    """Turns a node tree into plain data, recording positions and refusing YAML's extras."""

    file: str
    problems: list[Finding]
    source: SourceMap = field(default_factory=SourceMap)
    seen: set[int] = field(default_factory=set)
    count: int = 0
    aliases: bool = False
    too_large: bool = False
    untrusted: bool = False  # a value too long to look at

    def problem(self, node: yaml.Node, code: str, message: str, hint: str | None = None) -> None:
        mark = node.start_mark
        self.problems.append(
            Finding(self.file, mark.line + 1, mark.column + 1, code, "error", redact(message), hint)
        )

    def read(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        mark = node.start_mark
        self.source.values[path] = (mark.line + 1, mark.column + 1)
        if id(node) in self.seen:
            # An alias: the same node again. Reported where each alias is written, below.
            self.aliases = True
            return None
        self.seen.add(id(node))
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            if not self.too_large:
                self.problem(
                    node,
                    "schema/too-large",
                    "the document is nested too deeply or has too many values",
                )
            self.too_large = True
            return None
        if node.tag != _PLAIN and node.tag != _QUOTED:
            self.problem(
                node,
                "schema/tag",
                f"{dotted(path) or 'the document'} has the tag {node.tag!r}",
                "remove the tag: Tripod files use plain YAML values only",
            )
        kind = type(node)
        if kind is yaml.ScalarNode:
            if len(node.value) > MAX_TEXT:
                self.too_long(node, dotted(path) or "the document")
                return None
            return _scalar(cast(yaml.ScalarNode, node))
        depth += 1
        if kind is yaml.SequenceNode:
            # Tuples: the models are frozen, and strict validation takes lists as tuples only.
            return tuple([self.read(item, (*path, i), depth) for i, item in enumerate(node.value)])
        result: dict[str, Any] = {}
        keys = self.source.keys
        for key_node, value_node in node.value:
            key = self.key(key_node, path)
            if key is None:
                continue
            key_path = (*path, key)
            if key in result:
                first = keys[key_path]
                self.problem(
                    key_node,
                    "schema/duplicate-key",
                    f"{key!r} appears twice in {dotted(path) or 'the document'} (first on line {first[0]})",
                    "YAML keeps only the last one: remove one of them",
                )
                continue
            mark = key_node.start_mark
            keys[key_path] = (mark.line + 1, mark.column + 1)
            result[key] = self.read(value_node, key_path, depth)
        return result

    def too_long(self, node: yaml.Node, where: str) -> None:
        self.untrusted = True
        self.problem(
            node,
            "schema/too-long",
            f"{where}: the value is {len(node.value):,} characters long; "
            f"a value is at most {MAX_TEXT:,}",
            "shorten it: keep long documents elsewhere and name them here",
        )

    def key(self, node: yaml.Node, path: Path_) -> str | None:
        if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_TEXT:
            self.too_long(node, f"a key in {dotted(path) or 'the document'}")
            return None
        if type(node) is yaml.ScalarNode and not node.style and node.tag == _PLAIN:
            value: str = node.value
            if value and value[0] not in _NUMBER_START and value not in _WORDS and value != "<<":
                return value  # the usual key: a plain name
        if not isinstance(node, yaml.ScalarNode):
            self.problem(
                node, "schema/bad-key", f"a key in {dotted(path) or 'the document'} is not a name"
            )
            return None
        if node.tag == _PLAIN and node.value == "<<" and not node.style:
            self.problem(
                node, "schema/merge-key", "merge keys (<<) are not allowed", "write the fields out"
            )
            return None
        value = _scalar(node)
        if isinstance(value, SourceInt | SourceFloat):
            value = value.source  # a numeric id such as 2024 is a name here
        if not isinstance(value, str):
            self.problem(
                node,
                "schema/bad-key",
                f"the key {node.value!r} in {dotted(path) or 'the document'} is not a field name",
            )
            return None
        return value


def _decode(raw: bytes, file: str) -> str | Finding:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        return Finding(
            file,
            line,
            column,
            "schema/encoding",
            "error",
            f"the file is not UTF-8 (byte 0x{raw[e.start]:02x})",
            "save it as UTF-8",
        )


def _at(text: str, index: int) -> Position:
    """1-based line and column of a character index."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# YAML 1.1 (and so libyaml) breaks lines at these too; YAML 1.2 and editors do not.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


def _line(text: str, line: int) -> str:
    """The text of a 0-based line."""
    start = 0
    for _ in range(line):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)].rstrip("\r")


_KEY = re.compile(r"^\s*(?:- +)?[^#\s][^#]*?:(?:\s|$)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _previous_line(text: str, line: int) -> tuple[int, str] | None:
    """The 0-based number and text of the last line before `line` with content."""
    for number in range(line - 1, -1, -1):
        content = _line(text, number)
        if content.strip() and not content.lstrip().startswith("#"):
            return number, content
    return None


def _explain(e: yaml.MarkedYAMLError, text: str) -> tuple[Position, str, str | None]:
    """PyYAML's complaint as a person reads it: at the line where the mistake
    is (PyYAML often notices it on the next one) and, for the usual mistakes,
    in words that say what to do."""
    mark = e.problem_mark or e.context_mark
    started = e.context_mark
    context = e.context or ""
    problem = e.problem or "cannot be parsed"
    if mark is None:
        return (1, 1), problem, None
    at = (mark.line + 1, mark.column + 1)
    line = _line(text, mark.line)
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" in indent and (mark.column <= len(indent) or "tab" in problem):
        return (
            (mark.line + 1, indent.index("\t") + 1),
            "a tab in the indentation",
            "indent with spaces, not tabs: YAML does not allow tabs there",
        )
    later = started is not None and started.line < mark.line
    if (
        started is not None
        and context == "while scanning a simple key"
        and not later
        and mark.index - started.index > 1024
    ):
        return (
            (started.line + 1, started.column + 1),
            "a key longer than 1,024 characters",
            "a key is a field name: write the text as a value",
        )
    if started is not None and later and context == "while scanning a simple key":
        return (
            (started.line + 1, started.column + 1),
            "this line has a key without a ':' after it",
            "write key: value, with a space after the colon",
        )
    if started is not None and later and context == "while scanning a quoted scalar":
        quote = _line(text, started.line)[started.column : started.column + 1]
        return (
            (started.line + 1, started.column + 1),
            f"the quoted value that starts here is never closed with {quote}",
            "close the quote; inside '...' a ' is written ''"
            if quote == "'"
            else 'close the quote; inside "..." a " is written \\"',
        )
    if started is not None and later and context.startswith("while parsing a flow "):
        bracket = _line(text, started.line)[started.column : started.column + 1]
        closing = {"[": "]", "{": "}"}.get(bracket, "")
        return (
            (started.line + 1, started.column + 1),
            f"the {bracket} here is never closed with {closing}",
            f"close it with {closing} on this line, or separate its entries with commas",
        )
    if problem.startswith("mapping values are not allowed"):
        if ": " in line[: mark.column] or line[: mark.column].rstrip().endswith(":"):
            return (
                at,
                "the value contains ': ', which YAML reads as another key",
                'quote the value, like key: "value: with colon"',
            )
        previous = _previous_line(text, mark.line)
        deeper = previous is not None and len(indent) > _indent(previous[1])
        if previous is not None and not deeper and not _KEY.search(previous[1]):
            number, content = previous
            return (
                (number + 1, len(content) - len(content.lstrip()) + 1),
                "this line has a key without a ':' after it",
                "write key: value, with a space after the colon",
            )
        return (
            at,
            "a key inside a value: this line is indented further than the key above",
            "indent it like the keys above, or quote a value that contains ': '",
        )
    message = problem
    if context:
        where = (
            f" that starts on line {started.line + 1}"
            if context.startswith("while parsing") and later and started is not None
            else ""
        )
        message += f" ({context}{where})"
    hint = None
    if "cannot start any token" in problem and line[mark.column : mark.column + 1] in ("@", "`"):
        hint = "quote the value: @ and ` cannot start a plain YAML value"
    elif problem == "did not find expected key" and line[mark.column - 1 : mark.column] == "'":
        hint = "inside '...' a ' is written '', like 'it''s'"
    elif problem == "did not find expected key" and line[mark.column - 1 : mark.column] == '"':
        hint = "put the whole value inside the quotes"
    elif problem == "did not find expected key" and line[mark.column : mark.column + 1] in (
        "]",
        "}",
    ):
        hint = f"remove the extra {line[mark.column]}"
    elif problem.startswith("did not find expected") and mark.column == len(indent):
        hint = "line it up with the entries above it: the indentation says where a line belongs"
    elif problem.startswith("block sequence entries are not allowed"):
        hint = "start the list on the next line, indented, or quote a value that starts with -"
    return at, message, hint


def _parse(text: str, file: str) -> yaml.Node | Finding | None:
    def problem(position: Position, message: str, hint: str | None = None) -> Finding:
        return Finding(file, *position, "schema/yaml", "error", f"not valid YAML: {message}", hint)

    odd = _ODD_BREAKS.search(text)
    if odd:
        name = {"\x85": "NEL", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}
        return problem(
            _at(text, odd.start()),
            f"the text contains the invisible character U+{ord(odd.group()):04X} "
            f"({name[odd.group()]})",
            "delete it: it usually comes from pasting out of a word processor",
        )
    try:
        node: yaml.Node | None = _Composer(text).get_single_node()
    except yaml.reader.ReaderError as e:
        # libyaml gives a byte offset; the character itself is the surer guide
        character = chr(e.character) if isinstance(e.character, int) else str(e.character)
        index = text.find(character)
        return problem(
            _at(text, max(index, 0)),
            f"the control character U+{ord(character[:1] or '?'):04X} cannot appear in a YAML file",
            "delete it: it is invisible in most editors",
        )
    except yaml.MarkedYAMLError as e:
        return problem(*_explain(e, text))
    except yaml.YAMLError as e:
        return problem((1, 1), " ".join(str(e).split()))
    except RecursionError:  # the pure-Python parser on absurd nesting
        return problem((1, 1), "the document is nested too deeply")
    return node


def parse(
    raw: bytes, file: str, size: int | None = None
) -> tuple[Any, SourceMap, list[Finding], str]:
    """Bytes to plain data, its source map, the problems found on the way and the
    decoded text (empty when the bytes could not be decoded).

    The data is None whenever a problem makes the values untrustworthy (an
    alias, a document too large): the findings then say all there is to say.
    """
    size = len(raw) if size is None else size
    if size > MAX_BYTES:
        message = f"the file is {size:,} bytes; a Tripod file is at most {MAX_BYTES:,}"
        return None, SourceMap(), [Finding(file, 1, 1, "schema/too-large", "error", message)], ""
    text = _decode(raw, file)
    if isinstance(text, Finding):
        return None, SourceMap(), [text], ""
    node = _parse(text, file)
    if isinstance(node, Finding):
        return None, SourceMap(), [node], text
    if node is None:
        return (
            None,
            SourceMap(),
            [Finding(file, 1, 1, "schema/empty", "error", "the file is empty")],
            text,
        )
    problems: list[Finding] = []
    reader = _Reader(file, problems)
    data = reader.read(node, ())
    if reader.aliases:
        problems.extend(_alias_problems(text, file))
    if reader.aliases or reader.too_large or reader.untrusted:
        data = None
    return data, reader.source, problems, text


def read_file(path: Path, file: str) -> tuple[bytes, int] | Finding:
    """A file's first MAX_BYTES + 1 bytes and its size: never more in memory."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1), os.fstat(handle.fileno()).st_size
    except OSError as e:
        reason = e.strerror or str(e)
        return Finding(file, 1, 1, "schema/unreadable", "error", f"cannot read the file: {reason}")


def _alias_problems(text: str, file: str) -> Iterator[Finding]:
    # Composed nodes do not say where an alias was written; the events do.
    events = _Composer(text)
    while events.check_event():
        event = events.get_event()
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            assert mark is not None  # the parser marks every event
            yield Finding(
                file,
                mark.line + 1,
                mark.column + 1,
                "schema/alias",
                "error",
                f"*{event.anchor} repeats an anchored value",
                "write the value out: anchors and aliases are not allowed in Tripod files",
            )


def dotted(path: Path_) -> str:
    """A path as a person reads it: `backups[0].copies`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
