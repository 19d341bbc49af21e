"""Files to models, with the line and column of everything.

The only importer of yaml. A file is read as YAML 1.2 with the core schema, as
editors read it (only true/false are booleans, `NO` and `12:30` are text),
composed into nodes with PyYAML's C parser, and turned into plain data while
recording where each key and value starts. Duplicate keys, tags, merge keys
and aliases are refused. The data is then validated against the models; every
problem becomes a finding that points at its place. Nothing here raises for
bad input.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError

from generator.findings import Finding
from generator.format import model
from generator.format.references import reference_problems
from generator.format.secrets import looks_like_secret, might_hold_secret, redact

MAX_BYTES = 1_000_000  # the largest client seen is ~20 KB; anything near this is a mistake
MAX_DEPTH = 32
MAX_NODES = 100_000

Path_ = tuple[str | int, ...]
Position = tuple[int, int]
M = TypeVar("M", bound=BaseModel)


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


@dataclass(slots=True)
class Loaded(Generic[M]):
    """A file's model (None when it is not loadable), its findings and where things are."""

    file: str
    model: M | None
    findings: list[Finding]
    source: SourceMap


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
                f"{_dotted(path) or 'the document'} has the tag {node.tag!r}",
                "remove the tag: Tripod files use plain YAML values only",
            )
        kind = type(node)
        if kind is yaml.ScalarNode:
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
                    f"{key!r} appears twice in {_dotted(path) or 'the document'} (first on line {first[0]})",
                    "YAML keeps only the last one: remove one of them",
                )
                continue
            mark = key_node.start_mark
            keys[key_path] = (mark.line + 1, mark.column + 1)
            result[key] = self.read(value_node, key_path, depth)
        return result

    def key(self, node: yaml.Node, path: Path_) -> str | None:
        if type(node) is yaml.ScalarNode and not node.style and node.tag == _PLAIN:
            value: str = node.value
            if value and value[0] not in _NUMBER_START and value not in _WORDS and value != "<<":
                return value  # the usual key: a plain name
        if not isinstance(node, yaml.ScalarNode):
            self.problem(
                node, "schema/bad-key", f"a key in {_dotted(path) or 'the document'} is not a name"
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
                f"the key {node.value!r} in {_dotted(path) or 'the document'} is not a field name",
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
        mark = e.problem_mark or e.context_mark
        position = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = e.problem or "cannot be parsed"
        if e.context:
            started = e.context_mark
            where = (
                f" that starts on line {started.line + 1}"
                if e.context.startswith("while parsing")
                and started is not None
                and mark is not None
                and started.line != mark.line
                else ""
            )
            message += f" ({e.context}{where})"
        hint = None
        if (
            mark is not None
            and "cannot start any token" in message
            and text[mark.index : mark.index + 1] == "\t"
        ):
            hint = "indent with spaces: YAML does not allow tabs"
        return problem(position, message, hint)
    except yaml.YAMLError as e:
        return problem((1, 1), " ".join(str(e).split()))
    except RecursionError:  # the pure-Python parser on absurd nesting
        return problem((1, 1), "the document is nested too deeply")
    return node


def read_yaml(
    raw: bytes, file: str, size: int | None = None
) -> tuple[Any, SourceMap, list[Finding]]:
    """Bytes to plain data, its source map and the problems found on the way.

    The data is None whenever a problem makes the values untrustworthy (an
    alias, a document too large): the findings then say all there is to say.
    """
    size = len(raw) if size is None else size
    if size > MAX_BYTES:
        message = f"the file is {size:,} bytes; a Tripod file is at most {MAX_BYTES:,}"
        return None, SourceMap(), [Finding(file, 1, 1, "schema/too-large", "error", message)]
    text = _decode(raw, file)
    if isinstance(text, Finding):
        return None, SourceMap(), [text]
    node = _parse(text, file)
    if isinstance(node, Finding):
        return None, SourceMap(), [node]
    if node is None:
        return (
            None,
            SourceMap(),
            [Finding(file, 1, 1, "schema/empty", "error", "the file is empty")],
        )
    problems: list[Finding] = []
    reader = _Reader(file, problems)
    data = reader.read(node, ())
    if reader.aliases:
        problems.extend(_alias_problems(text, file))
    if reader.aliases or reader.too_large:
        data = None
    elif _may_flag(text):
        problems.extend(_scan_text(data, reader.source, file))
    return data, reader.source, problems


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


PLACEHOLDER = re.compile(r"<[^<>\n]*>")


def _secret(file: str, at: Position, where: str, what: str, hint: str | None) -> Finding:
    message = f"{where} looks like {what}; it would be published"
    return Finding(file, *at, "secret-like-value", "error", message, hint)


def _may_flag(text: str) -> bool:
    """Whether any value written in `text` might be a secret or a placeholder.

    A clean file (nearly every file) is then checked with a few substring
    tests instead of value by value. The clues contain no whitespace, so a
    value's clue is in the text it is written in, unless written through an
    escape (a backslash in a double-quoted value).
    """
    return "\\" in text or "<" in text or might_hold_secret(text)


def _scan_text(data: Any, source: SourceMap, file: str, path: Path_ = ()) -> Iterator[Finding]:
    """Secrets and unfilled placeholders, in every text value of the file."""
    if isinstance(data, dict):
        for key, value in data.items():
            what = looks_like_secret(key)
            if what:
                where = f"a key in {_dotted(path) or 'the document'}"
                yield _secret(file, source.key((*path, key)), where, what, None)
            yield from _scan_text(value, source, file, (*path, key))
    elif isinstance(data, tuple):
        for i, value in enumerate(data):
            yield from _scan_text(value, source, file, (*path, i))
    elif isinstance(data, str):
        line, column = source.locate(path)
        what = looks_like_secret(data)
        if what:
            hint = "keep secrets in the password manager and refer to them by name"
            yield _secret(file, (line, column), _dotted(path), what, hint)
        if PLACEHOLDER.fullmatch(data.strip()):
            yield Finding(
                file,
                line,
                column,
                "schema/placeholder",
                "error",
                f"{_dotted(path)} is still the placeholder {data.strip()}",
                "fill it in",
            )


# --------------------------------------------------------------- validation


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {getattr(value, 'source', value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, tuple | list):
        return "a list"
    return f"{str(value)!r}"


_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "list_type": "a list",
    "tuple_type": "a list",
}


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as `tuple[Copy, ...] | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    if isinstance(annotation, types.UnionType):
        return None
    return None


def _model_at(root: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    current: type[BaseModel] | None = root
    for part in path:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        current = _unwrap_model(info.annotation) if info else None
        if info and current is None:
            for meta in info.metadata:
                current = _unwrap_model(meta)
    return current


def _fields_hint(root: type[BaseModel], parent: Path_, wrong: str) -> str | None:
    cls = _model_at(root, parent)
    if cls is None:
        return None
    names = list(cls.model_fields)
    close = difflib.get_close_matches(wrong, names, n=1, cutoff=0.6)
    listing = ", ".join(names)
    return (
        f"did you mean {close[0]!r}? fields here: {listing}" if close else f"fields here: {listing}"
    )


def _validation_findings(
    error: ValidationError, root: type[BaseModel], source: SourceMap, file: str
) -> Iterator[Finding]:
    for err in error.errors(include_url=False):
        value = err.get("input")
        if isinstance(value, str) and PLACEHOLDER.fullmatch(value.strip()):
            continue  # reported as a placeholder already
        loc: Path_ = tuple(p for p in err["loc"] if p not in model.UNION_TAGS)
        kind = err["type"]
        where = _dotted(loc)
        hint: str | None = None
        position = source.locate(loc)
        if kind == "extra_forbidden":
            code, position = "schema/unknown-field", source.key(loc)
            name = str(loc[-1])
            message = f"unknown field {name!r}" + (
                f" in {_dotted(loc[:-1])}" if len(loc) > 1 else ""
            )
            hint = _fields_hint(root, loc[:-1], name)
        elif kind == "missing":
            code, position = "schema/missing-field", source.key(loc)  # `key:` left blank
            message = f"missing required field {loc[-1]!r}" + (
                f" in {_dotted(loc[:-1])}" if len(loc) > 1 else ""
            )
        elif kind in ("unit", "date", "future_date"):
            code = {
                "unit": "schema/bad-unit",
                "date": "schema/bad-date",
                "future_date": "schema/future-date",
            }[kind]
            message = f"{where}: {err['msg']}"
        elif kind in _EXPECTED:
            code = "schema/wrong-type"
            message = f"{where}: expected {_EXPECTED[kind]}, got {_describe(value)}"
            if kind.startswith("bool") and isinstance(value, str):
                hint = "only true and false are booleans (YAML 1.2)"
            elif kind == "string_type" and isinstance(value, bool):
                hint = "quote it if it is meant as text"
        elif (
            kind == "string_pattern_mismatch"
            and err.get("ctx", {}).get("pattern") == model.SLUG_PATTERN
        ):
            code = "schema/bad-id"
            message = f"{where}: {_describe(value)} is not an id"
            hint = "ids are lowercase letters, digits and single hyphens, like pms-image"
        elif kind == "literal_error":
            code = "schema/bad-value"
            expected = err.get("ctx", {}).get("expected", "")
            message = f"{where}: expected {expected}, got {_describe(value)}"
        elif (
            kind == "too_short"
            and isinstance(value, tuple)
            and len(value) >= err.get("ctx", {}).get("min_length", 1)
        ):
            continue  # every entry is invalid; those errors say so
        elif kind in ("too_short", "string_too_short"):
            code = "schema/empty"
            message = f"{where}: must not be empty"
        else:
            code = "schema/invalid"
            message = f"{where}: {err['msg'][0].lower()}{err['msg'][1:]}"
        line, column = position
        yield Finding(file, line, column, code, "error", redact(message), hint and redact(hint))


def _present(data: Any) -> Any:
    """Mappings without their empty values: `owner:` left blank is an owner not given."""
    if isinstance(data, dict):
        return {k: _present(v) for k, v in data.items() if v is not None}
    if isinstance(data, tuple):
        return tuple(_present(v) for v in data)
    return data


def load_model(
    raw: bytes,
    file: str,
    root: type[M],
    today: Any = None,
    check: Callable[[M, SourceMap], list[Finding]] | None = None,
    size: int | None = None,
    acknowledgeable: Sequence[str] | None = None,
) -> Loaded[M]:
    """Reads and validates one file. `check` adds file-level reference problems;
    `acknowledgeable` are the finding codes an acknowledgement may name (any, when None)."""
    data, source, findings = read_yaml(raw, file, size)
    if data is None:
        if not findings:  # a document that is only `~`, or only `---`
            findings.append(Finding(file, 1, 1, "schema/empty", "error", "the file has no fields"))
        return Loaded(file, None, findings, source)
    if not isinstance(data, dict):
        message = f"expected a mapping of fields (like `id: ...`), got {_describe(data)}"
        findings.append(Finding(file, 1, 1, "schema/wrong-type", "error", message))
        return Loaded(file, None, findings, source)
    try:
        context = {"today": today, "acknowledgeable": _codes(acknowledgeable)}
        parsed = root.model_validate(_present(data), context=context)
    except ValidationError as e:
        findings.extend(_validation_findings(e, root, source, file))
        return Loaded(file, None, findings, source)
    if check is not None:
        findings.extend(check(parsed, source))
    loadable = not any(f.is_schema for f in findings)
    return Loaded(file, parsed if loadable else None, findings, source)


def _codes(codes: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if codes is None else tuple(codes)


def _load(
    path: Path,
    file: str,
    root: type[M],
    today: Any,
    check: Any,
    acknowledgeable: Sequence[str] | None = None,
) -> Loaded[M]:
    read = read_file(path, file)
    if isinstance(read, Finding):
        return Loaded(file, None, [read], SourceMap())
    raw, size = read
    return load_model(raw, file, root, today, check, size, acknowledgeable)


def load_client(
    path: Path, file: str, today: Any, acknowledgeable: Sequence[str] | None = None
) -> Loaded[model.Client]:
    """`clients/<id>.yaml` to a Client; `file` is how findings name it.

    `acknowledgeable` are the codes of the findings that can be acknowledged:
    the rules know them, the format does not. Without them any finding code is
    taken (the file is then only read, not checked).
    """
    stem = path.name.rsplit(".", 1)[0]

    def problems(client: model.Client, source: SourceMap) -> list[Finding]:
        found = []
        for problem in reference_problems(client, stem):
            at = problem.path
            # A measured time is keyed by its system: the key is the reference.
            is_key = at[:-1] == ("disaster_recovery", "test", "measured")
            line, column = source.key(at) if is_key else source.locate(at)
            message = problem.message
            if problem.first is not None:
                message += f" (first on line {source.locate(problem.first)[0]})"
            found.append(
                Finding(file, line, column, problem.code, "error", message, problem.hint, client.id)
            )
        return found

    loaded = _load(path, file, model.Client, today, problems, acknowledgeable)
    client_id = loaded.model.id if loaded.model else stem
    loaded.findings = [f if f.client else replace(f, client=client_id) for f in loaded.findings]
    return loaded


def load_provider(path: Path, file: str, root: Path) -> Loaded[model.Provider]:
    """`provider.yaml` to a Provider; the files it names must exist inside the project."""

    def problems(provider: model.Provider, source: SourceMap) -> list[Finding]:
        found = []
        paths: list[tuple[Path_, str]] = [
            (("certificates", i), c) for i, c in enumerate(provider.certificates)
        ]
        if provider.logo:
            paths.append((("logo",), provider.logo))
        for at, relative in paths:
            target = (root / relative).resolve()
            line, column = source.locate(at)
            if not target.is_relative_to(root.resolve()):
                message = f"{relative} is outside the project"
                found.append(Finding(file, line, column, "schema/bad-path", "error", message))
            elif not target.is_file():
                message = f"{relative} does not exist"
                found.append(Finding(file, line, column, "schema/missing-file", "error", message))
        return found

    return _load(path, file, model.Provider, None, problems)
