"""A TF1 tutorial's appendix runs unchanged on autograd-lab and prints what TF prints."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "tf1_appendix.py"
TF_IMPORT = "import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()"


def run_script(source: str, tmp_path: Path) -> str:
    path = tmp_path / "appendix.py"
    path.write_text(source)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_appendix_runs_on_autograd_lab(tmp_path):
    out = run_script(SCRIPT.read_text(), tmp_path).splitlines()
    assert out[0] == 'Tensor("add:0", dtype=float32)'
    assert out[1:4] == ["7.5", "[3. 7.]", "[np.float32(2.0)]"]
    assert out[4] == "(1000000,) float32 2.0 2.0"
    assert out[5] == "True"
    assert out[6] == "<tf.Variable 'Variable:0' shape=(4, 3) dtype=float32_ref>"
    assert out[7:] == ["1.0986", "True"]


@pytest.mark.tensorflow
def test_appendix_prints_what_tensorflow_prints(tmp_path):
    source = SCRIPT.read_text()
    assert "import autograd_lab as tf\n" in source
    ours = run_script(source, tmp_path)
    theirs = run_script(
        source.replace("import autograd_lab as tf\n", TF_IMPORT + "\n"), tmp_path
    )
    assert ours == theirs
