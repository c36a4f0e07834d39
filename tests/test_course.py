"""The course: every chapter runs top to bottom (`--quick`) and writes its pictures, every
exercise stub says it is to do, and every worked answer passes its chapter's check."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("AUTOGRAD_LAB_OFFLINE", "1")

CHAPTERS = {
    1: "ch01_graphs_and_sessions",
    2: "ch02_derivatives_on_graphs",
    3: "ch03_lookup_table_and_chain_rule",
    4: "ch04_perceptron_keras",
    5: "ch05_mlp_and_overfitting",
    6: "ch06_convolutional_networks",
    7: "ch07_inspecting_weights_and_outputs",
    8: "ch08_deeper_architectures",
}
EXERCISES = {1: 3, 2: 3, 3: 3, 4: 2, 5: 2, 6: 3, 7: 2, 8: 3}
PNG = b"\x89PNG\r\n\x1a\n"


def chapter(n: int) -> ModuleType:
    return importlib.import_module(f"examples.chapters.{CHAPTERS[n]}")


def solutions(n: int) -> ModuleType:
    return importlib.import_module(f"examples.solutions.ch{n:02d}_solutions")


def assert_pictures(folder: Path, names: list[str]) -> None:
    """Each named file exists, is non-empty, and is really a PNG or an SVG."""
    for name in names:
        path = folder / name
        assert path.is_file(), f"{name} was not written (found {sorted(os.listdir(folder))})"
        data = path.read_bytes()
        assert len(data) > 500, f"{name} is nearly empty ({len(data)} bytes)"
        if name.endswith(".png"):
            assert data.startswith(PNG), f"{name} is not a PNG"
        else:
            assert b"<svg" in data[:2000], f"{name} is not an SVG"


def run_chapter(n: int, out: Path) -> dict[str, Any]:
    result = chapter(n).main(["--out", str(out), "--quick"])
    assert result["exercises"], "the chapter should run its exercises"
    assert set(result["exercises"].values()) == {"todo"}, result["exercises"]
    return result


# ---- the course's frame: files, stubs, --solutions, the script form ---------------------
def test_every_chapter_has_its_files_and_solutions() -> None:
    for n, name in CHAPTERS.items():
        source = (ROOT / "examples" / "chapters" / f"{name}.py").read_text(encoding="utf-8")
        assert source.startswith("# %% [markdown]\n# # Chapter"), name
        assert source.count("# %% [markdown]") >= 4, f"{name} needs prose cells"
        assert (ROOT / "examples" / "solutions" / f"ch{n:02d}_solutions.py").is_file()
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    positions = [readme.index(name) for name in CHAPTERS.values()]
    assert positions == sorted(positions), "the README lists the chapters in order"


@pytest.mark.parametrize("n", sorted(CHAPTERS))
def test_exercise_stubs_say_what_to_do(n: int) -> None:
    module = chapter(n)
    for k in range(1, EXERCISES[n] + 1):
        stub = getattr(module, f"exercise_{k}")
        params = stub.__code__.co_argcount
        with pytest.raises(NotImplementedError, match=f"Exercise {n}.{k}"):
            stub(*([None] * params))
        assert callable(getattr(module, f"check_exercise_{k}"))
        assert callable(getattr(solutions(n), f"exercise_{k}"))


@pytest.mark.parametrize("n", sorted(CHAPTERS))
def test_solutions_flag_prints_the_answers(n: int, capsys: pytest.CaptureFixture) -> None:
    assert chapter(n).main(["--solutions"]) == {}
    printed = capsys.readouterr().out
    assert f"Chapter {n} answers" in printed
    assert "def exercise_1" in printed


def test_chapter_runs_as_a_script(tmp_path: Path) -> None:
    script = ROOT / "examples" / "chapters" / f"{CHAPTERS[1]}.py"
    done = subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Exercise 1.1: not done yet" in done.stdout
    assert str(tmp_path / "adder.svg") in done.stdout
    assert_pictures(tmp_path, ["adder.svg", "linear_model.svg", "formula.svg"])


def test_bad_out_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit):
        chapter(1).main(["--out", str(blocker)])
    assert "is not a folder" in capsys.readouterr().err


# ---- chapters 1-3: the engine ---------------------------------------------------------
@pytest.mark.graphviz
def test_chapter_1_runs_and_draws(tmp_path: Path) -> None:
    result = run_chapter(1, tmp_path)
    assert result["single"] == 7.5
    np.testing.assert_allclose(result["pair"], [3.0, 7.0])
    np.testing.assert_allclose(result["linear"]["after"], [0.0, -1.0, -2.0, -3.0])
    assert result["op_counts"] == {"Placeholder": 2, "Const": 1, "Mul": 2, "Sin": 1, "Exp": 1}
    assert_pictures(tmp_path, ["adder.svg", "linear_model.svg", "formula.svg"])


@pytest.mark.graphviz
def test_chapter_2_runs_and_draws(tmp_path: Path) -> None:
    result = run_chapter(2, tmp_path)
    assert result["2x"]["at_three"] == 2.0
    assert result["2x"]["many_min"] == result["2x"]["many_max"] == 2.0
    assert result["sin"]["formula"] == "cos(x)"
    assert result["sin"]["max_error"] < 1e-12
    assert result["partials"]["dx"] == pytest.approx(2 * np.cos(0.6) * np.exp(-0.5))
    assert result["second"]["sin(x)"] == "-sin(x)"
    assert_pictures(tmp_path, ["derivative_2x.svg", "sin_derivative.png", "partials.svg"])


@pytest.mark.graphviz
def test_chapter_3_runs_and_draws(tmp_path: Path) -> None:
    result = run_chapter(3, tmp_path)
    assert result["chain"]["sin2x"] == pytest.approx(2 * np.cos(1.0))
    assert result["chain"]["merged"] == pytest.approx(1.0 + np.cos(0.5))
    assert result["softplus"]["report_ok"] is True
    assert result["softplus"]["max_error"] < 1e-12
    assert result["wrong"] == [("softplus", "MyWrongSoftplus")]
    assert_pictures(
        tmp_path, ["chain_rule.svg", "softplus_gradient.svg", "softplus_derivative.png"]
    )


@pytest.mark.graphviz
@pytest.mark.parametrize("n", [1, 2, 3])
def test_engine_solutions_pass_inside_the_chapter(
    n: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the worked answers in place of the stubs, the chapter reports all correct."""
    module, answers = chapter(n), solutions(n)
    for k in range(1, EXERCISES[n] + 1):
        monkeypatch.setattr(module, f"exercise_{k}", getattr(answers, f"exercise_{k}"))
    status = module.main(["--out", str(tmp_path), "--quick"])["exercises"]
    assert set(status.values()) == {"correct"}, status


