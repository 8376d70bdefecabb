"""YAML for scenario files: the safe loader, the line of each field, and the words of an error.

The document is composed into a node tree first (``yaml.compose`` with a SafeLoader) and only then
constructed into Python objects, so every field path of the result can be mapped back to the line
of the file it came from. Two departures from PyYAML's YAML 1.1 defaults, both in the user's
favour: a float without a dot (``1e3``, ``2.5e-3``) is a number, as in YAML 1.2, not a string;
and a key given twice in one mapping is an error, not a silent overwrite.

A pydantic validation error is turned into a ``Problem``: the line, the field path, what is
wrong and what is allowed, the allowed values read from the schema itself (a field's bounds,
its ``Literal`` choices, its description).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

__all__ = [
    "MISSING",
    "DuplicateKeyError",
    "FieldProblem",
    "Problem",
    "YamlDocument",
    "did_you_mean",
    "field_path",
    "first_problem",
    "parse_yaml",
]


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads YAML 1.2 floats such as ``1e3``."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


class DuplicateKeyError(Exception):
    """A key appears twice in one YAML mapping; ``line`` is 1-based, ``loc`` the field path."""

    def __init__(self, loc: tuple[str | int, ...], line: int) -> None:
        super().__init__(f"{field_path(loc)} given twice")
        self.loc = loc
        self.line = line


def field_path(loc: Sequence[str | int]) -> str:
    """Dotted field path with list indices: ``("threats", 0, "start")`` -> ``threats[0].start``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document: the plain Python ``data`` and the node tree it was built from."""

    data: object
    root: yaml.Node | None

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """1-based line of the field at ``loc``.

        The line of the field's key where the key is in the file; where it is not (a missing
        field), the line where the enclosing mapping starts; None for an empty document.
        """
        node = self.root
        if node is None:
            return None
        line = _line(node)
        for part in loc:
            child = _child(node, part)
            if child is None:
                return _line(node)
            key, node = child
            line = _line(key)
        return line


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node or item node, value node) of ``part`` inside ``node``, or None if absent."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return node.value[part], node.value[part]
    return None


def _check_unique_keys(node: yaml.Node, loc: tuple[str | int, ...], seen: set[int]) -> None:
    if id(node) in seen:  # an alias: already checked where its anchor is
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in keys:
                    raise DuplicateKeyError((*loc, key.value), _line(key))
                keys.add(key.value)
                _check_unique_keys(value, (*loc, key.value), seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_unique_keys(item, (*loc, i), seen)


def parse_yaml(text: str) -> YamlDocument:
    """Compose and construct one YAML document with the safe loader.

    Raises ``yaml.MarkedYAMLError`` (with ``problem_mark``) on a syntax error and
    ``DuplicateKeyError`` when a mapping repeats a key.
    """
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(data=None, root=None)
        _check_unique_keys(root, (), set())
        return YamlDocument(data=loader.construct_document(root), root=root)
    finally:
        loader.dispose()


# --- the words of a validation error -------------------------------------------------------


class FieldProblem(ValueError):
    """Raised by a model validator: ``loc`` is relative to the model being validated."""

    def __init__(self, loc: tuple[str | int, ...], message: str, allowed: str) -> None:
        super().__init__(message)
        self.loc, self.message, self.allowed = loc, message, allowed


@dataclass(frozen=True)
class Problem:
    """One problem with a document: its line (1-based, or None), field path and words."""

    line: int | None
    field: str
    message: str
    allowed: str


MISSING = "required but missing"


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or ``""`` for none close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def first_problem(err: ValidationError, root: type[BaseModel], doc: YamlDocument) -> Problem:
    """The problem to show of a validation error of ``root``: the first in the file, any other
    kind before a missing field (which is often the echo of a misspelt one)."""
    problems = [_problem(e, root, doc) for e in err.errors(include_url=False)]
    return min(problems, key=lambda p: (p.message == MISSING, p.line or 0))


def _problem(error: Any, root: type[BaseModel], doc: YamlDocument) -> Problem:
    loc = tuple(error["loc"])
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, FieldProblem):
        loc += cause.loc
        message, allowed = cause.message, cause.allowed
    elif error["type"] in ("extra_forbidden", "invalid_key"):  # invalid: a key that is no text
        loc = (*loc[:-1], str(loc[-1]))
        owner, _ = _schema_at(root, loc[:-1])
        fields = list(owner.model_fields) if owner is not None else []
        message = f"unknown field {loc[-1]!r}" + did_you_mean(str(loc[-1]), fields)
        allowed = ", ".join(fields)
    else:
        message, allowed = _describe(error, root, loc)
    return Problem(doc.line_of(loc), field_path(loc), message, allowed)


_NOT_A = {
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "datetime_type": "a date-time",
    "datetime_parsing": "a date-time",
    "datetime_from_date_parsing": "a date-time",
}
_OUT_OF_RANGE = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_QUOTE_HINT = " (quote text that YAML reads as true/false, a number or null)"


def _describe(error: Any, root: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[str, str]:
    """(what is wrong, what is allowed) for one pydantic error."""
    kind, value = error["type"], _show(error.get("input"))
    tp, info = _schema_at(root, loc)
    expected = _type_words(tp)
    bounds = _bounds(info, str(loc[-1])) if info is not None and loc else ""
    note = f"({info.description})" if info is not None and info.description else ""

    def allowed(*parts: str) -> str:
        return ", ".join(p for p in parts if p) + (f" {note}" if note else "")

    if kind == "missing":
        return MISSING, allowed(expected, bounds)
    if kind in _OUT_OF_RANGE:
        return f"{value} is not allowed", allowed(bounds or error["msg"])
    if kind == "literal_error":
        given = error.get("input")
        hint = did_you_mean(given, [str(a) for a in get_args(tp)]) if isinstance(given, str) else ""
        return f"{value} is not allowed{hint}", expected
    if kind in ("too_short", "string_too_short"):
        return f"{value} is not allowed", "text" if tp is str else "at least one entry"
    if kind in _NOT_A:
        hint = _QUOTE_HINT if expected == "text" else ""
        return f"{value} is not {_NOT_A[kind]}{hint}", allowed(bounds or expected)
    return f"{value}: {error['msg']}", allowed(expected, bounds) or error["msg"]


def _schema_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[Any, Any]:
    """(type, FieldInfo) that the schema declares at ``loc``; (None, None) if it declares none."""
    tp: Any = root
    info = None
    for part in loc:
        tp = _without_none(tp)
        if isinstance(part, int) and get_origin(tp) is list:
            tp, info = get_args(tp)[0], None
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
            info = tp.model_fields[str(part)]
            tp = info.annotation
        else:
            return None, None
    return _without_none(tp), info


def _without_none(tp: Any) -> Any:
    args = get_args(tp)
    if get_origin(tp) in (Union, UnionType) and type(None) in args and len(args) == 2:
        return next(a for a in args if a is not type(None))
    return tp


def _type_words(tp: Any) -> str:
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(tp))
    if get_origin(tp) is list:
        return "a list"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "a mapping of " + ", ".join(tp.model_fields)
    words = {
        float: "a number",
        int: "a whole number",
        str: "text",
        bool: "true or false",
        dt.datetime: "a date-time",
    }
    return words.get(tp, "")


def _bounds(info: Any, name: str) -> str:
    """A field's bounds as one inequality: ``-90 <= lat_deg <= 90``, ``magazine >= 1``."""
    low = high = ""
    for item in info.metadata:
        for attr, sign in (("ge", "<="), ("gt", "<")):
            if getattr(item, attr, None) is not None:
                low = f"{_num(getattr(item, attr))} {sign} "
        for attr, sign in (("le", "<="), ("lt", "<")):
            if getattr(item, attr, None) is not None:
                high = f" {sign} {_num(getattr(item, attr))}"
    if low and not high:  # "magazine >= 1" reads better than "1 <= magazine"
        bound, sign = low.split()
        return f"{name} {'>=' if sign == '<=' else '>'} {bound}"
    return f"{low}{name}{high}" if low or high else ""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _show(value: Any) -> str:
    """A value as the user wrote it in YAML, shortened."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping" if value else "{}"
    if isinstance(value, list):
        return "a list" if value else "[]"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
