"""pytest's warning filters (pyproject.toml): litlab's own warnings are errors, others are not."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("module", ["litlab", "litlab.data.tabular"])
def test_a_warning_from_litlab_code_is_an_error(module):
    with pytest.raises(UserWarning, match="from litlab"):
        warnings.warn_explicit("from litlab", UserWarning, "x.py", 1, module=module)


def test_a_warning_from_another_package_is_only_reported():
    with pytest.warns(UserWarning, match="elsewhere"):
        warnings.warn_explicit("elsewhere", UserWarning, "x.py", 1, module="litlabby.other")
