"""Real-data tests skip (saying why) on a newcomer's machine without ../shared/data; CI fails."""

from __future__ import annotations

import pytest

from tests.conftest import shared_mnist
from tests.fakes import write_mnist


@pytest.mark.parametrize("ci", ["true", "1"])
def test_ci_fails_when_the_shared_set_is_missing(tmp_path, monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=r"not at .*MNIST/raw; CI needs it"):
        shared_mnist(tmp_path)


@pytest.mark.parametrize("ci", [None, "false"])
def test_a_newcomer_skips_with_the_reason(tmp_path, monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match=r"not at .*MNIST/raw; set it up"):
        shared_mnist(tmp_path)


def test_the_set_is_used_when_present(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert shared_mnist(write_mnist(tmp_path)) == tmp_path
