"""See the graph: Graphviz pictures, formulas (from `autograd_lab.formulas`), the chain rule
step by step, plots.

Names load on first use, so `import viz` (and the command line) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "render": "graphviz_render",
    "GraphPicture": "graphviz_render",
    "GraphvizMissingError": "graphviz_render",
    "to_text": "autograd_lab.formulas",
    "to_latex": "autograd_lab.formulas",
    "explain": "explain",
    "Explanation": "explain",
    "backward_values": "explain",
    "playback": "playback",
    "write_html": "playback",
    "write_gif": "playback",
    "plot_derivative": "plots",
    "render_tf": "tensorflow_graphs",
    "side_by_side": "tensorflow_graphs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'viz' has no attribute {name!r}")
    path = module if "." in module else f"{__name__}.{module}"
    value = getattr(importlib.import_module(path), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
