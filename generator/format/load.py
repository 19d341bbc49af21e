"""Files to models: read, scanned for what must not be published, validated.

A client or provider file is read by the reader (YAML 1.2, every place
recorded), its text values are scanned for secrets and unfilled placeholders,
and its data is validated against the models; every problem becomes a finding
that points at its place. Nothing here raises for bad input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from generator.findings import Finding
from generator.format import model, reader, validation
from generator.format.reader import Path_, Position, SourceMap, dotted
from generator.format.references import reference_problems
from generator.format.secrets import looks_like_secret, might_hold_secret

M = TypeVar("M", bound=BaseModel)


@dataclass(slots=True)
class Loaded(Generic[M]):
    """A file's model (None when it is not loadable), its findings and where things are."""

    file: str
    model: M | None
    findings: list[Finding]
    source: SourceMap


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


_HINT = "keep secrets in the password manager and refer to them by name"


def _labels(key: Any, value: Any) -> bool:
    """Whether a key may name the secret its text value holds (`password`, `admin_pw`)."""
    return isinstance(key, str) and isinstance(value, str) and might_hold_secret(key)


def _scan_text(data: Any, source: SourceMap, file: str, path: Path_ = ()) -> Iterator[Finding]:
    """Secrets and unfilled placeholders, in every text value of the file."""
    if isinstance(data, dict):
        for key, value in data.items():
            what = looks_like_secret(key)
            if what:
                where = f"a key in {dotted(path) or 'the document'}"
                yield _secret(file, source.key((*path, key)), where, what, None)
            elif _labels(key, value):
                # `password: Quill2026!` as a field of its own: the key says what the value is.
                what = looks_like_secret(f"{key}: {value}")
                if what:
                    at = source.locate((*path, key))
                    yield _secret(file, at, dotted((*path, key)), what, _HINT)
                    continue  # the value was scanned with its key
            yield from _scan_text(value, source, file, (*path, key))
    elif isinstance(data, tuple):
        for i, value in enumerate(data):
            yield from _scan_text(value, source, file, (*path, i))
    elif isinstance(data, str):
        line, column = source.locate(path)
        what = looks_like_secret(data)
        if what:
            yield _secret(file, (line, column), dotted(path), what, _HINT)
        if validation.PLACEHOLDER.fullmatch(data.strip()):
            yield Finding(
                file,
                line,
                column,
                "schema/placeholder",
                "error",
                f"{dotted(path)} is still the placeholder {data.strip()}",
                "fill it in",
            )


def read_yaml(
    raw: bytes, file: str, size: int | None = None
) -> tuple[Any, SourceMap, list[Finding]]:
    """Bytes to plain data, its source map and the problems found on the way,
    secrets and placeholders included. The data is None whenever a problem makes
    the values untrustworthy (an alias, a document too large)."""
    data, source, problems, text = reader.parse(raw, file, size)
    if data is not None and _may_flag(text):
        problems.extend(_scan_text(data, source, file))
    return data, source, problems


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
    references: Callable[[dict[str, Any], SourceMap], list[Finding]] | None = None,
) -> Loaded[M]:
    """Reads and validates one file. `references` adds the problems of the file's ids
    and references, read from its data; `check` adds file-level problems of its model;
    `acknowledgeable` are the finding codes an acknowledgement may name (any, when None)."""
    data, source, findings = read_yaml(raw, file, size)
    if data is None:
        if not findings:  # a document that is only `~`, or only `---`
            findings.append(Finding(file, 1, 1, "schema/empty", "error", "the file has no fields"))
        return Loaded(file, None, findings, source)
    if not isinstance(data, dict):
        message = f"expected a mapping of fields (like `id: ...`), got {validation.describe(data)}"
        findings.append(Finding(file, 1, 1, "schema/wrong-type", "error", message))
        return Loaded(file, None, findings, source)
    if references is not None:
        # On the data, not the model: in the same round as the type errors.
        findings.extend(references(data, source))
    try:
        context = {"today": today, "acknowledgeable": _codes(acknowledgeable)}
        parsed = root.model_validate(_present(data), context=context)
    except ValidationError as e:
        findings.extend(validation.findings(e, root, source, file))
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
    references: Any = None,
) -> Loaded[M]:
    read = reader.read_file(path, file)
    if isinstance(read, Finding):
        return Loaded(file, None, [read], SourceMap())
    raw, size = read
    return load_model(raw, file, root, today, check, size, acknowledgeable, references)


def load_client(
    path: Path, file: str, today: Any, acknowledgeable: Sequence[str] | None = None
) -> Loaded[model.Client]:
    """`clients/<id>.yaml` to a Client; `file` is how findings name it.

    `acknowledgeable` are the codes of the findings that can be acknowledged:
    the rules know them, the format does not. Without them any finding code is
    taken (the file is then only read, not checked).
    """
    stem = path.name.rsplit(".", 1)[0]

    def problems(data: dict[str, Any], source: SourceMap) -> list[Finding]:
        found = []
        client_id = data.get("id") if isinstance(data.get("id"), str) else stem
        for problem in reference_problems(data, stem):
            at = problem.path
            # A measured time is keyed by its system: the key is the reference.
            is_key = at[:-1] == ("disaster_recovery", "test", "measured")
            line, column = source.key(at) if is_key else source.locate(at)
            message = problem.message
            if problem.first is not None:
                message += f" (first on line {source.locate(problem.first)[0]})"
            found.append(
                Finding(file, line, column, problem.code, "error", message, problem.hint, client_id)
            )
        return found

    loaded = _load(path, file, model.Client, today, None, acknowledgeable, problems)
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
