"""TorchScript and bioimage.io export: the exported module computes what advseg computes, and the package passes bioimageio.core's test."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
import torch
import yaml

from advseg.cli.main import main
from advseg.data.config import DataConfig
from advseg.evaluation.inference import predict_probs
from advseg.interop import ProbabilityModule, to_torchscript
from advseg.interop.bioimageio import export_bioimageio, sample_tile
from advseg.nn import PaperEstimator, UNetEstimator, build_estimator
from advseg.nn.config import ModelConfig
from advseg.training.modelfile import load_model, save_model


def trained_like(net: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(0)
    net.train()
    with torch.no_grad():  # non-trivial batch-norm statistics
        for _ in range(3):
            net(torch.rand(2, 1, 64, 64) * 1000)
    return net.eval()


def blobs(shape: tuple[int, int], *, seed: int = 0) -> np.ndarray:
    """A noisy image of bright discs, uint16-like values."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    image = np.full(shape, 100.0)
    for _ in range(12):
        cy, cx = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        image[(yy - cy) ** 2 + (xx - cx) ** 2 < 64] += rng.uniform(300, 1500)
    return (image + rng.normal(0, 20, shape)).astype(np.float32)


@pytest.mark.parametrize("make", [lambda: trained_like(UNetEstimator()), lambda: trained_like(PaperEstimator()),
                                  lambda: trained_like(UNetEstimator(depth=3, width=8))], ids=["unet", "paper", "unet-depth3"])
@pytest.mark.parametrize("shape", [(77, 130), (40, 41), (20, 25)])
def test_torchscript_module_equals_whole_frame_inference(make, shape) -> None:
    estimator = make()
    image = blobs(shape)
    scripted = to_torchscript(estimator, example_size=64)
    with torch.no_grad():
        out = scripted(torch.from_numpy(image)[None, None]).numpy()[0]
    expected = predict_probs(estimator, image)
    assert out.shape == (3, *shape)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    np.testing.assert_allclose(out.sum(axis=0), 1.0, atol=1e-5)


def test_torchscript_leaves_the_callers_estimator_as_it_was() -> None:
    estimator = trained_like(UNetEstimator()).to(memory_format=torch.channels_last)
    before = {k: v.clone() for k, v in estimator.state_dict().items()}
    to_torchscript(estimator, example_size=32)
    assert all(torch.equal(before[k], v) for k, v in estimator.state_dict().items())
    assert next(estimator.parameters()).is_contiguous(memory_format=torch.channels_last)


def test_probability_module_refuses_negative_context() -> None:
    with pytest.raises(ValueError, match="`context` must be a non-negative"):
        ProbabilityModule(UNetEstimator(), context=-1)


def test_sample_tile_is_the_centre_and_checks_its_input() -> None:
    image = np.arange(300 * 400, dtype=np.uint16).reshape(300, 400)
    tile = sample_tile(image, side=256)
    assert tile.shape == (256, 256) and tile.dtype == np.float32
    assert tile[0, 0] == image[22, 72]
    assert sample_tile(image[:50, :60]).shape == (50, 60)
    with pytest.raises(ValueError, match="`image` must be a 2-D"):
        sample_tile(np.zeros((3, 32, 32)))
    with pytest.raises(ValueError, match="at least 16 px"):
        sample_tile(np.zeros((8, 64)))


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "m.pt"
    config = ModelConfig(estimator="unet")
    save_model(path, trained_like(build_estimator(config)), model_config=config,
               data_config=DataConfig(normalize="percentile"), metadata={"diameter": 16.0, "loss": "ce", "n_train": 1})
    return path


def test_export_writes_a_package_that_passes_bioimageio_cores_test(model_file: Path, tmp_path: Path) -> None:
    model = load_model(model_file)
    exported = export_bioimageio(model, tmp_path / "pkg", sample=blobs((300, 280)))
    assert exported.passed, exported.report
    names = {p.name for p in exported.folder.iterdir()}
    assert {"rdf.yaml", "weights.torchscript.pt", "test_input.npy", "test_output.npy", "cover.png", "README.md"} <= names
    rdf = yaml.safe_load(exported.rdf.read_text())
    assert rdf["type"] == "model" and rdf["weights"]["torchscript"]["pytorch_version"]
    assert [p["id"] for p in rdf["inputs"][0]["preprocessing"] if p["id"] == "scale_range"] == ["scale_range"]
    assert rdf["outputs"][0]["axes"][1]["channel_names"] == ["background", "interior", "contour"]
    assert rdf["config"]["advseg"]["diameter_px"] == 16.0
    assert "1709.05860" in rdf["cite"][0]["url"]
    assert np.load(exported.folder / "test_input.npy").shape == (1, 1, 256, 256)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_export_refuses_a_non_empty_folder_and_a_bad_sample_without_writing(model_file: Path, tmp_path: Path) -> None:
    model = load_model(model_file)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not empty"):
        export_bioimageio(model, tmp_path / "full", sample=blobs((64, 64)), test=False)
    with pytest.raises(ValueError, match="at least 16 px"):
        export_bioimageio(model, tmp_path / "new", sample=np.zeros((8, 8)), test=False)
    with pytest.raises(ValueError, match=r"centre 64 x 64 px is constant \(0\); give a sample that shows nuclei"):
        export_bioimageio(model, tmp_path / "new", sample=np.zeros((64, 64)), test=False)
    with pytest.raises(FileExistsError, match="not a bioimage.io package"):  # --overwrite never deletes a user's folder
        export_bioimageio(model, tmp_path / "full", sample=blobs((64, 64)), test=False, overwrite=True)
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]
    for name, message in (("abcd", "must be 5 to 128 characters long"), ("Kern-Zählung", "with 'ä'")):
        with pytest.raises(ValueError, match=message):  # bioimage.io's rules, said before anything is written
            export_bioimageio(model, tmp_path / "new", sample=blobs((64, 64)), name=name, test=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]


