"""Verification: derivatives checked against finite differences and against TensorFlow.

`check_gradients` (finite differences, every rule named), `compare` (side by side with
TensorFlow's three ways of differentiating) and the tolerances both use. TensorFlow is
imported only when a comparison needs it.
"""

from __future__ import annotations

from .checks import (
    CheckRow,
    GradientReport,
    check_gradients,
    check_op,
    clone_graph,
    numeric_gradient,
)
from .compare import CompareRow, ComparisonReport, compare
from .tolerances import AGREEMENT, FINITE_DIFFERENCE, Tolerance, agreement, finite_difference

__all__ = [
    "AGREEMENT",
    "FINITE_DIFFERENCE",
    "CheckRow",
    "CompareRow",
    "ComparisonReport",
    "GradientReport",
    "Tolerance",
    "agreement",
    "check_gradients",
    "check_op",
    "clone_graph",
    "compare",
    "finite_difference",
    "numeric_gradient",
]
