"""Shared test settings: Hypothesis profiles, and TensorFlow's C++ logging kept quiet.

Profiles (choose with HYPOTHESIS_PROFILE=ci|dev|thorough):
  ci        derandomized, few examples: the same cases on every run, a few minutes in all
  dev       random, more examples: the default on a workstation (CI unset)
  thorough  many examples, for an occasional long hunt
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_COMMON = {
    "deadline": None,  # TensorFlow's first calls trace graphs: timings vary a lot
    "print_blob": True,  # a failure prints @reproduce_failure(...) to rerun it exactly
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile("ci", max_examples=20, derandomize=True, **_COMMON)
settings.register_profile("dev", max_examples=50, **_COMMON)
settings.register_profile("thorough", max_examples=400, **_COMMON)

_default = "ci" if os.environ.get("CI") else "dev"
_profile = os.environ.get("HYPOTHESIS_PROFILE", _default)
if _profile not in ("ci", "dev", "thorough"):
    raise ValueError(f"HYPOTHESIS_PROFILE={_profile!r}: use ci, dev or thorough")
settings.load_profile(_profile)


@pytest.fixture(autouse=True)
def _restore_op_tables():
    """Put the derivative table and the kernels back as they were after each test.

    Tests and chapters register ops of their own (softplus and friends); without this they
    would stay in the global tables and show up in tests that walk the table.
    """
    from autograd_lab import derivatives, kernels

    table, kernel_table = dict(derivatives._TABLE), dict(kernels.KERNELS)
    yield
    for saved, live in ((table, derivatives._TABLE), (kernel_table, kernels.KERNELS)):
        if live != saved:
            live.clear()  # in place: other modules hold these very dicts
            live.update(saved)
