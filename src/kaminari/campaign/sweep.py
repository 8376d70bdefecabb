"""Parameter sweeps: a grid of scenario variants, each a copy of the scenario file with some fields
set, validated exactly like a scenario file.

A sweep is given as ``--set PATH=V1,V2,...`` specs, one per swept field:

- PATH is a field path, dotted, with list indices as numbers: ``batteries.0.muzzle_velocity_mps``,
  ``radars.1.sigma.range_m``, ``threats.0.guidance.bank.kind``; the form of error messages,
  ``batteries[0].muzzle_velocity_mps``, is read too. ``*`` for an index sets the field of every
  entry of the list alike: ``batteries.*.engage``. Every field must exist in the schema and
  every index in the scenario's list; a missing section that has defaults (``fire_control``,
  ``batteries.0.dispersion``) is created.
- V1,V2,... is a comma-separated list of YAML scalars, read as in a scenario file: ``2300`` is a
  whole number, ``2.5`` and ``1e3`` are numbers, ``weave`` is text, ``true`` is a boolean,
  ``null`` is nothing; quote a text that contains a comma (``'a,b'``). At least one value, each
  once.

The grid is the Cartesian product of the specs' values, numbered row-major in the order the
specs are given: the last spec's values vary fastest. A grid point's scenario is the file's YAML
mapping with the point's values set (a copy: the file's mapping is never changed), validated by
the scenario schema, so a wrong type or an impossible value is the usual one-line
``UserInputError``, naming the ``--set`` option instead of a file line.

Also here: ``tied_with_best``, the best point and those whose Wilson intervals (computed by
``kaminari.report.summary``, passed in as numbers) overlap its own; the sweep's note now says
which points are resolved by McNemar's paired test (``kaminari.report.paired``) and keeps this
rule only to pick the best point.
"""

from __future__ import annotations

import copy
import itertools
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from kaminari.errors import UserInputError
from kaminari.scenario import Scenario, parse_scenario
from kaminari.scenario.yaml_lines import (
    DuplicateKeyError,
    YamlDocument,
    _without_none,
    did_you_mean,
    field_path,
    first_problem,
    parse_yaml,
)

__all__ = [
    "SWEEP_COMMAND",
    "SweepAxis",
    "SweepGrid",
    "SweepPoint",
    "apply_values",
    "parse_grid",
    "parse_set",
    "sweep_scenarios",
    "tied_with_best",
]

SWEEP_COMMAND = "kaminari sweep"
"""Where a ``--set`` error is said to be: the command, as ``UserInputError``'s path."""

FieldPath = tuple[str | int, ...]
"""A field path: names and list indices, ``("batteries", 0, "muzzle_velocity_mps")``."""

_SET_GRAMMAR = "PATH=V1,V2,... e.g. batteries.0.muzzle_velocity_mps=1800,2300,2800"
_PATH_GRAMMAR = (
    "field names and list indices (or * for every entry) joined by dots, e.g. "
    "batteries.0.muzzle_velocity_mps"
)
_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\*")


@dataclass(frozen=True)
class SweepAxis:
    """One swept field: its path (``("batteries", 0, "muzzle_velocity_mps")``), its values as
    YAML read them, and each value's text as given (``"1e3"`` for 1000.0)."""

    path: FieldPath
    values: tuple[Any, ...]
    texts: tuple[str, ...]

    @property
    def name(self) -> str:
        """The path as ``--set`` takes it: ``batteries.0.muzzle_velocity_mps``."""
        return ".".join(str(part) for part in self.path)

    def option(self, k: int) -> str:
        """The option that sets value ``k``: ``--set batteries.0.muzzle_velocity_mps=1800``."""
        return f"--set {self.name}={self.texts[k]}"


@dataclass(frozen=True)
class SweepPoint:
    """One point of a grid: its number, and for each axis the index of its value."""

    index: int
    choice: tuple[int, ...]


