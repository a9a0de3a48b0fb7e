"""Every docstring example of the package runs (pyoxigraph's habit)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import policykg


def _modules() -> list[str]:
    names = ["policykg"]
    for sub in (
        "policykg",
        "policykg.loaders",
        "policykg.graph",
        "policykg.ontology",
        "policykg.queries",
        "policykg.viz",
    ):
        package = importlib.import_module(sub)
        for info in pkgutil.walk_packages(package.__path__, prefix=sub + "."):
            names.append(info.name)
    return sorted(set(names))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} failing docstring examples in {name}"


def test_the_package_has_a_version():
    assert policykg.__version__
