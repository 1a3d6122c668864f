"""The errors of the tools around the format share one base, `modelfmt.ToolError`, and keep the builtin
base they always had, so `except ValueError` callers still catch them. None is a `ModelfmtError`: they
describe no modelfmt file and carry no code of SPEC.md §16."""

from __future__ import annotations

import modelfmt
import pytest
from modelfmt.torch._builder import ExportError
from modelfmt.torch._state import StateDictMismatchError
from modelfmt.torch._training import TrainingStateError

TOOL_ERRORS: dict[type[Exception], type[Exception]] = {
    modelfmt.ConversionError: Exception,
    modelfmt.KeyFileError: ValueError,
    ExportError: ValueError,
    StateDictMismatchError: ValueError,
    TrainingStateError: ValueError,
}


@pytest.mark.parametrize("cls", list(TOOL_ERRORS), ids=lambda cls: cls.__name__)
def test_a_tool_error_keeps_its_builtin_base_and_is_not_a_format_error(cls: type[Exception]) -> None:
    assert issubclass(cls, modelfmt.ToolError)
    assert issubclass(cls, TOOL_ERRORS[cls])
    assert not issubclass(cls, modelfmt.ModelfmtError)
    assert not hasattr(cls, "code")


def test_conversion_errors_stay_out_of_value_error() -> None:
    assert not issubclass(modelfmt.ConversionError, ValueError)
    assert not issubclass(modelfmt.ToolError, ValueError)