def test_solution_1() -> None:
    ch, sol = chapter(1), solutions(1)
    out, placeholders = sol.exercise_1()
    ch.check_exercise_1((out, placeholders))
    import autograd_lab as tf

    with tf.Session(graph=out.graph) as sess:
        assert (
            sess.run(
                out, {placeholders["a"]: 1.0, placeholders["b"]: 2.0, placeholders["c"]: 4.0}
            )
            == 12.0
        )
    assert sol.exercise_2(4) == [1.0, 2.0, 3.0, 4.0]
    ch.check_exercise_2(sol.exercise_2(4), 4)
    counts = sol.exercise_3("x*y + exp(x)")
    assert counts == {"Placeholder": 2, "Mul": 1, "Exp": 1, "AddV2": 1}
    ch.check_exercise_3(counts, "x*y + exp(x)")
    with pytest.raises(AssertionError, match="expected 1.0 .. 3.0"):
        ch.check_exercise_2([1.0, 1.0, 1.0], 3)


def test_solution_2(tmp_path: Path) -> None:
    ch, sol = chapter(2), solutions(2)
    grads = sol.exercise_1()
    assert grads.shape == (1_000_000,) and np.all(grads == 2.0)
    ch.check_exercise_1(grads)
    path = tmp_path / "dsin.png"
    xs, dsin = sol.exercise_2(path)
    assert path.read_bytes().startswith(PNG)
    np.testing.assert_allclose(dsin, np.cos(xs), atol=1e-12)
    ch.check_exercise_2((xs, dsin), path)
    points = np.linspace(-2, 2, 9)
    second = sol.exercise_3(points)
    np.testing.assert_allclose(second, -np.sin(points), atol=1e-12)
    ch.check_exercise_3(second, points)
    with pytest.raises(AssertionError):
        ch.check_exercise_1(np.full(1_000_000, 2.0) + np.eye(1, 1_000_000)[0])


