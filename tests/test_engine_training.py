"""Training MNIST with the engine: learning, Keras parity step by step, files and the CLI."""

from __future__ import annotations

import os

os.environ["AUTOGRAD_LAB_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograd_lab import training  # noqa: E402
from autograd_lab.training import (  # noqa: E402
    EngineModel,
    epoch_batches,
    fit,
    initial_weights,
    iter_batches,
)
from keras_models.data import SAMPLE_PATH, load_mnist  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small():
    """1,000 training and 500 validation images of the shipped sample."""
    return load_mnist(path=SAMPLE_PATH, nval=500, limit=1000)


# ---- weights, batches, optimisers ---------------------------------------------------------
def test_initial_weights_follow_glorot_uniform():
    w = initial_weights("mlp", seed=3)
    assert sorted(w) == ["hidden/bias", "hidden/kernel", "output/bias", "output/kernel"]
    kernel = w["hidden/kernel"]
    limit = math.sqrt(6 / (784 + 256))
    assert kernel.shape == (784, 256) and kernel.dtype == np.float32
    assert np.abs(kernel).max() <= limit
    assert np.std(kernel) == pytest.approx(limit / math.sqrt(3), rel=0.02)
    assert not w["output/bias"].any() and w["output/bias"].shape == (10,)
    np.testing.assert_array_equal(kernel, initial_weights("mlp", seed=3)["hidden/kernel"])
    assert not np.array_equal(kernel, initial_weights("mlp", seed=4)["hidden/kernel"])


def test_epoch_batches_cover_each_image_once_and_depend_on_seed_and_epoch():
    batches = epoch_batches(1000, 128, seed=1, epoch=0)
    assert [len(b) for b in batches] == [128] * 7 + [104]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(1000))
    again = epoch_batches(1000, 128, seed=1, epoch=0)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))
    assert not np.array_equal(batches[0], epoch_batches(1000, 128, seed=1, epoch=1)[0])
    assert not np.array_equal(batches[0], epoch_batches(1000, 128, seed=2, epoch=0)[0])
    with pytest.raises(ValueError, match="batch size must be positive"):
        epoch_batches(10, 0, 0, 0)


def test_bad_model_weights_and_optimizer_are_rejected_clearly():
    with pytest.raises(ValueError, match="no model 'cnn'"):
        EngineModel("cnn")
    weights = initial_weights("mlp", 0)
    del weights["output/bias"]
    with pytest.raises(ValueError, match=r"missing \['output/bias'\]"):
        EngineModel("mlp", weights)
    weights = initial_weights("perceptron", 0)
    weights["output/kernel"] = weights["output/kernel"][:100]
    with pytest.raises(ValueError, match=r"shape \(100, 10\), not \(784, 10\)"):
        EngineModel("perceptron", weights)
    with pytest.raises(ValueError, match="'rmsprop' is not available"):
        EngineModel("perceptron", optimizer="rmsprop")
    with pytest.raises(ValueError, match="positive number"):
        EngineModel("perceptron", learning_rate=-1.0)


