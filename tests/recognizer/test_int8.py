"""The recognizer's 8-bit copy: written from train-side crops, read only when asked for,
and reading what the float network reads."""

import shutil

import numpy as np
import pytest
from split_kit import split_sides

from alpr.recognizer.preprocess import load_rgb
from alpr.recognizer.quantize import INT8_ONNX, quantize_onnx
from alpr.recognizer.recognizer import Recognizer, default_model_dir

pytestmark = pytest.mark.skipif(not (default_model_dir() / INT8_ONNX).exists(),
                                reason="no 8-bit copy in models/plate-ocr")


def test_reads_the_tune_side_crops_as_the_float_network_does(shared_datasets):
    tune = [it for it in split_sides(shared_datasets).tune if it.box is None][:120]
    imgs = [load_rgb(it.image) for it in tune]
    fp = Recognizer.load().read_crops(imgs)
    q = Recognizer.load(precision="int8").read_crops(imgs)
    same = sum(a.text == b.text for a, b in zip(fp, q, strict=True)) / len(imgs)
    right = sum(b.text == it.plate for b, it in zip(q, tune, strict=True)) / len(imgs)
    right_fp = sum(a.text == it.plate for a, it in zip(fp, tune, strict=True)) / len(imgs)
    assert same >= 0.95, same
    assert right >= right_fp - 0.03, (right, right_fp)


def test_a_folder_without_an_8_bit_copy_says_how_to_write_one(tmp_path):
    for name in ("card.json", "model.onnx"):
        shutil.copy2(default_model_dir() / name, tmp_path / name)
    with pytest.raises(FileNotFoundError, match="quantize_recognizer.py"):
        Recognizer.load(tmp_path, precision="int8")
    with pytest.raises(ValueError, match="precision 'half'"):
        Recognizer.load(tmp_path, precision="half")


def test_quantising_writes_a_copy_that_loads_and_reads(tmp_path):
    for name in ("card.json", "model.onnx"):
        shutil.copy2(default_model_dir() / name, tmp_path / name)
    rng = np.random.default_rng(0)
    crops = [rng.integers(0, 255, (40, 120, 3), dtype=np.uint8) for _ in range(8)]
    with pytest.raises(ValueError, match="calibration images"):
        quantize_onnx(tmp_path / "model.onnx", tmp_path / INT8_ONNX, [], 64, 128)
    quantize_onnx(tmp_path / "model.onnx", tmp_path / INT8_ONNX, crops, 64, 128)
    assert (tmp_path / INT8_ONNX).stat().st_size < (tmp_path / "model.onnx").stat().st_size / 2
    reads = Recognizer.load(tmp_path, precision="int8").read_crops(crops[:2])
    assert len(reads) == 2 and all(0.0 <= r.confidence <= 1.0 for r in reads)


def test_alpr_read_int8_reads_crops_and_names_a_missing_copy(shared_datasets, tmp_path, capsys):
    from alpr.cli import main

    tune = [it for it in split_sides(shared_datasets).tune if it.box is None][:6]
    files = [str(it.image) for it in tune]
    assert main(["read", "--crops", "--int8", *files]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(files) and all('"text"' in line for line in lines)
    for name in ("card.json", "model.onnx"):
        shutil.copy2(default_model_dir() / name, tmp_path / name)
    assert main(["read", "--crops", "--int8", "--model", str(tmp_path), files[0]]) == 2
    assert "no 8-bit copy" in capsys.readouterr().err
