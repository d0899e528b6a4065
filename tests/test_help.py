"""help() helps: every public name has a docstring and a signature, the same
signature under both backends."""

from __future__ import annotations

import ast
import inspect
import pydoc
import sys
from types import ModuleType
from typing import Any

import pytest

import legacy_app
import legacy_app.cli
import rust_ext
from tests import children
from tests.conftest import PUBLIC_NAMES

# PyO3 attaches a class's signature only from Python 3.10 in an abi3 build; on 3.9
# help(Point) shows the docstring, which names the arguments.
CLASS_SIGNATURES = sys.version_info >= (3, 10)
# The compiled classes, and how their docstrings name their arguments.
RUST_CLASSES = {"Point": "Point(x, y)", "PointSet": "PointSet(points)"}


def has_signature(obj: Any) -> bool:
    return CLASS_SIGNATURES or obj not in [getattr(rust_ext, name) for name in RUST_CLASSES]


# What help() shows as each public name's parameters (a class: its constructor's).
CONTRACT_PARAMETERS: dict[str, list[str]] = {
    "Point": ["x", "y"],
    "PointSet": ["points"],
    "say_hello": [],
    "fact": ["n"],
    "throws_error": [],
    "load_points": ["path"],
    "print_sleep": ["duration"],
    "nearest_neighbors": ["points", "progress"],
    "closest_pair": ["points", "progress"],
    "path_length": ["points"],
    "greedy_route": ["points", "start", "progress"],
}


def parameters(obj: Any) -> list[tuple[str, Any, Any]]:
    signature = inspect.signature(obj)
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_documented_with_a_signature(api: ModuleType, name: str) -> None:
    assert sorted(CONTRACT_PARAMETERS) == sorted(PUBLIC_NAMES)
    obj = getattr(api, name)
    assert (obj.__doc__ or "").strip(), name
    if has_signature(obj):
        # The contract's parameters (inspect raises where the object shows none).
        assert [name for name, _, _ in parameters(obj)] == CONTRACT_PARAMETERS[name]
    text = pydoc.render_doc(obj)
    assert obj.__doc__.strip().splitlines()[0] in text


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_same_signature_under_both_backends(
    python_api: ModuleType, rust_api: ModuleType, name: str
) -> None:
    if has_signature(getattr(rust_api, name)):
        assert parameters(getattr(python_api, name)) == parameters(getattr(rust_api, name))
    else:
        assert RUST_CLASSES[name] in getattr(rust_api, name).__doc__


def test_rust_functions_have_text_signatures() -> None:
    for name in rust_ext.__all__:
        obj: Any = getattr(rust_ext, name)
        if inspect.isroutine(obj) or (name in RUST_CLASSES and CLASS_SIGNATURES):
            assert getattr(obj, "__text_signature__", None), name


@pytest.mark.parametrize("member", ["x", "y", "dist", "__reduce__"])
def test_point_members_documented(api: ModuleType, member: str) -> None:
    assert (getattr(api.Point, member).__doc__ or "").strip()


POINT_SET_MEMBERS = ["load", "bounds", "centroid", "nearest_neighbors", "closest_pair"]
POINT_SET_MEMBERS += ["greedy_route", "path_length", "to_numpy", "index", "count"]


@pytest.mark.parametrize("member", POINT_SET_MEMBERS)
def test_point_set_members_documented(api: ModuleType, member: str) -> None:
    assert (getattr(api.PointSet, member).__doc__ or "").strip()


@pytest.mark.parametrize("member", POINT_SET_MEMBERS[3:])
def test_point_set_methods_have_the_same_signature_under_both_backends(
    python_api: ModuleType, rust_api: ModuleType, member: str
) -> None:
    # Bound methods, as callers call them: how each language declares `self` (a
    # positional-only `$self` in PyO3) is not what a caller passes.
    python, rust = (
        getattr(api.PointSet([api.Point(1, 2), api.Point(3, 4)]), member)
        for api in (python_api, rust_api)
    )
    assert parameters(python) == parameters(rust)


def test_modules_documented() -> None:
    for module in (legacy_app, rust_ext, legacy_app.errors, legacy_app.cli):
        assert (module.__doc__ or "").strip(), module


# What help() of each public name must say, whatever the wording: the facts a caller
# needs (ties, NumPy in and out, progress, what it raises), under both backends.
DOCUMENTED_FACTS: dict[str, list[str]] = {
    "nearest_neighbors": [
        "lowest index",
        "NumPy",
        "PointSet",
        "progress",
        "ValueError",
        "TypeError",
    ],
    "closest_pair": ["smallest", "NumPy", "PointSet", "progress", "ValueError", "TypeError"],
    "path_length": ["fsum", "NumPy", "PointSet", "ValueError", "TypeError"],
    "greedy_route": ["lowest index", "NumPy", "PointSet", "progress", "IndexError", "TypeError"],
    "load_points": ["HelloIOError", "PointsFormatError"],
    "fact": ["ValueError", "TypeError"],
    "print_sleep": ["ValueError", "TypeError", "OverflowError", "event loop"],
    "throws_error": ["AppleStuckInThroat"],
    "say_hello": ["sys.stdout"],
    "Point": ["ValueError", "TypeError"],
    "PointSet": ["NumPy", "PointSet.load"],
}


def test_every_public_name_has_its_facts_listed() -> None:
    assert sorted(DOCUMENTED_FACTS) == sorted(PUBLIC_NAMES)


@pytest.mark.parametrize("name", sorted(DOCUMENTED_FACTS))
def test_help_states_the_facts(api: ModuleType, name: str) -> None:
    text = " ".join((getattr(api, name).__doc__ or "").split())
    missing = [fact for fact in DOCUMENTED_FACTS[name] if fact not in text]
    assert not missing, f"help({name}) does not say {missing}: {text!r}"


def stub_docstrings() -> dict[str, str]:
    """The docstring of the first definition of each name in ``rust_ext``'s stub."""
    tree = ast.parse((children.SUITE / "stubs" / "rust_ext" / "__init__.pyi").read_text("utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name not in found:
            found[node.name] = " ".join((ast.get_docstring(node) or "").split())
    return found


@pytest.mark.checkout
@pytest.mark.parametrize("name", sorted(set(DOCUMENTED_FACTS) - {"print_sleep"}))
def test_the_stubs_state_the_facts(name: str) -> None:
    """The stubs are what an editor shows a caller: the same facts, in fewer words
    (``print_sleep`` is ``legacy_app._rust``'s own ``async def``, not the module's)."""
    text = stub_docstrings()[name]
    facts = [fact for fact in DOCUMENTED_FACTS[name] if fact != "PointSet"]
    missing = [fact for fact in facts if fact not in text]
    assert not missing, f"the stub of {name} does not say {missing}: {text!r}"
