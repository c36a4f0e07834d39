"""The tour writes a browsable folder, and each step degrades honestly."""

import os
import shutil
import subprocess
import sys

import pytest

from autograd_lab import tour


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LAB_OFFLINE", "1")


@pytest.mark.keras
@pytest.mark.tensorflow
@pytest.mark.slow
def test_tour_writes_index_and_pictures(tmp_path):
    sections = tour.run_tour(tmp_path, quick=True, progress=False)
    assert [s.skipped for s in sections] == [None] * len(tour.STEPS)
    page = (tmp_path / "index.html").read_text()
    for name in (
        "graph_sin2x.svg",
        "graph_sin2x_gradients.svg",
        "dsin.png",
        "perceptron_curves.png",
        "perceptron_confusion.png",
        "perceptron_weights.png",
    ):
        assert (tmp_path / name).stat().st_size > 1000, name
        assert name in page
    assert "2*cos(2*x)" in page or "cos(2*x)*2" in page
    assert "Tensor(&quot;add:0&quot;, dtype=float32)" in page


def test_missing_graphviz_skips_only_the_pictures(tmp_path, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(
        shutil,
        "which",
        lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k),
    )
    monkeypatch.setattr(tour, "STEPS", [tour.step_session, tour.step_graphs])
    sections = tour.run_tour(tmp_path, progress=False)
    assert sections[0].skipped is None
    assert "Graphviz" in sections[1].skipped
    assert (tmp_path / "graph_2x.dot").exists()
    assert "Skipped" in (tmp_path / "index.html").read_text()


def test_a_failing_step_does_not_stop_the_others(tmp_path, monkeypatch):
    def broken(out, quick):
        raise RuntimeError("boom")

    monkeypatch.setattr(tour, "STEPS", [broken, tour.step_session])
    sections = tour.run_tour(tmp_path, progress=False)
    assert "boom" in sections[0].skipped and sections[1].skipped is None


def test_cli_prints_the_derivative_table():
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lab", "table", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, COLUMNS="200"),
    )
    import json

    rows = {r["op"]: r for r in json.loads(done.stdout)}
    assert rows["Sin"]["formula"] == "d sin(x) = cos(x) dx"
    assert rows["Less"]["differentiable"] is False
    assert rows["MatMul"]["tensorflow"] == "MatMul"


def test_import_does_not_pull_in_heavy_modules():
    code = (
        "import sys, autograd_lab; heavy = [m for m in ('tensorflow', 'keras', "
        "'matplotlib', 'rich', 'tqdm', 'graphviz') if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
