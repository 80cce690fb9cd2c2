"""Every training test starts from the same seed."""

import pytest

import ember


@pytest.fixture(autouse=True)
def _seeded():
    ember.manual_seed(0)
