"""Validation and model selection: score the estimator on the validation frames, keep the best weights.

:class:`Selection` is mixed into :class:`advseg.training.trainer.Trainer`; it
reads the trainer's estimator, configurations and validation frames, and
writes ``run_dir/model.pt`` whenever the validation score improves. A model is
selected only while every weight is finite (see :mod:`advseg.training.guards`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
from torch import nn

from advseg.evaluation.inference import predict_frames
from advseg.evaluation.metrics import matching_dataset
from advseg.evaluation.paper_score import PAPER_MARGIN, paper_score_dataset
from advseg.evaluation.postprocess import PAPER_MIN_SIZE, postprocess
from advseg.training.guards import check_weights
from advseg.training.modelfile import save_model

__all__ = ["Selection"]


class Selection:
    """Validation and model-selection methods of the trainer (it supplies the attributes they read)."""

    @property
    def selected_network(self) -> nn.Module:
        """What validation scores and selection keeps: the weights' moving average if there is one, else the estimator."""
        return self.average.module if getattr(self, "average", None) is not None else self.estimator

    def predict(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Three-class probabilities (3, H, W) for whole frames."""
        return predict_frames(self.selected_network, images, data_config=self.data_config, device=self.device)

    def validate(self) -> dict[str, float]:
        """Paper-protocol and matching scores of the current estimator on the validation frames."""
        check_weights({"estimator": self.estimator, "discriminator": self.discriminator}, step=f"estimator step {self.step_e}")
        probs = self.predict([sample.image for sample in self.validation])
        y_true = [sample.labels for sample in self.validation]
        y_pred = [postprocess(p, method="paper") for p in probs]
        paper = paper_score_dataset(y_true, y_pred, margin=PAPER_MARGIN)
        match = matching_dataset(y_true, y_pred, thresh=0.5)
        foreground = float(np.mean([(p.argmax(0) > 0).mean() for p in probs]))
        self.last_probs = probs
        scores = {"val_paper_f": paper.f, "val_paper_precision": paper.precision, "val_paper_recall": paper.recall,
                  "val_f1": match.f1, "val_n_pred": match.n_pred, "val_foreground": foreground}
        if self.config.select_on == "nuclei_f1":  # the nuclei the watershed grows over the contour, as they will be scored
            nuclei = [postprocess(p, method="watershed", min_size=self.metadata.get("min_size") or PAPER_MIN_SIZE,
                                  diameter=self.metadata.get("diameter")) for p in probs]
            scores["val_nuclei_f1"] = matching_dataset(y_true, nuclei, thresh=0.5).f1
        return scores

    def _select(self, scores: dict[str, float]) -> bool:
        key = "val_nuclei_f1" if self.config.select_on == "nuclei_f1" else "val_paper_f"
        if self.best_state is not None and scores[key] <= self.best_validation.get(key, -1.0):
            return False
        self.best_step, self.best_validation = self.step_e, dict(scores)
        self.best_state = {key: value.detach().clone() for key, value in self.selected_network.state_dict().items()}
        if self.run_dir is not None:
            self._save_best()
        return True

    def _save_best(self) -> None:
        metadata = self.metadata | {"step": self.best_step, "validation": self.best_validation, "train_config": asdict(self.config)}
        save_model(
            self.run_dir / "model.pt", self.estimator, model_config=self.model_config, data_config=self.data_config,
            metadata=metadata, weights=self.best_state,
        )

    def record(self, **entries: Any) -> None:
        """Add ``entries`` to the metadata, and to the selected model's file when there is one (e.g. a fitted cut)."""
        self.metadata |= entries
        if self.run_dir is not None and self.best_state is not None:
            self._save_best()

    def load_best(self) -> None:
        """Put the selected (best-validation) weights into the estimator (and the weights' average, which predicts)."""
        if self.best_state is not None:
            self.estimator.load_state_dict(self.best_state)
            if getattr(self, "average", None) is not None:
                self.average.module.load_state_dict(self.best_state)