# ---- learning ---------------------------------------------------------------------------
def test_mlp_learns_well_above_chance_in_two_epochs(small):
    model = EngineModel("mlp", seed=0, optimizer="momentum", learning_rate=0.05)
    result = fit(model, small, epochs=2, batch_size=32, seed=0, progress=False)
    hist = result.history
    assert sorted(hist) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 2 for v in hist.values())
    assert len(result.step_losses) == 2 * math.ceil(1000 / 32)
    assert result.step_losses[0] == pytest.approx(math.log(10), abs=0.4)
    assert hist["loss"][1] < hist["loss"][0] < 2.0
    assert hist["val_accuracy"][-1] > 0.75  # chance is 0.1
    test_loss, test_acc = model.evaluate(*small.test)
    assert test_acc > 0.75 and test_loss < 1.0
    probs = model.predict(small.test[0][:7])
    assert probs.shape == (7, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_fit_rejects_bad_data_clearly(small):
    (x, y), _, _ = small
    model = EngineModel("perceptron", seed=0)
    with pytest.raises(ValueError, match="1000 training images but 999 labels"):
        fit(model, [(x, y[:-1])], epochs=1, progress=False)
    no_val = [(x[:100], y[:100]), (x[:0], y[:0])]
    with pytest.raises(ValueError, match="give validation data"):
        fit(model, no_val, epochs=1, progress=False, early_stopping=2)
    result = fit(model, no_val, epochs=1, batch_size=50, progress=False)
    assert sorted(result.history) == ["accuracy", "loss"]
    with pytest.raises(ValueError, match="784 pixels"):
        model.train_step(np.zeros((4, 10, 10), np.float32), y[:4])


def test_checkpoint_state_resumes_the_same_trajectory(small, tmp_path):
    (x, y), _, _ = small
    batches = list(iter_batches(x, y, 64, seed=5, epoch=0))[:6]
    a = EngineModel("mlp", seed=1, optimizer="adam", learning_rate=0.001)
    for xb, yb in batches[:3]:
        a.train_step(xb, yb)
    path = training.save_npz(tmp_path / "state.npz", a.state())
    assert "beta1_power" in a.state() and "hidden/kernel/Adam" in a.state()
    b = EngineModel("mlp", seed=99, optimizer="adam", learning_rate=0.001)
    b.load_state(training.load_npz(path))
    for xb, yb in batches[3:]:
        assert a.train_step(xb, yb) == b.train_step(xb, yb)
    with pytest.raises(ValueError, match="does not fit model"):
        EngineModel("mlp", optimizer="sgd").load_state(training.load_npz(path))


def test_early_stopping_restores_the_best_weights(small, monkeypatch):
    """Scripted validation losses: best after epoch 2, worse after 3, so patience 1 stops."""
    model = EngineModel("perceptron", seed=0, optimizer="sgd", learning_rate=0.1)
    val_losses = iter([1.0, 0.5, 0.7, 0.4])
    monkeypatch.setattr(model, "evaluate", lambda x, y: (next(val_losses), 0.5))
    snapshots = []
    result = fit(
        model,
        small,
        epochs=4,
        batch_size=100,
        seed=0,
        progress=False,
        early_stopping=1,
        on_epoch_end=lambda r: snapshots.append(model.get_weights()),
    )
    assert result.stopped_early and result.epochs_done == 3
    assert result.history["val_loss"] == [1.0, 0.5, 0.7]
    restored = model.get_weights()["output/kernel"]
    np.testing.assert_array_equal(restored, snapshots[1]["output/kernel"])
    assert not np.array_equal(restored, snapshots[2]["output/kernel"])


# ---- against Keras ------------------------------------------------------------------------
@pytest.mark.keras
@pytest.mark.tensorflow
@pytest.mark.parametrize("optimizer, lr", [("momentum", 0.05), ("sgd", 0.1), ("adam", 0.001)])
def test_first_step_losses_equal_keras(small, optimizer, lr):
    """Same initial weights and batches: the batch losses agree to float32 rounding."""
    pytest.importorskip("keras")
    from keras_models.models import build_model
    from keras_models.training import make_optimizer

    weights = initial_weights("mlp", seed=7)
    ours = EngineModel("mlp", weights, optimizer, lr)
    theirs = build_model("mlp")
    for layer in ("hidden", "output"):
        theirs.get_layer(layer).set_weights(
            [weights[f"{layer}/kernel"], weights[f"{layer}/bias"]]
        )
    theirs.compile(
        optimizer=make_optimizer(optimizer, lr),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    (x, y), _, _ = small
    ours_losses, keras_losses = [], []
    for index in epoch_batches(len(x), 100, seed=0, epoch=0)[:6]:
        ours_losses.append(ours.train_step(x[index], y[index])[0])
        logs = theirs.train_on_batch(x[index], y[index], return_dict=True)
        keras_losses.append(float(logs["loss"]))
    assert ours_losses[-1] < ours_losses[0]  # the steps did change the weights
    np.testing.assert_allclose(ours_losses, keras_losses, rtol=0, atol=2e-5)
    final = ours.get_weights()
    np.testing.assert_allclose(
        final["output/kernel"], theirs.get_layer("output").get_weights()[0], atol=1e-5
    )


# ---- the command ------------------------------------------------------------------------
def _args(*argv: str) -> argparse.Namespace:
    from keras_models.cli import add_train_arguments

    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.keras
@pytest.mark.tensorflow
def test_cli_trains_writes_keras_outputs_and_resumes(tmp_path, capsys):
    """history.json, curves.png, confusion.png, weights, summary; a rerun resumes."""
    pytest.importorskip("keras")
    from autograd_lab.cli import main

    out = tmp_path / "run"
    common = [
        "--engine",
        "autograd-lab",
        "--data",
        str(SAMPLE_PATH),
        "--nval",
        "200",
        "--limit",
        "600",
        "--batch-size",
        "50",
        "--out",
        str(out),
    ]
    assert main(["train", "perceptron", "--epochs", "1", *common]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and "autograd-lab engine" in printed
    for name in ("curves.png", "confusion.png", "weights.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC, name
    history = json.loads((out / "history.json").read_text())
    assert sorted(history["history"]) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history["epochs_done"] == 1 and history["config"]["engine"] == "autograd-lab"
    summary = json.loads((out / "summary.json").read_text())
    assert 0.6 < summary["test_accuracy"] <= 1.0 and summary["parameters"] == 7850
    assert summary["epoch_time_s"] > 0
    with np.load(out / "weights.npz") as npz:
        assert npz["output/kernel"].shape == (784, 10)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temp files

    assert main(["train", "perceptron", "--epochs", "2", *common]) == 0
    assert "resuming after epoch 1" in capsys.readouterr().out
    history = json.loads((out / "history.json").read_text())
    assert history["epochs_done"] == 2 and len(history["history"]["loss"]) == 2

    assert main(["train", "perceptron", "--epochs", "3", "--lr", "0.5", *common]) == 2
    assert "other settings" in capsys.readouterr().err


def test_cli_refuses_models_and_files_it_cannot_handle(tmp_path, capsys):
    assert training.train_from_cli(_args("cnn", "--engine", "autograd-lab")) == 2
    assert "--engine keras" in capsys.readouterr().err
    missing = tmp_path / "nope.npz"
    args = _args(
        "mlp", "--engine", "autograd-lab", "--data", str(missing), "--out", str(tmp_path / "o")
    )
    assert training.train_from_cli(args) == 2
    assert "not found" in capsys.readouterr().err