@dataclass(frozen=True)
class SweepGrid:
    """The Cartesian product of the axes' values; point i is the i-th of ``itertools.product``
    over the axes in order (row-major: the last axis varies fastest)."""

    axes: tuple[SweepAxis, ...]

    @property
    def size(self) -> int:
        return math.prod(len(axis.values) for axis in self.axes)

    def points(self) -> tuple[SweepPoint, ...]:
        ranges = [range(len(axis.values)) for axis in self.axes]
        return tuple(SweepPoint(i, choice) for i, choice in enumerate(itertools.product(*ranges)))

    def values(self, point: SweepPoint) -> dict[str, Any]:
        """``{path: value}`` of a point, in the order of the axes."""
        return {axis.name: axis.values[k] for axis, k in zip(self.axes, point.choice, strict=True)}

    def texts(self, point: SweepPoint) -> dict[str, str]:
        """``{path: value as given}`` of a point, in the order of the axes."""
        return {axis.name: axis.texts[k] for axis, k in zip(self.axes, point.choice, strict=True)}

    def folder(self, point: SweepPoint) -> str:
        """The point's folder name, zero-padded to the grid's size: ``point-000``."""
        return f"point-{point.index:0{max(3, len(str(self.size - 1)))}d}"

    def describe(self, point: SweepPoint) -> str:
        """``point 3 (--set a=1 --set b=x)``, for messages."""
        options = " ".join(axis.option(k) for axis, k in zip(self.axes, point.choice, strict=True))
        return f"point {point.index} ({options})"

    def to_data(self) -> dict[str, Any]:
        """The grid as plain data, for ``sweep.yaml``: the parameters and the points."""
        return {
            "parameters": [{"path": axis.name, "values": list(axis.values)} for axis in self.axes],
            "points": [
                {"point": p.index, "folder": self.folder(p), "values": self.values(p)}
                for p in self.points()
            ],
        }


# --- reading --set --------------------------------------------------------------------------


def _set_error(spec: str, message: str, allowed: str) -> UserInputError:
    return UserInputError(SWEEP_COMMAND, None, f"--set {spec}", message, allowed)


def _parse_path(text: str, spec: str) -> FieldPath:
    dotted = re.sub(r"\[([^\]]*)\]", r".\1", text.strip())  # batteries[0].x -> batteries.0.x
    parts = dotted.split(".")
    for part in parts:
        if not _SEGMENT.fullmatch(part):
            shown = f"{part!r} is" if part else "an empty name is"
            message = f"{shown} not a field name or a list index (counted from 0)"
            raise _set_error(spec, message, _PATH_GRAMMAR)
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _parse_values(text: str, spec: str) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    if not text.strip() or text.strip().startswith(",") or text.strip().endswith(","):
        raise _set_error(spec, "an empty value", _SET_GRAMMAR)
    flow = f"[{text}]"  # the values as one YAML flow sequence: commas split, quotes protect
    try:
        doc = parse_yaml(flow)
    except (yaml.YAMLError, DuplicateKeyError) as err:
        problem = getattr(err, "problem", None) or "invalid YAML"
        message = f"the values are not a comma-separated list of YAML scalars: {problem}"
        raise _set_error(spec, message, _SET_GRAMMAR) from None
    assert isinstance(doc.data, list) and isinstance(doc.root, yaml.SequenceNode)
    texts = tuple(flow[node.start_mark.index : node.end_mark.index] for node in doc.root.value)
    for value, shown in zip(doc.data, texts, strict=True):
        if isinstance(value, dict | list):
            message = f"{shown!r} is a {'mapping' if isinstance(value, dict) else 'list'}"
            raise _set_error(spec, message, "single values (numbers, text, true/false, null)")
    for k, value in enumerate(doc.data):
        for j in range(k):
            earlier = doc.data[j]
            if earlier == value and isinstance(earlier, bool) == isinstance(value, bool):
                raise _set_error(spec, f"{texts[k]} is given twice", "each value once")
    return tuple(doc.data), texts


