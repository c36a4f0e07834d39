"""The engine benchmark suite runs end to end at tiny sizes and writes well-formed JSON."""

from __future__ import annotations

import json

import pytest

from autograd_lab.files import write_json
from benchmarks import engine


def _check_timed(result: dict, floor: str) -> None:
    assert result["seconds"], "no contender was timed"
    for name, seconds in result["seconds"].items():
        assert seconds > 0, name
        assert result["ratios"][name] == pytest.approx(seconds / result["seconds"][floor])
    assert result["ratios"][floor] == pytest.approx(1.0)


def test_numpy_backprop_matches_our_gradients_at_tiny_size():
    result = engine.w2_dense(quick=True, with_tf=False)  # raises if the gradients disagree
    assert result["sizes"] == [20, 16, 4]
    _check_timed(result, "numpy")


def test_depth_chain_counts_ops_and_memory_without_tensorflow():
    (row,) = engine.w3_depth(quick=True, with_tf=False, sizes=[7])["rows"]
    assert row["n"] == 7
    # the placeholder, the two shared number constants, then sin, mul and add per step
    assert row["ours_forward_ops"] == 1 + 2 + 3 * 7
    assert 0 < row["ours_gradient_ops"] <= 4 * 7
    assert row["peak_python_bytes"]["ours"] > 0
    _check_timed(row, "python")


def test_overhead_and_targets_and_json(tmp_path):
    results = {"w4": engine.w4_overhead(quick=True, k=8, size=4)}
    assert results["w4"]["ratio"] > 0
    results["targets"] = engine.targets(results)
    (target,) = results["targets"]
    assert target["status"] in ("PASS", "MISS") and target["limit"] == 1.5
    path = tmp_path / "out" / "engine.json"
    write_json(path, results)
    assert json.loads(path.read_text())["w4"]["k"] == 8
    assert [p.name for p in path.parent.iterdir()] == ["engine.json"]  # no temporary left


def test_import_probe_reports_no_heavy_modules():
    result = engine.import_time(quick=True)
    assert result["heavy_modules_imported"] == []
    assert result["seconds"]["autograd_lab"] > 0 and result["seconds"]["numpy"] > 0


@pytest.mark.tensorflow
def test_tensorflow_contenders_run_at_tiny_size():
    w1 = engine.w1_scalar(quick=True, with_tf=True)
    assert set(w1["seconds"]) == {"ours", "python", "tf_eager", "tf_function", "tf1_session"}
    _check_timed(w1, "python")
    w2 = engine.w2_dense(quick=True, with_tf=True)
    assert {"tf_eager", "tf_function", "tf1_session"} <= set(w2["seconds"])
    (row,) = engine.w3_depth(quick=True, with_tf=True, sizes=[4])["rows"]
    assert row["tf1_gradient_ops"] > 0
    assert row["ours_gradient_ops"] <= row["tf1_gradient_ops"]
    names = {t["target"] for t in engine.targets({"w1": w1, "w2": w2})}
    assert "W1 ours / python floor" in names and "W2 ours / tf1_session" in names
