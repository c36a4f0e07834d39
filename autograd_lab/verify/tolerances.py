"""Every tolerance the checks use, per dtype, each with the reason for its size.

Two kinds of comparison need different bounds:

* **analytic vs finite differences** (`FINITE_DIFFERENCE`): a central difference
  (f(x + h) - f(x - h)) / 2h is off by about h² f'''/6 (truncation) plus eps·|f|/h (rounding),
  which is smallest near h = eps^(1/3). Steps are powers of two, so x ± h is exact.
* **analytic vs analytic** (`AGREEMENT`): autograd-lab against TensorFlow, both exact in
  principle; they differ only by rounding in another order of operations.

An element passes when |ours - reference| <= atol + rtol * |reference|, as `numpy.allclose`.

How this compares with other libraries' gradient checkers:

===========================  ==============  ===================  ==================
checker                      step            float32              float64
===========================  ==============  ===================  ==================
torch.autograd.gradcheck     eps = 1e-6      (float64 advised)    atol 1e-5, rtol 1e-3
jax.test_util.check_grads    eps = 1e-4      atol = rtol ≈ 2e-3   atol = rtol = 1e-5
tf.test.compute_gradient     delta = 2^-10   tolerance chosen by  each test (often
                             (all dtypes)    1e-3 to 1e-2)        1e-6 to 1e-8)
autograd-lab (this module)   2^-17 (f64),    atol 2e-2,           atol 1e-6,
                             2^-8 (f32)      rtol 2e-2            rtol 1e-5
===========================  ==============  ===================  ==================

torch's step 1e-6 assumes float64 and pairs it with a loose rtol (1e-3) because a step that
small is dominated by rounding; our float64 step 2^-17 ≈ 7.6e-6 sits near eps^(1/3), so the
same functions pass with a 100 times tighter rtol. Like torch and unlike jax, checks run in
float64 by default (the graph is cloned to float64), so float32 bounds matter only when a
caller asks to check in float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """A finite-difference step (unused for agreement checks), atol, rtol and the reason."""

    step: float
    atol: float
    rtol: float
    reason: str

    def allclose(self, actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
        """Elementwise pass/fail: |actual - expected| <= atol + rtol * |expected|."""
        actual = np.asarray(actual, dtype=np.float64)
        expected = np.asarray(expected, dtype=np.float64)
        return np.abs(actual - expected) <= self.atol + self.rtol * np.abs(expected)


FINITE_DIFFERENCE: dict[str, Tolerance] = {
    "float64": Tolerance(
        step=2.0**-17,
        atol=1e-6,
        rtol=1e-5,
        reason="step ≈ eps^(1/3) (eps = 2.2e-16): truncation and rounding errors are both "
        "about 1e-10 relative, leaving a margin of 10^4 for large third derivatives "
        "(exp, tan, 1/x near their steep parts)",
    ),
    "float32": Tolerance(
        step=2.0**-8,
        atol=2e-2,
        rtol=2e-2,
        reason="eps = 1.2e-7 makes the best central difference good to only about 1e-4 "
        "relative and composed ops add their own rounding: 2e-2 still catches a wrong sign "
        "or a missing factor, which is what a checker is for",
    ),
    "float16": Tolerance(
        step=2.0**-4,
        atol=1e-1,
        rtol=1e-1,
        reason="eps = 9.8e-4: a central difference is good to about 1e-2 at best",
    ),
}

AGREEMENT: dict[str, Tolerance] = {
    "float64": Tolerance(
        step=0.0,
        atol=1e-9,
        rtol=1e-7,
        reason="both sides exact up to rounding; sums in another order and TensorFlow's own "
        "kernels (e.g. Eigen's tanh, sigmoid, exp) differ by a few ulps, amplified by "
        "cancellation in composed expressions",
    ),
    "float32": Tolerance(
        step=0.0,
        atol=1e-4,
        rtol=1e-3,
        reason="eps = 1.2e-7; Eigen's vectorised float32 transcendental functions are "
        "accurate to a few ulps, and composed ops (pow, softmax, conv sums) lose more",
    ),
    "float16": Tolerance(
        step=0.0,
        atol=1e-2,
        rtol=1e-2,
        reason="eps = 9.8e-4 and TensorFlow computes some float16 ops in float32",
    ),
}


def _name(dtype: object) -> str:
    name = getattr(dtype, "name", None) or np.dtype(dtype).name  # type: ignore[arg-type]
    return str(name)


def finite_difference(dtype: object) -> Tolerance:
    """The step and bounds for checking gradients against finite differences in `dtype`."""
    name = _name(dtype)
    if name not in FINITE_DIFFERENCE:
        raise ValueError(
            f"no finite-difference tolerance for dtype {name}; floating dtypes only "
            f"({', '.join(FINITE_DIFFERENCE)})"
        )
    return FINITE_DIFFERENCE[name]


def agreement(dtype: object) -> Tolerance:
    """The bounds for two analytic results in `dtype` (autograd-lab against TensorFlow)."""
    name = _name(dtype)
    if name not in AGREEMENT:
        raise ValueError(
            f"no agreement tolerance for dtype {name}; floating dtypes only "
            f"({', '.join(AGREEMENT)})"
        )
    return AGREEMENT[name]