def parse_set(spec: str) -> SweepAxis:
    """One ``--set PATH=V1,V2,...`` spec as an axis; only its syntax is checked here (the path
    against the schema by ``sweep_scenarios``). A bad spec is a one-line ``UserInputError``."""
    path_text, equals, values_text = spec.partition("=")
    if not equals:
        raise _set_error(spec, "no '=' between the field path and its values", _SET_GRAMMAR)
    path = _parse_path(path_text, spec)
    values, texts = _parse_values(values_text, spec)
    return SweepAxis(path, values, texts)


def _overlap(a: FieldPath, b: FieldPath) -> bool:
    """Whether one path is the other or lies inside it."""
    shorter = min(len(a), len(b))
    return all(x == y or "*" in (x, y) for x, y in zip(a[:shorter], b[:shorter], strict=True))


def parse_grid(specs: Sequence[str]) -> SweepGrid:
    """The grid of several ``--set`` specs; a field may be swept once, and not also inside a
    field that is swept (``batteries.0.site`` and ``batteries.0.site.alt_m``)."""
    if not specs:
        raise UserInputError(SWEEP_COMMAND, None, "--set", "no field is swept", _SET_GRAMMAR)
    axes: list[SweepAxis] = []
    for spec in specs:
        axis = parse_set(spec)
        for other in axes:
            if _overlap(axis.path, other.path):
                message = f"{axis.name} is swept by --set {other.name} already"
                if axis.path != other.path:
                    message = f"{axis.name} overlaps --set {other.name}"
                raise _set_error(spec, message, "each field swept by one --set")
        axes.append(axis)
    return SweepGrid(tuple(axes))


# --- the schema at a path -------------------------------------------------------------------


