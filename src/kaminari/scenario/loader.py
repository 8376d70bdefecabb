"""Reading a scenario: the file, its YAML, the schema's validation, each problem as one line;
and writing one back with every default filled in."""

from __future__ import annotations

import os

import yaml
from pydantic import ValidationError

from kaminari.errors import UserInputError
from kaminari.scenario.model import Scenario
from kaminari.scenario.yaml_lines import DuplicateKeyError, field_path, first_problem, parse_yaml

__all__ = ["dump_scenario", "load_scenario", "parse_scenario"]

_ANY_FILE = "a readable UTF-8 YAML scenario file"


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, parse and validate a scenario file; any problem is a one-line ``UserInputError``."""
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise UserInputError(shown, None, None, "no such file", _ANY_FILE) from None
    except IsADirectoryError:
        raise UserInputError(shown, None, None, "is a directory, not a file", _ANY_FILE) from None
    except PermissionError:
        raise UserInputError(shown, None, None, "permission denied", _ANY_FILE) from None
    except UnicodeDecodeError as err:
        message = f"not UTF-8 text (byte {err.start})"
        raise UserInputError(shown, None, None, message, _ANY_FILE) from None
    except OSError as err:
        raise UserInputError(shown, None, None, err.strerror or str(err), _ANY_FILE) from None
    scenario = parse_scenario(text, shown)
    scenario._folder = os.path.dirname(shown)
    layer = scenario.space_layer
    if layer is not None and layer.tle_file is not None:  # read now: a bad one is one line
        from kaminari.sensors.orbits import read_tle

        read_tle(os.path.join(scenario._folder, layer.tle_file), scenario.epoch)
    return scenario


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """Parse and validate scenario YAML text; ``source`` names it in error messages."""
    try:
        doc = parse_yaml(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = err.problem or err.context or "invalid YAML"
        message = f"YAML syntax error: {problem}"
        raise UserInputError(source, line, None, message, "valid YAML") from None
    except yaml.YAMLError as err:
        raise UserInputError(source, None, None, f"YAML error: {err}", "valid YAML") from None
    except DuplicateKeyError as err:
        message = "the same key is given twice in one mapping"
        raise UserInputError(
            source, err.line, field_path(err.loc), message, "each key once"
        ) from None
    top_fields = ", ".join(Scenario.model_fields)
    if doc.data is None:
        raise UserInputError(source, None, None, "the file is empty", f"a mapping of {top_fields}")
    if not isinstance(doc.data, dict):
        message = f"the top level is a {type(doc.data).__name__}, not a mapping"
        raise UserInputError(source, doc.line_of(()), None, message, f"a mapping of {top_fields}")
    try:
        return Scenario.model_validate(doc.data)
    except ValidationError as err:
        problem = first_problem(err, Scenario, doc)
        raise UserInputError(
            source, problem.line, problem.field, problem.message, problem.allowed
        ) from err


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML with every default filled in; ``parse_scenario`` reads it back equal."""
    data = scenario.model_dump(mode="json", exclude_none=True, by_alias=True)
    for radar in data.get("radars", []):  # the radar equation has no fixed Pd to write
        if "snr_ref_db" in radar:
            radar.pop("detection_probability", None)
    header = "# kaminari scenario, every default filled in\n"
    return header + yaml.safe_dump(
        data, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100
    )
