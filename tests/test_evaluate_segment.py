"""Tiled inference, batch segmentation, evaluation of folders, and the baselines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
import torch

from advseg.baselines import ClassicalWatershed, IlastikStyleClassifier, filter_bank
from advseg.baselines.features import feature_names
from advseg.cli.main import main
from advseg.data.config import DataConfig
from advseg.data.datasets import Sample
from advseg.data.synthetic import SyntheticConfig, synthetic_timelapse
from advseg.evaluation.inference import predict_probs
from advseg.evaluation.postprocess import postprocess
from advseg.evaluation.scoring import evaluate_folders, evaluate_labels, pairing_key
from advseg.nn import PaperEstimator, UNetEstimator
from advseg.nn.config import ModelConfig
from advseg.training.modelfile import save_model


@pytest.fixture(scope="module")
def movie():
    return synthetic_timelapse(SyntheticConfig(n_frames=3, height=160, width=200, n_nuclei=14, n_pairs=3, n_divisions=0), seed=2)


@pytest.fixture(scope="module")
def samples(movie) -> list[Sample]:
    return [Sample(f"f{t}", movie.images[t].astype(np.float32), movie.labels[t].astype(np.int32), "uint16") for t in range(3)]


def trained_like(net: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(0)
    net.train()
    with torch.no_grad():  # give batch norm non-trivial running statistics
        for _ in range(3):
            net(torch.rand(2, 1, 64, 64) * 1000)
    return net.eval()


@pytest.mark.parametrize("kernel", [3, 4])
def test_tiled_inference_equals_whole_frame_for_the_paper_net(movie, kernel: int) -> None:
    net = trained_like(PaperEstimator(layer4_kernel=kernel))
    image = movie.images[0].astype(np.float32)
    whole = predict_probs(net, image, tile=1024)
    tiled = predict_probs(net, image, tile=48, context=16)
    assert np.allclose(whole, tiled, atol=1e-5)
    assert np.array_equal(postprocess(whole), postprocess(tiled))  # no seams in the labels


def test_tiled_inference_is_close_for_the_unet(movie) -> None:
    net = trained_like(UNetEstimator())
    image = movie.images[0].astype(np.float32)
    whole, tiled = predict_probs(net, image), predict_probs(net, image, tile=64, context=48)
    assert whole.shape == tiled.shape == (3, 160, 200)
    assert np.mean(np.abs(whole - tiled) < 1e-3) > 0.99


def test_bfloat16_inference_is_close_to_float32_and_labels_agree(movie, tmp_path: Path) -> None:
    net = trained_like(PaperEstimator())
    image = movie.images[0].astype(np.float32)
    full, half = predict_probs(net, image), predict_probs(net, image, precision="bfloat16")
    assert half.dtype == np.float32 and half.shape == full.shape
    assert np.abs(half - full).max() < 0.05 and np.mean(full.argmax(0) == half.argmax(0)) > 0.99
    with pytest.raises(ValueError, match=r"`precision` must be one of \['float32', 'bfloat16'\], got 'float16'"):
        predict_probs(net, image, precision="float16")
    tifffile.imwrite(tmp_path / "a.tif", movie.images[0])
    save_model(tmp_path / "m.pt", net, model_config=ModelConfig(), data_config=DataConfig())
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "a.tif"), "--out", str(out), "--precision", "bfloat16"]) == 0
    assert tifffile.imread(out / "a_labels.tif").shape == image.shape


@pytest.mark.parametrize(("flag", "expected"), [("avx512_bf16", "bfloat16"), ("", "float32"), (None, "float32")])
def test_segment_computes_in_bfloat16_by_default_only_where_the_cpu_does(movie, tmp_path: Path, monkeypatch, capsys,
                                                                         flag, expected) -> None:
    import advseg.evaluation.segment as segment_module
    import advseg.utils

    used = []
    real = segment_module.predict_probs
    monkeypatch.setattr(segment_module, "predict_probs", lambda *a, **kw: (used.append(kw["precision"]), real(*a, **kw))[1])
    monkeypatch.setattr(advseg.utils, "cpu_bfloat16", lambda: flag)  # read by the CLI and resolve_precision
    tifffile.imwrite(tmp_path / "a.tif", movie.images[0])
    save_model(tmp_path / "m.pt", trained_like(PaperEstimator()), model_config=ModelConfig(), data_config=DataConfig())
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "a.tif"), "--out", str(tmp_path / "o"), "--device", "cpu",
                 "--diameter", "none"]) == 0
    assert used == [expected] and ("network in bfloat16" in capsys.readouterr().out) == (expected == "bfloat16")
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "a.tif"), "--out", str(tmp_path / "o"), "--device", "cpu",
                 "--diameter", "none", "--precision", "float32", "--overwrite"]) == 0
    assert used[-1] == "float32"  # asked for, never overridden


def test_segment_writes_labels_and_never_its_inputs(movie, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for t in range(2):
        tifffile.imwrite(inputs / f"cell{t}.tif", movie.images[t])
    net = trained_like(PaperEstimator())
    save_model(tmp_path / "m.pt", net, model_config=ModelConfig(), data_config=DataConfig())
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "m.pt"), str(inputs), "--out", str(out), "--save-probabilities"]) == 0
    labels = tifffile.imread(out / "cell0_labels.tif")
    assert labels.dtype == np.uint16 and labels.shape == (160, 200)
    assert tifffile.imread(out / "cell1_probs.tif").shape == (3, 160, 200)
    assert main(["segment", str(tmp_path / "m.pt"), str(inputs), "--out", str(out)]) == 1  # outputs exist
    assert main(["segment", str(tmp_path / "m.pt"), str(inputs), "--out", str(out), "--overwrite"]) == 0
    tifffile.imwrite(inputs / "x_labels.tif", movie.images[2])  # an input named like an output
    assert main(["segment", str(tmp_path / "m.pt"), str(inputs / "x_labels.tif"), "--out", str(inputs)]) == 0
    assert main(["segment", str(tmp_path / "m.pt"), str(inputs / "x.tif"), "--out", str(tmp_path)]) == 1


def test_segment_keeps_the_smallest_nucleus_the_model_records(tmp_path: Path, monkeypatch) -> None:
    import advseg.evaluation.segment as segment_module

    yy, xx = np.mgrid[:64, :64]
    small, large = (yy - 16) ** 2 + (xx - 16) ** 2 <= 9, (yy - 40) ** 2 + (xx - 40) ** 2 <= 64  # ~29 px and ~200 px
    image = np.where(small | large, 1000, 100).astype(np.uint16)
    tifffile.imwrite(tmp_path / "cell.tif", image)

    def fake_probs(net, x, **kwargs):  # interior exactly on the two discs
        inside = x > 500
        return np.stack([~inside, inside, np.zeros_like(inside)]).astype(np.float32)

    monkeypatch.setattr(segment_module, "predict_probs", fake_probs)
    counts = {}
    for recorded, flag in ((None, []), (20, []), (20, ["--min-size", "100"])):
        model = tmp_path / f"m{recorded}{len(flag)}.pt"
        save_model(model, trained_like(PaperEstimator()), model_config=ModelConfig(), data_config=DataConfig(),
                   metadata={} if recorded is None else {"min_size": recorded})
        out = tmp_path / f"out{recorded}{len(flag)}"
        assert main(["segment", str(model), str(tmp_path / "cell.tif"), "--out", str(out), "--diameter", "none", *flag]) == 0
        counts[recorded, len(flag)] = int(tifffile.imread(out / "cell_labels.tif").max())
    assert counts == {(None, 0): 1, (20, 0): 2, (20, 2): 1}  # 50 px without a record; the model's 20; --min-size wins


def test_segment_cuts_with_the_cut_the_model_records(tmp_path: Path, monkeypatch, capsys) -> None:
    import advseg.evaluation.segment as segment_module

    yy, xx = np.mgrid[:60, :80]
    two = ((yy - 30) ** 2 + (xx - 32) ** 2 < 225) | ((yy - 30) ** 2 + (xx - 48) ** 2 < 225)  # a wide neck
    tifffile.imwrite(tmp_path / "pair.tif", np.where(two, 1000, 100).astype(np.uint16))

    def fake_probs(net, x, **kwargs):  # the contour between the two half seen
        inside = x > 500
        probs = np.stack([~inside, inside, np.zeros_like(inside)]).astype(np.float32)
        probs[1][inside & (xx == 40)], probs[2][inside & (xx == 40)] = 0.65, 0.35
        return probs

    monkeypatch.setattr(segment_module, "predict_probs", fake_probs)
    counts = {}
    for split, flag in ((None, []), ({"depth": 0.1, "barrier": 0.3}, []), ({"depth": 0.1, "barrier": 0.3},
                                                                            ["--postprocess", "watershed-split"])):
        model, out = tmp_path / f"m{split is None}.pt", tmp_path / f"out{split is None}{len(flag)}"
        save_model(model, trained_like(PaperEstimator()), model_config=ModelConfig(), data_config=DataConfig(),
                   metadata={"min_size": 20, "diameter": 30.0} | ({} if split is None else {"split": split}))
        assert main(["segment", str(model), str(tmp_path / "pair.tif"), "--out", str(out), "--diameter", "none", *flag]) == 0
        counts[split is None, len(flag)] = int(tifffile.imread(out / "pair_labels.tif").max())
        said = capsys.readouterr().out
        assert ("post-processing: watershed-fit" in said) == (split is not None and not flag)
        n = counts[split is None, len(flag)]
        assert f"pair.tif: {n} nucle{'us' if n == 1 else 'i'}; " in said and f"to {out}: {n} nuclei" in said
    assert counts == {(True, 0): 1, (False, 0): 2, (False, 2): 1}  # the recorded cut by default; --postprocess wins
    monkeypatch.setattr(segment_module, "predict_probs", lambda net, x, **kwargs: np.stack(
        [np.ones_like(x), np.zeros_like(x), np.zeros_like(x)]).astype(np.float32))  # a model that sees no nucleus
    assert main(["segment", str(model), str(tmp_path / "pair.tif"), "--out", str(tmp_path / "none"), "--diameter", "none"]) == 0
    assert "advseg segment: warning: no nucleus found in pair.tif: check" in capsys.readouterr().err


def test_segment_image_returns_labels_at_the_image_size_and_probabilities_at_the_model_scale(tmp_path: Path,
                                                                                            monkeypatch) -> None:
    import advseg.evaluation.segment as segment_module
    from advseg.evaluation.segment import segment_image
    from advseg.training.modelfile import load_model

    yy, xx = np.mgrid[:60, :80]
    discs = ((yy - 20) ** 2 + (xx - 20) ** 2 <= 25) | ((yy - 40) ** 2 + (xx - 55) ** 2 <= 25)  # two of ~10 px
    image = np.where(discs, 1000, 100).astype(np.uint16)
    tifffile.imwrite(tmp_path / "two.tif", image)
    seen = []

    def fake_probs(net, x, **kwargs):
        seen.append(x.shape)
        inside = x > 500
        return np.stack([~inside, inside, np.zeros_like(inside)]).astype(np.float32)

    monkeypatch.setattr(segment_module, "predict_probs", fake_probs)
    save_model(tmp_path / "m.pt", trained_like(PaperEstimator()), model_config=ModelConfig(), data_config=DataConfig(),
               metadata={"min_size": 20, "diameter": 20.0})
    model = load_model(tmp_path / "m.pt")
    result = segment_image(model, image.astype(np.float32), method="watershed", diameter=10.0)
    assert result.scale.scale == 2.0 and seen == [(120, 160)]  # brought to the model's 20 px nuclei
    assert result.probs.shape == (3, 120, 160) and result.labels.shape == (60, 80) and result.labels.max() == 2
    assert np.array_equal(result.labels > 0, discs)  # nearest-neighbour back to the image's grid
    assert segment_image(model, image.astype(np.float32), method="watershed", diameter=None).scale.scale == 1.0
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "two.tif"), "--out", str(out),
                 "--diameter", "10", "--postprocess", "watershed"]) == 0
    assert np.array_equal(tifffile.imread(out / "two_labels.tif"), result.labels)  # segment writes the same labels
    for bad, message in ((image[None], r"2-D \(H, W\) array of numbers, got shape \(1, 60, 80\)"),
                         (image > 500, "array of numbers, got shape \\(60, 80\\) of bool"),
                         (np.where(discs, np.nan, 1.0), f"finite pixels, got {int(discs.sum())} NaN or infinite")):
        with pytest.raises(ValueError, match=message):
            segment_image(model, bad)


def test_segment_refuses_an_output_that_is_an_input(movie, tmp_path: Path, capsys) -> None:
    tifffile.imwrite(tmp_path / "a.tif", movie.images[0])
    tifffile.imwrite(tmp_path / "a_labels.tif", movie.images[1])
    save_model(tmp_path / "m.pt", trained_like(PaperEstimator()), model_config=ModelConfig(), data_config=DataConfig())
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "a.tif"), str(tmp_path / "a_labels.tif"), "--out", str(tmp_path), "--overwrite"]) == 1
    assert "output would replace an input image" in capsys.readouterr().err
    movie_dir = tmp_path / "movie"
    movie_dir.mkdir()
    tifffile.imwrite(movie_dir / "b.tif", movie.images[0])
    for _ in range(2):  # labels written beside the images; the second call does not take them for images
        assert main(["segment", str(tmp_path / "m.pt"), str(movie_dir), "--out", str(movie_dir), "--overwrite"]) == 0
        assert "wrote 1 label image(s)" in capsys.readouterr().out
    assert sorted(p.name for p in movie_dir.iterdir()) == ["b.tif", "b_labels.tif"]
    rgb = np.dstack([np.zeros_like(movie.images[0]), np.zeros_like(movie.images[0]), movie.images[0]])  # nuclei in blue
    tifffile.imwrite(tmp_path / "rgb.tif", rgb, photometric="rgb")
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "rgb.tif"), "--out", str(tmp_path / "r")]) == 1
    assert "3 channels that differ" in capsys.readouterr().err
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "rgb.tif"), "--out", str(tmp_path / "r"), "--channel", "2"]) == 0
    assert tifffile.imread(tmp_path / "r" / "rgb_labels.tif").shape == movie.images[0].shape
    (tmp_path / "bad").mkdir()  # every bad image is named, not only the first
    for name in ("b1.tif", "b2.tif", "b3.tif"):
        (tmp_path / "bad" / name).write_bytes(b"not an image")
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "bad"), "--out", str(tmp_path / "bad-out")]) == 1
    assert capsys.readouterr().err.strip().endswith("(and 2 more: b2.tif, b3.tif)") and not (tmp_path / "bad-out").exists()
    (tmp_path / "ome").mkdir()  # an OME-TIFF from Fiji: x.ome.tif gives x_labels.tif, and evaluate pairs the two
    tifffile.imwrite(tmp_path / "ome" / "x.ome.tif", movie.images[0])
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "ome"), "--out", str(tmp_path / "ome-out")]) == 0
    assert [p.name for p in (tmp_path / "ome-out").iterdir()] == ["x_labels.tif"]
    assert pairing_key("gt/x.ome.tif") == pairing_key(tmp_path / "ome-out" / "x_labels.tif") == "x"
    capsys.readouterr()
    for folder in ("day1", "day2"):  # the same file name in two folders: both paths named, nothing written
        (tmp_path / folder).mkdir()
        tifffile.imwrite(tmp_path / folder / "a.tif", movie.images[0])
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "day1"), str(tmp_path / "day2"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "several images called 'a'" in err and str(tmp_path / "day1" / "a.tif") in err and str(tmp_path / "day2" / "a.tif") in err
    assert not (tmp_path / "o").exists()


def test_pairing_keys() -> None:
    assert pairing_key("x/abc_labels.tif") == pairing_key("y/abc.png") == "abc"
    assert pairing_key("man_seg012.tif") == pairing_key("mask012.tif") == pairing_key("t12_labels.tif") == "12"


def test_evaluate_folders_and_cli_json(movie, tmp_path: Path, capsys) -> None:
    gt, pred = tmp_path / "gt", tmp_path / "pred"
    gt.mkdir()
    pred.mkdir()
    for t in range(3):
        tifffile.imwrite(gt / f"img{t}.tif", movie.labels[t])
    tifffile.imwrite(pred / "img0_labels.tif", movie.labels[0])  # perfect
    tifffile.imwrite(pred / "img1_labels.tif", movie.labels[1])  # perfect; img2 missing
    evaluation = evaluate_folders(gt, pred)
    n0, n1, n2 = (len(np.unique(movie.labels[t])) - 1 for t in range(3))
    assert evaluation.missing == ("img2",)
    assert evaluation.at(0.5).tp == n0 + n1 and evaluation.at(0.5).fn == n2
    assert main(["evaluate", str(gt), str(pred), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("n_gt", "n_pred", "tp", "precision", "recall", "f1", "seg", "ap", "pq", "paper", "thresholds"):
        assert key in result, key
    assert result["n_gt"] == n0 + n1 + n2 and result["precision"] == 1.0
    assert set(result["paper"]) >= {"precision", "recall", "f"} and len(result["thresholds"]) == 9
    assert main(["evaluate", str(gt), str(pred), "--protocol", "ctc"]) == 0
    assert "CTC SEG" in capsys.readouterr().out


def test_evaluate_ctc_layout(movie, tmp_path: Path) -> None:
    (tmp_path / "gt" / "01_GT" / "SEG").mkdir(parents=True)
    (tmp_path / "res" / "01_RES").mkdir(parents=True)
    tifffile.imwrite(tmp_path / "gt" / "01_GT" / "SEG" / "man_seg004.tif", movie.labels[0])
    tifffile.imwrite(tmp_path / "res" / "01_RES" / "mask004.tif", movie.labels[0])
    assert evaluate_folders(tmp_path / "gt", tmp_path / "res").seg.seg == 1.0
    tifffile.imwrite(tmp_path / "01_t004_labels.tif", movie.labels[0])  # what segment writes for gt/01/t004.tif
    (tmp_path / "out").mkdir()
    (tmp_path / "01_t004_labels.tif").rename(tmp_path / "out" / "01_t004_labels.tif")
    assert evaluate_folders(tmp_path / "gt", tmp_path / "out").seg.seg == 1.0


def test_evaluate_takes_segments_labels_from_a_data_set_segmented_into_itself(movie, tmp_path: Path) -> None:
    (tmp_path / "set" / "masks").mkdir(parents=True)
    tifffile.imwrite(tmp_path / "set" / "masks" / "f0.tif", movie.labels[0])
    tifffile.imwrite(tmp_path / "set" / "f0_labels.tif", np.where(movie.labels[0] % 2 == 1, movie.labels[0], 0))  # half found
    result = evaluate_folders(tmp_path / "set", tmp_path / "set")  # ground truth: masks/; prediction: the labels beside it
    assert result.at(0.5).recall < 0.75 and result.at(0.5).precision == 1.0


def test_prediction_without_ground_truth_is_an_error(movie, tmp_path: Path) -> None:
    (tmp_path / "gt").mkdir()
    (tmp_path / "pred").mkdir()
    tifffile.imwrite(tmp_path / "gt" / "a.tif", movie.labels[0])
    tifffile.imwrite(tmp_path / "pred" / "b_labels.tif", movie.labels[0])
    with pytest.raises(ValueError, match="prediction has no ground truth"):
        evaluate_folders(tmp_path / "gt", tmp_path / "pred")


def test_perfect_labels_score_perfectly_everywhere(samples) -> None:
    evaluation = evaluate_labels([s.labels for s in samples], [s.labels for s in samples], margin=10)
    assert evaluation.seg.seg == 1.0 and evaluation.at(0.9).f1 == 1.0
    assert evaluation.paper.recall > 0.9  # interiors vs whole nuclei: Jaccard well above 0.5


def test_filter_bank_channels() -> None:
    image = np.zeros((32, 32), np.float32)
    image[12:20, 12:20] = 1.0
    features = filter_bank(image)
    assert features.shape == (32, 32, len(feature_names())) == (32, 32, 49)
    names = feature_names()
    assert features[16, 16, names.index("gaussian_0.3")] == pytest.approx(1.0, abs=1e-3)
    assert features[16, 16, names.index("log_1.6")] < 0  # a bright blob has a negative Laplacian at its centre


def test_baselines_learn_the_synthetic_nuclei(samples) -> None:
    rf = IlastikStyleClassifier(n_pixels=500, n_trees=20).fit(samples[:1])
    probs = rf.predict_probs(samples[2].image)
    assert probs.shape == (3, 160, 200) and np.allclose(probs.sum(0), 1.0)
    classical = ClassicalWatershed().fit(samples[:1])
    assert len(classical.scores) == len(ClassicalWatershed.SIGMAS) * len(ClassicalWatershed.MIN_DISTANCES)
    truth = [samples[2].labels]
    for model in (rf, classical):
        evaluation = evaluate_labels(truth, [model.predict_labels(samples[2].image)])
        assert evaluation.at(0.5).f1 > 0.5, (type(model).__name__, evaluation.at(0.5).f1)


@pytest.mark.slow
def test_baseline_cli(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ws"
    assert main(["baseline", "watershed", "synthetic-h1299", "--n-train", "1", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_evaluation"] == 57 and len(list((out / "labels").glob("*_labels.tif"))) == 57
    assert 0.0 <= metrics["evaluation"]["paper"]["f"] <= 1.0 and metrics["train_seconds"] >= 0


@pytest.mark.parametrize("layout", ["images-folder", "ctc", "dsb2018"])
def test_segment_takes_every_layout_train_takes(movie, tmp_path: Path, layout: str) -> None:
    from skimage.io import imsave

    root = tmp_path / layout
    if layout == "images-folder":  # images/ + masks/
        (root / "images").mkdir(parents=True)
        (root / "masks").mkdir()
        paths, expected = [root / "images" / f"f{t}.tif" for t in range(2)], ["f0", "f1"]
    elif layout == "ctc":  # 01/tNNN.tif (+ 01_GT/SEG/ optional)
        (root / "01").mkdir(parents=True)
        (root / "01_GT" / "SEG").mkdir(parents=True)
        paths, expected = [root / "01" / f"t00{t}.tif" for t in range(2)], ["01_t000", "01_t001"]
    else:  # <id>/images/<id>.png
        paths, expected = [root / f"id{t}" / "images" / f"id{t}.png" for t in range(2)], ["id0", "id1"]
    for t, path in enumerate(paths):
        path.parent.mkdir(parents=True, exist_ok=True)
        image = movie.images[t]
        imsave(path, (image // 256).astype(np.uint8), check_contrast=False) if path.suffix == ".png" else tifffile.imwrite(path, image)
    save_model(tmp_path / "m.pt", trained_like(PaperEstimator()), model_config=ModelConfig(), data_config=DataConfig())
    assert main(["segment", str(tmp_path / "m.pt"), str(root), "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{name}_labels.tif" for name in expected]
    for _ in range(2):  # into the data set's own folder, twice: its labels beside it are not read as its images
        assert main(["segment", str(tmp_path / "m.pt"), str(root), "--out", str(root), "--overwrite"]) == 0
    assert sorted(p.name for p in root.glob("*_labels.tif")) == [f"{name}_labels.tif" for name in expected]


def test_segment_names_the_layouts_it_looked_for(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    save_model(tmp_path / "m.pt", trained_like(PaperEstimator()), model_config=ModelConfig(), data_config=DataConfig())
    assert main(["segment", str(tmp_path / "m.pt"), str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "folder holds no .tif, .tiff or .png images, directly or in a known layout" in err and "DSB2018" in err
    assert not (tmp_path / "out").exists()
