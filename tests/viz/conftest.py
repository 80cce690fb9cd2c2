"""Fixtures of the ember.viz tests."""

import sys
from collections.abc import Callable

import pytest


@pytest.fixture
def hide_package(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make importing a package (and its loaded submodules) fail, as if not installed.

    A ``None`` entry in ``sys.modules`` makes ``import`` raise ImportError; every
    loaded submodule is covered too, since ``from pkg.sub import x`` looks up
    ``pkg.sub`` directly.
    """

    def hide(package: str) -> None:
        for name in list(sys.modules):
            if name == package or name.startswith(f"{package}."):
                monkeypatch.setitem(sys.modules, name, None)
        monkeypatch.setitem(sys.modules, package, None)

    return hide
