"""Backprop playback: the chain-rule walk of `explain` as pictures, one per step.

Each frame draws the forward graph with the active op highlighted and every gradient known so
far written on its node. The frames go into one self-contained HTML page (SVGs inline, prev
and next buttons) or an animated GIF (Pillow, which comes with matplotlib).
"""

from __future__ import annotations

import html
import io
import os
import re
from pathlib import Path
from typing import Any

from .explain import Explanation, explain
from .graphviz_render import (
    GraphPicture,
    atomic_write,
    build_digraph,
    describe_ops,
    format_value,
)

__all__ = ["frames", "playback", "write_gif", "write_html"]


def _grad_text(step: Any) -> str:
    if step.grad_in_value is not None:
        return format_value(step.grad_in_value)
    return step.grad_in


def frames(explanation: Explanation, max_label: int = 32) -> list[tuple[GraphPicture, str]]:
    """(picture, caption) pairs: the forward pass, then one per backward step."""
    infos = describe_ops(explanation.forward_ops)
    values = {
        f"{s.op_name}:0": s.forward_value
        for s in explanation.steps
        if s.forward_value is not None
    }
    out: list[tuple[GraphPicture, str]] = []
    first = "Forward pass: " + (
        "the values at "
        + ", ".join(f"{k} = {format_value(v)}" for k, v in explanation.at.items())
        if explanation.at
        else f"the graph of {explanation.y_name}"
    )
    out.append(
        (
            GraphPicture(build_digraph(infos, values=values, max_label=max_label, title=first)),
            first,
        )
    )
    known: dict[str, str] = {}
    for step in explanation.steps:
        known[step.op_name] = f"grad = {_grad_text(step)}"
        annotations = dict(known)
        for inp in step.inputs:
            product = (
                format_value(inp.product_value)
                if inp.product_value is not None
                else inp.product
            )
            previous = annotations.get(inp.input_name)
            extra = f"receives += {product}"
            annotations[inp.input_name] = f"{previous}\n{extra}" if previous else extra
        caption = "\n".join(explanation.step_lines(step))
        title = (
            f"Step {step.index} of {len(explanation.steps)}: {step.op_type} '{step.op_name}'"
        )
        if not step.is_target:
            title += f"   rule: {step.rule}"
        digraph = build_digraph(
            infos,
            values=values,
            annotations=annotations,
            highlight=[step.op_name],
            max_label=max_label,
            title=title,
        )
        out.append((GraphPicture(digraph), caption))
    return out


def _inline_svg(svg: bytes) -> str:
    text = svg.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text, flags=re.S)
    return text.strip()


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
.frame {{ display: none; }}
.frame svg {{ max-width: 100%; height: auto; }}
pre {{ background: #f6f8fa; padding: 0.8em; border-radius: 6px; }}
button {{ font-size: 1em; padding: 0.3em 1em; }}
</style>
</head>
<body>
<h2>{title}</h2>
<p><button id="prev">&#9664; prev</button> <span id="count"></span>
<button id="next">next &#9654;</button> (or the arrow keys)</p>
{frames}
<script>
var frames = document.querySelectorAll(".frame"), current = 0;
function show(k) {{
  current = Math.max(0, Math.min(frames.length - 1, k));
  frames.forEach(function (f, j) {{ f.style.display = j === current ? "block" : "none"; }});
  document.getElementById("count").textContent = (current + 1) + " / " + frames.length;
}}
document.getElementById("prev").onclick = function () {{ show(current - 1); }};
document.getElementById("next").onclick = function () {{ show(current + 1); }};
document.addEventListener("keydown", function (e) {{
  if (e.key === "ArrowLeft") show(current - 1);
  if (e.key === "ArrowRight") show(current + 1);
}});
show(0);
</script>
</body>
</html>
"""


def write_html(explanation: Explanation, path: str | os.PathLike) -> Path:
    """One HTML page with every frame's SVG inline and prev/next buttons; no other files."""
    parts = []
    for i, (picture, caption) in enumerate(frames(explanation)):
        parts.append(
            f'<div class="frame" id="frame-{i}">\n{_inline_svg(picture.pipe("svg"))}\n'
            f"<pre>{html.escape(caption)}</pre>\n</div>"
        )
    title = f"Backprop playback: d{explanation.y_name}/d{', '.join(explanation.x_names)}"
    page = _PAGE.format(title=html.escape(title), frames="\n".join(parts))
    return atomic_write(path, page)


def write_gif(
    explanation: Explanation, path: str | os.PathLike, seconds_per_frame: float = 2.0
) -> Path:
    """An animated GIF of the frames (needs Pillow, installed with matplotlib)."""
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow comes with matplotlib
        raise RuntimeError("write_gif needs Pillow: pip install pillow") from exc
    images = [
        Image.open(io.BytesIO(p.pipe("png"))).convert("RGB") for p, _ in frames(explanation)
    ]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    padded = []
    for im in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, ((width - im.width) // 2, 0))
        padded.append(canvas)
    buffer = io.BytesIO()
    padded[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=padded[1:],
        duration=int(seconds_per_frame * 1000),
        loop=0,
    )
    return atomic_write(path, buffer.getvalue())


def playback(
    y: Any,
    x: Any,
    at: Any = None,
    html_path: str | os.PathLike | None = None,
    gif_path: str | os.PathLike | None = None,
    session: Any = None,
) -> Explanation:
    """Explain dy/dx and write the playback as HTML and/or GIF; returns the explanation."""
    explanation = explain(y, x, at=at, session=session)
    if html_path is not None:
        write_html(explanation, html_path)
    if gif_path is not None:
        write_gif(explanation, gif_path)
    return explanation
