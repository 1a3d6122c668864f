"""The `Literal` types that let `mypy --strict` reject a misspelt code, role or status name the same values
as the registries the package checks at run time, so the two cannot drift apart."""

from __future__ import annotations

import typing

import modelfmt
from modelfmt.container._tensors import Role
from modelfmt.format._errors import _CATEGORY_CLASS, Category, Code, is_code
from modelfmt.runtime._run_errors import RunCode
from modelfmt.signing._signatures import SignatureStatus


def test_the_code_type_lists_every_registered_error_code_in_registry_order() -> None:
    assert typing.get_args(Code) == tuple(modelfmt.ERROR_CODES)


def test_is_code_accepts_exactly_the_registered_codes() -> None:
    assert all(is_code(code) for code in modelfmt.ERROR_CODES)
    assert not any(is_code(text) for text in ("TENSOR_NAM", "bad_magic", "", "BAD_MAGIC "))


def test_the_category_type_lists_every_category_with_its_class() -> None:
    assert set(typing.get_args(Category)) == set(_CATEGORY_CLASS)
    assert {entry.category for entry in modelfmt.ERROR_CODES.values()} == set(_CATEGORY_CLASS)
    assert {category: cls.category for category, cls in _CATEGORY_CLASS.items()} == {
        category: category for category in _CATEGORY_CLASS
    }


def test_the_runtime_codes_are_the_registered_codes_of_section_9_11() -> None:
    section = {code for code, entry in modelfmt.ERROR_CODES.items() if entry.section == "9.11"}
    assert set(typing.get_args(RunCode)) == section


def test_the_role_type_lists_the_roles() -> None:
    assert typing.get_args(Role) == modelfmt.ROLES


def test_the_signature_status_type_lists_what_verification_can_conclude() -> None:
    assert all(f'"{status}"' in (modelfmt.SignatureInfo.__doc__ or "") for status in typing.get_args(SignatureStatus))