def test_solution_3() -> None:
    ch, sol = chapter(3), solutions(3)
    local = sol.exercise_1(0.5)
    assert np.prod(local) == pytest.approx(2 * np.cos(1.0))
    ch.check_exercise_1(local, 0.5)
    report = sol.exercise_2()
    assert report.ok
    assert ("softsign", "MySoftsign") in {(r.op_name, r.op_type) for r in report.rows}
    ch.check_exercise_2(report)
    blamed = sol.exercise_3()
    assert blamed == [("cube", "MyCube")]
    ch.check_exercise_3(blamed)
    with pytest.raises(AssertionError, match="two ops"):
        ch.check_exercise_1([2 * np.cos(1.0)], 0.5)


# ---- chapters 4-8: Keras ----------------------------------------------------------------
@pytest.fixture(scope="module")
def ch4_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("ch04")
    return run_chapter(4, out), out


@pytest.fixture(scope="module")
def ch7_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("ch07")
    return run_chapter(7, out), out


@pytest.mark.keras
@pytest.mark.tensorflow
def test_chapter_4_runs_and_draws(ch4_run: tuple[dict[str, Any], Path]) -> None:
    result, out = ch4_run
    assert result["params"] == 7850
    assert 0.0 <= result["test_accuracy"] <= 1.0
    assert_pictures(out, ["digits.png", "perceptron_history.png", "perceptron_weights.png"])


@pytest.mark.keras
@pytest.mark.tensorflow
def test_solution_4(ch4_run: tuple[dict[str, Any], Path]) -> None:
    ch, sol = chapter(4), solutions(4)
    model = ch4_run[0]["model"]
    from keras_models.data import load_mnist

    images, labels = (a[:128] for a in load_mnist(nval=100, limit=200).test)
    probs = sol.exercise_1(model, images)
    np.testing.assert_allclose(probs, model.predict(images, verbose=0), atol=1e-4)
    ch.check_exercise_1(probs, model, images)
    accuracy = sol.exercise_2(model, images, labels)
    predicted = model.predict(images, verbose=0).argmax(axis=1)
    assert accuracy == pytest.approx(np.mean(predicted == labels.argmax(axis=1)))
    ch.check_exercise_2(accuracy, model, images, labels)
    with pytest.raises(AssertionError):
        ch.check_exercise_1(np.full((128, 10), 0.1), model, images)


@pytest.mark.keras
@pytest.mark.tensorflow
def test_chapter_5_and_its_solutions(tmp_path: Path) -> None:
    result = run_chapter(5, tmp_path)
    assert result["params"] == 203_530
    assert len(result["cures"]) == 4
    assert result["cures"]["256 units, early stopping"]["climb"] == 0.0
    assert_pictures(tmp_path, ["mlp_overfitting.png", "overfitting_cures.png"])
    ch, sol = chapter(5), solutions(5)
    assert sol.exercise_1() == 203_530
    ch.check_exercise_1(sol.exercise_1())
    from examples.chapters import Chapter
    from keras_models.data import load_mnist

    small, n_epochs = ch.overfitting_setup(
        Chapter(5, tmp_path, quick=True), load_mnist(nval=200, limit=300)
    )
    climbs = sol.exercise_2(small, n_epochs)
    assert set(climbs) == {256, 8}
    assert climbs[256] > 0.005 and climbs[8] < climbs[256]
    ch.check_exercise_2(climbs, small, n_epochs)
    with pytest.raises(AssertionError, match="never negative"):
        ch.check_exercise_2({256: 0.3, 16: -0.5}, small, n_epochs)
    with pytest.raises(AssertionError, match="should overfit"):
        ch.check_exercise_2({256: 0.0, 16: 0.1}, small, n_epochs)