def _check_path(path: FieldPath, data: Any, option: str) -> None:
    """Raise a one-line ``UserInputError`` where ``path`` names no field of the scenario schema,
    or an index past the end of the scenario's list."""
    tp: Any = Scenario
    node = data
    for depth, part in enumerate(path):
        where = field_path(path[:depth]) or "the scenario"
        tp = _without_none(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = list(tp.model_fields)
            if part not in fields:
                message = (
                    f"{where} is a mapping: {part} is not one of its fields"
                    if isinstance(part, int)
                    else f"{where} has no field {part!r}{did_you_mean(str(part), fields)}"
                )
                raise UserInputError(SWEEP_COMMAND, None, option, message, ", ".join(fields))
            tp = tp.model_fields[str(part)].annotation
            node = node.get(part) if isinstance(node, dict) else None
        elif get_origin(tp) is list:
            count = len(node) if isinstance(node, list) else 0
            indices = (
                "none: the scenario lists no " + where
                if count == 0
                else "0"
                if count == 1
                else f"0 to {count - 1}"
            )
            if part == "*" and count:
                tp = get_args(tp)[0]
                node = node[0]  # every entry has the same schema
                continue
            if not isinstance(part, int):
                message = f"{where} is a list: {part!r} is not an index"
                raise UserInputError(SWEEP_COMMAND, None, option, message, f"an index, {indices}")
            if part >= count:
                entries = "entry" if count == 1 else "entries"
                message = f"index {part} is past the end: {where} has {count} {entries}"
                raise UserInputError(SWEEP_COMMAND, None, option, message, f"an index, {indices}")
            tp = get_args(tp)[0]
            node = node[part]
        else:
            message = f"{where} is a single value: it has no field {part!r}"
            raise UserInputError(SWEEP_COMMAND, None, option, message, f"a path ending at {where}")


def apply_values(
    data: Mapping[str, Any], values: Sequence[tuple[FieldPath, Any]]
) -> dict[str, Any]:
    """A deep copy of a scenario's YAML mapping with each ``(path, value)`` set; a mapping on the
    way that is absent (or null) is created. The paths must have passed the schema check."""
    out = copy.deepcopy(dict(data))
    for path, value in values:
        _set(out, path, value)
    return out


def _set(node: Any, path: FieldPath, value: Any) -> None:
    """Set ``value`` at ``path`` below ``node``; a ``*`` sets it in every entry of a list."""
    part = path[0]
    if part == "*":
        for k in range(len(node)):
            _set(node, (k, *path[1:]), value)
        return
    if len(path) == 1:
        node[part] = copy.deepcopy(value)
        return
    if isinstance(part, str) and not isinstance(node.get(part), dict | list):
        node[part] = {}
    _set(node[part], path[1:], value)


def _validate(
    data: dict[str, Any], doc: YamlDocument, option: str, swept: Sequence[FieldPath]
) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        problem = first_problem(err, Scenario, doc)
        on_swept = any(problem.field == field_path(path) for path in swept)
        where = option if on_swept else f"{option}: {problem.field}"
        raise UserInputError(SWEEP_COMMAND, None, where, problem.message, problem.allowed) from None


def sweep_scenarios(
    text: str,
    source: str,
    specs: Sequence[str],
    fixed: Mapping[str, tuple[FieldPath, Any]] | None = None,
) -> tuple[SweepGrid, tuple[Scenario, ...]]:
    """The grid of ``specs`` over the scenario YAML ``text`` and each point's validated scenario,
    in the grid's order. ``fixed`` sets fields for every point, named by a command-line option
    (``{"--reps": (("run", "reps"), 400)}``); a field may not be both fixed and swept.

    Every problem is a one-line ``UserInputError``: the file's own as ``file:line``; a bad
    ``--set`` naming it; a value that is wrong by itself naming ``--set PATH=VALUE``; a point
    whose values clash naming the point and its options."""
    parse_scenario(text, source)  # the file's own problems first, with their lines
    doc = parse_yaml(text)
    assert isinstance(doc.data, dict)
    grid = parse_grid(specs)
    for axis in grid.axes:
        _check_path(axis.path, doc.data, f"--set {axis.name}")
    fixed = dict(fixed or {})
    for option, (path, value) in fixed.items():  # each option alone, named by itself
        for axis in grid.axes:
            if _overlap(axis.path, path):
                message = f"{field_path(path)} is swept by --set {axis.name} too"
                raise UserInputError(SWEEP_COMMAND, None, option, message, "one of them")
        _validate(apply_values(doc.data, [(path, value)]), doc, option, [path])
    fixed_data = apply_values(doc.data, list(fixed.values()))
    for axis in grid.axes:  # each value alone, so that a bad one is named by itself
        for k, value in enumerate(axis.values):
            data = apply_values(fixed_data, [(axis.path, value)])
            _validate(data, doc, axis.option(k), [axis.path])
    scenarios = []
    for point in grid.points():
        chosen = zip(grid.axes, point.choice, strict=True)
        data = apply_values(fixed_data, [(axis.path, axis.values[k]) for axis, k in chosen])
        point_scenario = _validate(data, doc, grid.describe(point), [])
        point_scenario._folder = os.path.dirname(source)  # a TLE file is relative to it
        scenarios.append(point_scenario)
    return grid, tuple(scenarios)


# --- are the points' Pk resolved? ----------------------------------------------------------


def tied_with_best(
    pk: Sequence[float], low: Sequence[float], high: Sequence[float]
) -> tuple[int, tuple[int, ...]]:
    """(the best point, the other points whose interval overlaps the best's).

    The best point has the highest Pk (the first such on a tie). Two intervals overlap where
    each one's low end is at or below the other's high end. A point whose interval overlaps the
    best's is not resolved from it: the question a sweep answers is which setting is best, and
    non-overlapping 95 % intervals are a conservative test of a difference (Schenker and
    Gentleman, The American Statistician 55, 2001)."""
    best = max(range(len(pk)), key=lambda i: (pk[i], -i))
    tied = tuple(
        i for i in range(len(pk)) if i != best and low[i] <= high[best] and low[best] <= high[i]
    )
    return best, tied
