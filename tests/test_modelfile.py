"""Model files stored with float16 weights: half the size, read back into the float32 network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advseg.data.config import DataConfig
from advseg.nn import build_estimator
from advseg.nn.config import ModelConfig
from advseg.training.modelfile import add_metadata, load_model, save_model, to_float16


def small_unet(tmp_path, *, scale: float = 1.0):
    config = ModelConfig(estimator="unet", unet_depth=2, unet_width=8)
    torch.manual_seed(0)
    estimator = build_estimator(config)
    with torch.no_grad():
        for parameter in estimator.parameters():
            parameter.mul_(scale)
    return save_model(tmp_path / "m.pt", estimator, model_config=config, data_config=DataConfig(),
                      metadata={"diameter": 12.5})


def test_the_float16_copy_is_half_the_size_and_predicts_as_the_original(tmp_path) -> None:
    original = small_unet(tmp_path)
    copy = to_float16(original, tmp_path / "half.pt")
    assert copy.stat().st_size < 0.6 * original.stat().st_size
    a, b = load_model(original), load_model(copy)
    assert all(p.dtype == torch.float32 for p in b.estimator.parameters())  # computes in float32 as the original
    assert b.metadata == {"diameter": 12.5, "weights": "float16"}
    image = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    probs_a, probs_b = a.predict([image])[0], b.predict([image])[0]
    assert probs_a.shape == probs_b.shape == (3, 64, 64)
    assert 0 < np.abs(probs_a - probs_b).max() < 1e-2  # rounded weights, not the same ones


def test_weights_beyond_float16_are_refused(tmp_path) -> None:
    original = small_unet(tmp_path, scale=1e6)
    with pytest.raises(ValueError, match=r"m\.pt: .* exceed float16's range"):
        to_float16(original, tmp_path / "half.pt")
    assert not (tmp_path / "half.pt").exists()


def test_a_file_that_is_not_a_model_is_refused(tmp_path) -> None:
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="junk.pt: not an advseg model file"):
        to_float16(tmp_path / "junk.pt", tmp_path / "half.pt")


def test_add_metadata_keeps_the_rest_and_refuses_a_foreign_file(tmp_path) -> None:
    path = small_unet(tmp_path)
    add_metadata(path, {"split": {"depth": 0.05, "barrier": None}, "diameter": 14.0})
    assert load_model(path).metadata == {"diameter": 14.0, "split": {"depth": 0.05, "barrier": None}}
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="junk.pt: not an advseg model file"):
        add_metadata(tmp_path / "junk.pt", {"diameter": 1.0})
