"""Training, resuming, interruption, atomic writes, the inspection plots and the train CLI."""

from __future__ import annotations

import os

os.environ["AUTOGRAD_LAB_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

from keras_models import cli, inspection, training  # noqa: E402
from keras_models.data import SAMPLE_PATH, load_mnist  # noqa: E402
from keras_models.models import build_model  # noqa: E402

pytestmark = pytest.mark.keras

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small():
    """2,000 training and 500 validation images of the shipped sample."""
    return load_mnist(path=SAMPLE_PATH, nval=500, limit=2000)


def assert_png(path: Path, min_size: int = 2000) -> None:
    assert path.is_file(), path
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert path.stat().st_size > min_size
    import matplotlib.image

    assert matplotlib.image.imread(path).shape[0] > 100


class StopAt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt part way through epoch `epoch`, like Ctrl-C would."""

    def __init__(self, epoch: int, batch: int = 3) -> None:
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == self.batch:
            raise KeyboardInterrupt


def test_mlp_learns_and_writes_history(small, tmp_path):
    model = build_model("mlp")
    result = training.train(
        model,
        small,
        optimizer="momentum",
        learning_rate=0.05,
        epochs=3,
        out_dir=tmp_path,
        verbose=0,
        seed=0,
    )
    hist = result.history
    assert len(hist["loss"]) == 3 and len(result.epoch_times) == 3
    assert hist["val_accuracy"][-1] > 0.8
    assert hist["loss"][-1] < hist["loss"][0] < 2.5
    assert result.samples_per_epoch == 2000 and result.samples_per_second > 0
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["epochs_done"] == 3 and not saved["interrupted"]
    np.testing.assert_allclose(saved["history"]["val_accuracy"], hist["val_accuracy"])
    assert (tmp_path / training.CHECKPOINT_NAME).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_unscaled_pixels_give_large_losses(small):
    (x, y), val, _ = small
    model = build_model("perceptron")
    result = training.train(
        model,
        ((x * 255, y), (val[0] * 255, val[1])),
        epochs=1,
        learning_rate=0.1,
        verbose=0,
        seed=0,
    )
    assert result.history["loss"][0] > 5


def test_resume_continues_after_the_last_epoch(small, tmp_path):
    first = training.train(
        build_model("perceptron"), small, epochs=1, out_dir=tmp_path, verbose=0, seed=1
    )
    assert first.initial_epoch == 0 and first.epochs_done == 1
    model = build_model("perceptron")
    second = training.train(model, small, epochs=2, out_dir=tmp_path, verbose=0, seed=1)
    assert second.initial_epoch == 1 and second.epochs_done == 2
    assert len(second.history["loss"]) == 2
    assert second.history["loss"][0] == pytest.approx(first.history["loss"][0])
    steps = -(-2000 // 128)
    assert int(model.optimizer.iterations.numpy()) == 2 * steps  # optimizer state came back
    done = training.train(
        build_model("perceptron"), small, epochs=2, out_dir=tmp_path, verbose=0
    )
    assert done.initial_epoch == 2 and done.epochs_done == 2
    fresh = training.train(
        build_model("perceptron"), small, epochs=1, out_dir=tmp_path, resume=False, verbose=0
    )
    assert fresh.initial_epoch == 0 and len(fresh.history["loss"]) == 1


def test_resume_into_another_model_is_a_clear_error(small, tmp_path):
    training.train(build_model("perceptron"), small, epochs=1, out_dir=tmp_path, verbose=0)
    with pytest.raises(ValueError, match="cannot resume"):
        training.train(build_model("mlp"), small, epochs=2, out_dir=tmp_path, verbose=0)


def test_keyboard_interrupt_still_writes_history(small, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        training.train(
            build_model("perceptron"),
            small,
            epochs=3,
            out_dir=tmp_path,
            verbose=0,
            callbacks=[StopAt(epoch=1)],
        )
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["interrupted"] is True
    assert saved["epochs_done"] == 1 and len(saved["history"]["loss"]) == 1
    resumed = training.train(
        build_model("perceptron"), small, epochs=2, out_dir=tmp_path, verbose=0
    )
    assert resumed.initial_epoch == 1 and resumed.epochs_done == 2


def test_early_stopping_stops(small):
    # With a zero learning rate the validation loss never improves after the first epoch.
    result = training.train(
        build_model("perceptron"),
        small,
        learning_rate=0.0,
        epochs=5,
        early_stopping=0,
        verbose=0,
    )
    assert result.stopped_early and result.epochs_done == 2


def test_unknown_optimizer():
    with pytest.raises(ValueError, match="adam"):
        training.make_optimizer("adagrad2", 0.1)


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "history.json"
    training.write_json(path, {"epochs_done": 1})

    def half_write(tmp):
        Path(tmp).write_text('{"epochs_do')
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        training.atomic_write(path, half_write)
    assert json.loads(path.read_text()) == {"epochs_done": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["history.json"]


def test_confusion_matrix_matches_a_loop():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    expected = np.zeros((10, 10), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        expected[t, p] += 1
    np.testing.assert_array_equal(inspection.confusion_matrix(y_true, y_pred), expected)
    one_hot = np.eye(10, dtype=np.float32)[y_true]
    np.testing.assert_array_equal(inspection.confusion_matrix(one_hot, y_pred), expected)


def test_most_confused_pairs():
    cm = np.diag([50] * 4)
    cm[3, 1], cm[0, 2], cm[2, 0] = 7, 4, 9
    assert inspection.most_confused_pairs(cm, k=2) == [(2, 0, 9), (3, 1, 7)]
    assert inspection.most_confused_pairs(cm, k=10) == [(2, 0, 9), (3, 1, 7), (0, 2, 4)]


def test_plots_of_a_trained_perceptron(small, tmp_path):
    model = build_model("perceptron")
    result = training.train(model, small, epochs=2, verbose=0, seed=0)
    x_test, y_test = small.test
    predicted = inspection.predict_classes(model, x_test)
    cm = inspection.confusion_matrix(y_test, predicted)
    assert cm.sum() == len(x_test)
    assert np.trace(cm) / cm.sum() > 0.75
    assert_png(inspection.plot_history(result, tmp_path / "curves.png"))
    assert_png(inspection.plot_confusion_matrix(cm, tmp_path / "confusion.png"))
    assert_png(inspection.plot_perceptron_weights(model, tmp_path / "weights.png"))
    weights = inspection.layer_weights(model)
    assert list(weights) == ["output"]
    assert [w.shape for w in weights["output"]] == [(784, 10), (10,)]


def test_feature_maps_of_a_cnn(small, tmp_path):
    model = build_model("cnn")
    sub = inspection.layer_output_model(model, "conv1")
    assert sub.output_shape == (None, 26, 26, 32)
    image = small.test[0][0]
    maps = np.asarray(sub.predict(image[None], verbose=0))
    assert maps.shape == (1, 26, 26, 32) and (maps >= 0).all()  # after ReLU
    assert_png(inspection.plot_feature_maps(model, image, "conv1", tmp_path / "f1.png"))
    assert_png(inspection.plot_feature_maps(model, image[..., 0], "conv2", tmp_path / "f2.png"))
    with pytest.raises(ValueError, match="expected"):
        inspection.plot_feature_maps(model, image, "output", tmp_path / "bad.png")


@pytest.mark.graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_plot_model_graph(tmp_path):
    pytest.importorskip("pydot")
    assert_png(inspection.plot_model_graph(build_model("resnet"), tmp_path / "model.png"))


def test_plot_model_graph_without_dot(tmp_path, monkeypatch):
    monkeypatch.setattr(inspection.shutil, "which", lambda name: None)
    with pytest.raises(inspection.GraphvizMissingError, match="install graphviz"):
        inspection.plot_model_graph(build_model("perceptron"), tmp_path / "model.png")


@pytest.mark.tensorflow
def test_select_device_on_this_machine():
    from keras_models import devices

    if keras.config.backend() != "tensorflow":
        pytest.skip("checks the TensorFlow backend")
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    described = devices.select_device(None)
    if gpus:
        assert described.startswith("GPU 0: ")
    else:
        assert described == "CPU"
    with pytest.raises(devices.DeviceError, match="GPU 99"):
        devices.select_device(99)


def parse(*argv: str) -> argparse.Namespace:
    return cli.add_train_arguments(argparse.ArgumentParser()).parse_args(list(argv))


def test_cli_arguments():
    args = parse(
        *["cnn", "--epochs", "3", "--lr", "0.01", "--gpu", "1", "--limit", "100"],
        *["--early-stopping", "2", "--engine", "autograd-lab"],
    )
    assert (args.model, args.epochs, args.lr, args.gpu, args.limit) == ("cnn", 3, 0.01, 1, 100)
    assert args.early_stopping == 2 and args.engine == "autograd-lab"
    assert parse("mlp").engine == "keras" and parse("mlp").out is None
    with pytest.raises(SystemExit):
        parse("transformer")


def test_cli_trains_and_writes_everything(tmp_path, capsys):
    out = tmp_path / "run"
    options = "--epochs 2 --limit 1500 --nval 500 --seed 0"
    args = parse("perceptron", *options.split(), "--data", str(SAMPLE_PATH), "--out", str(out))
    assert cli.run_train(args) == 0
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and "device:" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["test_accuracy"] > 0.75 and summary["epochs_done"] == 2
    assert summary["train_images"] == 1500 and summary["samples_per_s"] > 0
    assert len(summary["most_confused"]) == 5
    for name in ("curves.png", "confusion.png", "weights.png"):
        assert_png(out / name)
    assert (out / "model.keras").is_file() and (out / "history.json").is_file()
    reloaded = keras.models.load_model(out / "model.keras")
    assert reloaded.count_params() == 7850
    # Running again finds the finished run and does not train further.
    assert cli.run_train(args) == 0
    assert "resumed after epoch 2" in capsys.readouterr().out


def test_cli_reports_a_bad_data_file(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_text("not an npz")
    args = parse("mlp", "--data", str(bad), "--out", str(tmp_path / "run"))
    assert cli.run_train(args) == 2
    assert "bad.npz" in capsys.readouterr().err


def test_cli_hands_the_other_engine_over(monkeypatch):
    seen = []
    fake = types.ModuleType("autograd_lab.training")
    fake.train_from_cli = lambda args: seen.append(args) or 7
    monkeypatch.setitem(sys.modules, "autograd_lab.training", fake)
    if "autograd_lab" not in sys.modules:
        monkeypatch.setitem(sys.modules, "autograd_lab", types.ModuleType("autograd_lab"))
    args = parse("mlp", "--engine", "autograd-lab")
    assert cli.run_train(args) == 7 and seen == [args]


def test_cli_without_the_other_engine(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "autograd_lab.training", None)  # makes the import fail
    assert cli.run_train(parse("mlp", "--engine", "autograd-lab")) == 2
    assert "autograd-lab engine" in capsys.readouterr().err