@pytest.mark.keras
@pytest.mark.tensorflow
def test_chapter_6_and_its_solutions(tmp_path: Path) -> None:
    result = run_chapter(6, tmp_path)
    assert result["params"] == 34_826
    assert result["engine"]["check_ok"] is True
    assert result["engine"]["maps"].shape == (1, 26, 26, 2)
    assert_pictures(
        tmp_path,
        ["edge_filters.png", "cnn_history.png", "conv1_filters.png", "conv1_feature_maps.png"],
    )
    ch, sol = chapter(6), solutions(6)
    shapes = sol.exercise_1()
    assert shapes[-1] == (1600,) and shapes[0] == (26, 26, 32)
    ch.check_exercise_1(shapes)
    counts = sol.exercise_2()
    assert counts == {"conv1": 320, "conv2": 18_496, "output": 16_010}
    ch.check_exercise_2(counts)
    rng = np.random.default_rng(3)
    image, kernel = rng.normal(size=(9, 7)), rng.normal(size=(3, 3))
    valid = sol.exercise_3(image, kernel)
    assert valid.shape == (7, 5)
    assert valid[0, 0] == pytest.approx(np.sum(image[:3, :3] * kernel))
    ch.check_exercise_3(valid, image, kernel)
    with pytest.raises(AssertionError, match="flipped"):
        ch.check_exercise_3(sol.exercise_3(image, kernel[::-1, ::-1]), image, kernel)


@pytest.mark.keras
@pytest.mark.tensorflow
def test_chapter_7_runs_and_draws(ch7_run: tuple[dict[str, Any], Path]) -> None:
    result, out = ch7_run
    cm = result["cm"]
    assert cm.shape == (10, 10) and cm.sum() == 1000
    assert 0.0 < result["zero_fraction"] < 1.0
    names = ["confusion_matrix.png", "worst_mistakes.png", "hidden_activations.png"]
    names += ["hidden_weights.png"] + (["mlp_graph.png"] if shutil.which("dot") else [])
    assert_pictures(out, names)


@pytest.mark.keras
@pytest.mark.tensorflow
def test_solution_7(ch7_run: tuple[dict[str, Any], Path]) -> None:
    ch, sol = chapter(7), solutions(7)
    y_true = np.array([4, 4, 4, 9, 9, 3, 5, 5, 7, 0])
    y_pred = np.array([9, 9, 4, 4, 9, 5, 5, 3, 7, 0])
    cm, pair = sol.exercise_1(y_true, y_pred)
    assert cm[4, 9] == 2 and cm[9, 4] == 1 and cm[4, 4] == 1 and np.trace(cm) == 5
    assert cm.sum() == 10 and pair == (4, 9)
    ch.check_exercise_1((cm, pair), y_true, y_pred)
    with pytest.raises(AssertionError, match="confused"):
        ch.check_exercise_1((cm, (3, 5)), y_true, y_pred)
    model = ch7_run[0]["model"]
    from keras_models.data import load_mnist

    images = load_mnist(nval=100, limit=200).test[0][:128]
    share = sol.exercise_2(model, images)
    assert 0.0 < share < 1.0
    ch.check_exercise_2(share, model, images)


@pytest.mark.keras
@pytest.mark.tensorflow
def test_chapter_8_and_its_solutions(tmp_path: Path) -> None:
    result = run_chapter(8, tmp_path)
    vanishing = result["vanishing"]
    assert vanishing["plain"][-1] < 1e-6 * vanishing["plain"][0]
    assert min(vanishing["residual"]) > 1.0
    assert result["modes"]["bn_std"] == pytest.approx(1.0, abs=0.01)
    assert result["resnet"]["additions"] == 2
    pictures = ["gradient_vs_depth.png", "batchnorm_dropout.png", "resnet_history.png"]
    assert_pictures(tmp_path, pictures)
    ch, sol = chapter(8), solutions(8)
    x0 = np.full((1, ch.WIDTH), 0.5)
    plain, residual = sol.exercise_1(16, x0)
    assert plain < 1e-6 < 1.0 < residual
    ch.check_exercise_1((plain, residual), 16, x0)
    dropped = sol.exercise_2(0.3)
    np.testing.assert_allclose(np.unique(dropped), [0.0, 1 / 0.7], rtol=1e-6)
    ch.check_exercise_2(dropped, 0.3)
    batch = np.random.default_rng(2).normal(3.0, 2.0, size=(32, 5)).astype(np.float32)
    normed = sol.exercise_3(batch)
    np.testing.assert_allclose(normed.mean(axis=0), 0.0, atol=1e-6)
    ch.check_exercise_3(normed, batch)
    with pytest.raises(AssertionError, match="variance"):
        ch.check_exercise_3((batch - batch.mean(0)) / batch.std(0, ddof=1), batch)