def test_export_cli(model_file: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    tifffile.imwrite(tmp_path / "sample.tif", blobs((128, 160)).astype(np.uint16))
    out = tmp_path / "pkg"
    assert main(["export", str(model_file), "--out", str(out), "--sample", str(tmp_path / "sample.tif")]) == 0
    assert "test of the package passed" in capsys.readouterr().out
    assert main(["export", str(model_file), "--out", str(out), "--sample", str(tmp_path / "sample.tif"), "--no-test"]) == 1
    assert "folder is not empty" in capsys.readouterr().err
    assert main(["export", str(model_file), "--out", str(out), "--sample", str(tmp_path / "sample.tif"),
                 "--no-test", "--overwrite"]) == 0
    tifffile.imwrite(tmp_path / "flat.tif", np.full((64, 64), 7, np.uint16))
    assert main(["export", str(model_file), "--out", str(tmp_path / "p2"), "--sample", str(tmp_path / "flat.tif")]) == 1
    assert f"{tmp_path / 'flat.tif'} (--sample): `image`'s centre 64 x 64 px is constant (7)" in capsys.readouterr().err
    monkeypatch.chdir(out)  # the package folder is the working folder: not replaced from inside
    assert main(["export", str(model_file), "--out", ".", "--sample", str(tmp_path / "sample.tif"), "--no-test", "--overwrite"]) == 1
    assert "is the working folder or holds it" in capsys.readouterr().err and (out / "rdf.yaml").is_file()


def test_export_without_bioimageio_is_one_line(model_file: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "bioimageio.core", None)
    assert main(["export", str(model_file), "--out", str(tmp_path / "pkg"), "--no-test"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install bioimageio.core" in err
    assert not (tmp_path / "pkg").exists()


@pytest.mark.parametrize("normalize", ["robust", "flat"])
def test_model_exports_with_its_normalisation_inside(normalize: str, tmp_path: Path) -> None:
    config = ModelConfig(estimator="unet")
    save_model(tmp_path / "m.pt", trained_like(build_estimator(config)), model_config=config,
               data_config=DataConfig(normalize=normalize))
    model = load_model(tmp_path / "m.pt")
    exported = export_bioimageio(model, tmp_path / "pkg", sample=blobs((200, 180)))
    assert exported.passed, exported.report
    rdf = yaml.safe_load(exported.rdf.read_text())
    assert not [p for p in rdf["inputs"][0].get("preprocessing", []) if p["id"] == "scale_range"]
    image = (blobs((150, 170), seed=4) + 0.02 * np.mgrid[:150, :170][1]).astype(np.float32)  # illumination rising to the right
    module = torch.jit.load(str(exported.folder / "weights.torchscript.pt"))
    with torch.no_grad():
        out = module(torch.from_numpy(image)[None, None]).numpy()[0]
    np.testing.assert_allclose(out, predict_probs(model.estimator, image, data_config=model.data_config), atol=1e-4)


def test_torch_background_field_equals_numpys() -> None:
    from advseg.data.background import background_field, flat_normalize
    from advseg.interop.background import FlatNormalize

    normalise = torch.jit.script(FlatNormalize())
    rng = np.random.default_rng(0)
    y, x = np.mgrid[:130, :77]
    for image in (blobs((130, 77)) + 0.01 * x + 0.02 * y, rng.uniform(0, 255, (5, 9)), np.full((20, 24), 5.0),
                  rng.integers(0, 4000, (64, 200)).astype(np.uint16)):
        field = FlatNormalize().field(torch.from_numpy(image.astype(np.float32))).numpy()
        np.testing.assert_allclose(field, background_field(image), rtol=1e-5, atol=1e-5)
        out = normalise(torch.from_numpy(image.astype(np.float32))[None, None]).numpy()[0, 0]
        np.testing.assert_allclose(out, flat_normalize(image), atol=1e-5)


def test_torch_robust_normalisation_equals_numpys() -> None:
    from advseg.data.contrast import contrast_levels, robust_normalize
    from advseg.interop.contrast import RobustNormalize

    normalise = torch.jit.script(RobustNormalize())
    rng = np.random.default_rng(0)
    for image in (blobs((120, 90)), blobs((64, 64), seed=3) * 0.01, np.full((20, 24), 5.0, np.float32),
                  np.round(rng.uniform(0, 3, (50, 60))).astype(np.float32)):
        low, high = RobustNormalize().levels(torch.from_numpy(image))
        assert (float(low), float(high)) == pytest.approx(contrast_levels(image), rel=1e-6, abs=1e-9)
        out = normalise(torch.from_numpy(image)[None, None]).numpy()[0, 0]
        np.testing.assert_allclose(out, robust_normalize(image), atol=1e-5)
