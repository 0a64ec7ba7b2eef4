"""tabular: scikit-learn classification or regression with a bounded random hyperparameter search.

AutoTrain's pipeline: numerical columns through an optional imputer and scaler, categorical
columns through an optional imputer and an ordinal encoder, then the chosen model family. The
search tries ``num_trials`` settings (the first is the model's defaults), stops starting new ones
once ``time_limit`` seconds have passed, and keeps the setting with the lowest validation loss
(log loss for classifiers with probabilities, else error rate; MSE for regression). One or several
target columns. The best fitted pipeline is saved as ``model.joblib`` (a plain scikit-learn
object: ``joblib.load(...).predict(frame)``) with ``tabular.json`` beside it.

There is no transformers Trainer here: :class:`SearchTrainer` gives the Run the surface it
uses (``train``, ``state``, ``args``, ``model``, callbacks), one trial per step, so progress,
metrics.jsonl, Stop and resume work as for the other tasks.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from ...errors import DataError, summary
from ..base import TaskContext, TrainJob
from ..shared.labels import Labels, check_known, labels_from_values, normalise, numeric_targets
from ..shared.metrics import classification_metrics, regression_metrics
from ..shared.splits import MIN_ROWS_TO_SPLIT, auto_split, load_split_data, map_columns
from ..shared.supervised import write_confusion
from .models import feature_columns, make_estimator, model_family, preprocessor, search_space

MODEL_FILE = "model.joblib"
INFO_FILE = "tabular.json"
STATE_FILE = "search_state.json"


# --------------------------------------------------------------------------- the search


class TabularSearch:
    """The data, the pipeline factory and the scoring of one tabular run."""

    def __init__(self, ctx: TaskContext):
        from ...data.columns import guess_column_mapping

        config, p = ctx.config, ctx.config.params
        self.ctx, self.p = ctx, p
        self.classification = p.task == "classification"
        token = config.hub_token
        train = map_columns(load_split_data(config, ctx.train_data, config.data.train_split, token), config)
        valid_split = config.data.valid_split if ctx.valid_data is None else "valid"
        valid = load_split_data(config, ctx.valid_data, valid_split, token)
        mapping = dict(config.data.column_mapping) or guess_column_mapping(
            config.task, list(train.column_names), [train[i] for i in range(min(5, len(train)))])
        targets = mapping.get("target_columns") or []
        self.targets = [targets] if isinstance(targets, str) else list(targets)
        if not self.targets:
            raise DataError("tabular needs target_columns in data.column_mapping, e.g. {target_columns: [price]}")
        self.id_column = mapping.get("id_column")
        if valid is not None:
            valid = map_columns(valid, config)
        elif len(train) >= MIN_ROWS_TO_SPLIT:
            stratify = self.targets[0] if self.classification and self.targets[0] in train.column_names else None
            train, valid = auto_split(train, seed=p.seed, stratify=stratify)
            ctx.log(f"no valid split given: held out {len(valid)} of {len(train) + len(valid)} rows for validation "
                    f"(20%, seed {p.seed}{', stratified by ' + stratify if stratify else ''})")
        for name, split in (("train", train), ("valid", valid)):
            if split is not None and len(split) == 0:
                raise DataError(f"the {name} split has no rows")
        self.train_df = train.to_pandas()
        self.valid_df = valid.to_pandas() if valid is not None else self.train_df
        if valid is None:
            ctx.log("too few rows for a validation split: scoring trials on the training rows")
        exclude = self.targets + ([self.id_column] if self.id_column else [])
        self.numerical, self.categorical = feature_columns(self.train_df, p, exclude)
        self.features = self.numerical + self.categorical
        self.labels: list[Labels] = []
        self.y_train = self._targets(self.train_df, "train")
        self.y_valid = self._targets(self.valid_df, "valid")
        self.family = model_family(p.model, self.classification, ctx.log)
        self.settings = self._settings()
        preprocessor(p, self.numerical, self.categorical, self.train_df, ctx.log)  # checks and notes, once

    def _targets(self, frame, split: str):
        missing = [t for t in self.targets if t not in frame.columns]
        if missing:
            raise DataError(f"target column '{missing[0]}' not found in the {split} split; columns: "
                            f"{', '.join(map(str, frame.columns))}")
        if not self.classification:
            return np.column_stack([numeric_targets(frame[t].tolist(), split, t) for t in self.targets])
        columns = []
        for i, target in enumerate(self.targets):
            values = [normalise(v) for v in frame[target].tolist()]
            if split == "train":
                labels = labels_from_values(values, what=f"the train split's {target}")
                if len(labels) < 2:
                    raise DataError(f"classification needs at least two classes in '{target}'; "
                                    f"the train split has only {labels.names[0]!r}")
                self.labels.append(labels)
            else:
                check_known(self.labels[i], values, split, target)
            columns.append(values)
        return np.array(columns, dtype=object).T

    def _settings(self) -> list[dict]:
        rng = random.Random(self.p.seed)
        return [{}] + [search_space(self.family, rng) for _ in range(self.p.num_trials - 1)]

    def _fit_y(self, y):
        """What the estimator is fitted on: xgboost needs class ids; scikit-learn keeps one target's labels
        (numbers as numbers) and gets several targets' labels as their names."""
        if not self.classification:
            return y.ravel() if y.shape[1] == 1 else y
        if self.family == "xgboost":
            ids = np.column_stack([self._ids(lab, y[:, i]) for i, lab in enumerate(self.labels)])
            return ids.ravel() if ids.shape[1] == 1 else ids
        if y.shape[1] == 1:
            values = list(y[:, 0])
            return np.array(values, dtype=object) if any(isinstance(v, str) for v in values) else np.array(values)
        return np.array([[str(v) for v in row] for row in y], dtype=object)

    def _ids(self, labels: Labels, values, from_model: bool = False) -> list[int]:
        """Class ids of labels, or of an estimator's predictions or classes_ (ids already, for xgboost)."""
        if from_model and self.family == "xgboost":
            return [int(v) for v in values]
        return [labels.label2id[str(normalise(v))] for v in values]

    def pipeline(self, setting: dict):
        from sklearn.pipeline import Pipeline

        pre = preprocessor(self.p, self.numerical, self.categorical, self.train_df, lambda _t: None)
        return Pipeline([("preprocess", pre), ("model", make_estimator(self.family, setting, self.classification,
                                                                    self.p.seed, len(self.targets)))])

    def fit(self, setting: dict):
        pipe = self.pipeline(setting)
        pipe.fit(self.train_df[self.features], self._fit_y(self.y_train))
        return pipe

    def score(self, pipe, frame, y) -> dict[str, float]:
        """Metrics on ``frame``; ``loss`` is the search objective (lower is better)."""
        pred = np.asarray(pipe.predict(frame[self.features]))
        if not self.classification:
            out = regression_metrics(y, pred.reshape(len(y), -1))
            return {"loss": out["mse"], **out}
        pred = pred.reshape(len(y), -1)
        per_target, losses = [], []
        probas = self._probas(pipe, frame)
        for i, labels in enumerate(self.labels):
            truth = self._ids(labels, y[:, i])
            guess = self._ids(labels, pred[:, i], from_model=True)
            per_target.append(classification_metrics(truth, guess, len(labels)))
            losses.append(self._log_loss(truth, probas[i], pipe, i, labels) if probas else
                          1.0 - per_target[-1]["accuracy"])
        out = {key: float(np.mean([m[key] for m in per_target])) for key in ("accuracy", "f1", "precision", "recall")}
        return {"loss": float(np.mean(losses)), **out}

    def _probas(self, pipe, frame):
        if not hasattr(pipe, "predict_proba"):
            return None
        try:
            proba = pipe.predict_proba(frame[self.features])
        except (AttributeError, NotImplementedError):
            return None
        return proba if isinstance(proba, list) else [proba]

    def _log_loss(self, truth, proba, pipe, i, labels) -> float:
        classes = pipe.classes_ if len(self.targets) == 1 else pipe.named_steps["model"].estimators_[i].classes_
        ids = self._ids(labels, classes, from_model=True)
        full = np.full((len(truth), len(labels)), 1e-15)
        full[:, ids] = np.clip(proba, 1e-15, 1)
        full /= full.sum(axis=1, keepdims=True)
        return float(-np.mean(np.log(full[np.arange(len(truth)), truth])))

    def info(self, best: dict) -> dict:
        return {"task": "classification" if self.classification else "regression", "model": self.family,
                "targets": self.targets, "id_column": self.id_column, "features": self.features,
                "numerical_columns": self.numerical, "categorical_columns": self.categorical,
                "labels": {t: lab.names for t, lab in zip(self.targets, self.labels)},
                "predicts": "class ids (see labels)" if self.classification and self.family == "xgboost" else "labels",
                **best}


class SearchTrainer:
    """The part of transformers' Trainer the Run uses, for a search: one trial is one step."""

    def __init__(self, search: TabularSearch, ctx: TaskContext):
        from transformers import TrainerControl, TrainerState, TrainingArguments

        self.search, self.ctx = search, ctx
        self.callbacks = list(ctx.callbacks)
        # Real arguments, so callbacks find every attribute they read (world_size, output_dir ...).
        self.args = TrainingArguments(output_dir=str(ctx.run_dir), num_train_epochs=1, save_total_limit=1,
                                      use_cpu=True, report_to=[], disable_tqdm=True, logging_steps=1,
                                      max_steps=len(search.settings))
        self.state = TrainerState(max_steps=len(search.settings), num_train_epochs=1)
        self.control = TrainerControl()
        self.model = None  # the best fitted pipeline so far
        self.best: dict[str, Any] = {}

    @property
    def model_step(self) -> int | None:
        """The step (search trial) whose pipeline is saved: the best so far, not the last."""
        return self.best.get("best_trial")

    def remove_callback(self, callback) -> None:
        self.callbacks = [c for c in self.callbacks if not (c is callback or
                                                              (isinstance(callback, type) and isinstance(c, callback)))]

    def _event(self, name: str, **kwargs) -> None:
        for callback in self.callbacks:
            result = getattr(callback, name, lambda *a, **k: None)(self.args, self.state, self.control, **kwargs)
            if result is not None:
                self.control = result

    def train(self, resume_from_checkpoint: str | None = None, **_: Any):
        search, settings = self.search, self.search.settings
        start = self._resume(resume_from_checkpoint) if resume_from_checkpoint else 0
        began = time.time()
        self._event("on_train_begin")
        errors: list[str] = []
        for trial in range(start, len(settings)):
            if trial > start and time.time() - began > search.p.time_limit:
                self.ctx.log(f"time limit of {search.p.time_limit} s reached after {trial} trials: search ends")
                break
            self._event("on_step_begin")
            try:
                pipe = search.fit(settings[trial])
                train_scores = search.score(pipe, search.train_df, search.y_train)
                scores = search.score(pipe, search.valid_df, search.y_valid)
            except (ValueError, TypeError, ArithmeticError) as exc:
                errors.append(f"trial {trial + 1}: {type(exc).__name__}: {summary(exc, 200)}")
                self.ctx.log(errors[-1])
                pipe = None
            self.state.global_step = trial + 1
            self.state.epoch = (trial + 1) / len(settings)
            if pipe is not None and (not self.best or scores["loss"] < self.best["best_loss"]):
                self.model = pipe
                self.best = {"best_trial": trial + 1, "best_loss": scores["loss"], "best_params": settings[trial],
                             "best_metrics": scores}
            self._event("on_step_end")
            if pipe is not None:
                self._event("on_log", logs={"loss": train_scores["loss"]})
                self._event("on_log", logs={f"eval_{k}": v for k, v in scores.items()})
                self._event("on_evaluate", metrics={f"eval_{k}": v for k, v in scores.items()})
            self._write_checkpoint()  # every trial, so a Stop or a crash loses nothing (and the engine's
            self._event("on_save")     # wrapped _save_checkpoint, made for torch models, is never needed)
            if self.control.should_training_stop:
                break
        if self.model is None:
            raise DataError("every trial of the tabular search failed; first error: " + (errors[0] if errors else "?"))
        self._event("on_train_end")
        self._write_confusion()
        return SimpleNamespace(global_step=self.state.global_step, training_loss=self.best.get("best_loss"),
                               metrics=self.best.get("best_metrics", {}))

    def _write_confusion(self) -> None:
        search = self.search
        if search.classification and len(search.targets) == 1 and self.model is not None:
            labels = search.labels[0]
            pred = np.asarray(self.model.predict(search.valid_df[search.features])).reshape(-1)
            write_confusion(self.ctx.run_dir, labels.names, search._ids(labels, search.y_valid[:, 0]),
                            search._ids(labels, pred, from_model=True))

    # --- checkpoints: the best pipeline so far and where the search is
    def _save_checkpoint(self, model=None, trial=None) -> None:
        """The Trainer's name, for callers that save on demand."""
        self._write_checkpoint()

    def _write_checkpoint(self) -> None:
        import joblib

        out = Path(self.args.output_dir)
        target = out / f"checkpoint-{self.state.global_step}"
        staging = out / f".tmp-checkpoint-{self.state.global_step}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self.model is not None:
            joblib.dump(self.model, staging / MODEL_FILE)
        (staging / STATE_FILE).write_text(json.dumps({"trial": self.state.global_step, **self.best}, default=str))
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        for old in out.glob("checkpoint-*"):
            if old != target and old.is_dir() and old.name.split("-")[-1].isdigit():
                shutil.rmtree(old, ignore_errors=True)

    def _resume(self, checkpoint: str) -> int:
        import joblib

        folder = Path(checkpoint)
        state_file = folder / STATE_FILE
        if not state_file.is_file():
            raise DataError(f"'{checkpoint}' is not a tabular search checkpoint (no {STATE_FILE})")
        saved = json.loads(state_file.read_text())
        if (folder / MODEL_FILE).is_file():
            self.model = joblib.load(folder / MODEL_FILE)
            self.best = {k: v for k, v in saved.items() if k.startswith("best_")}
        self.state.global_step = int(saved.get("trial", 0))
        self.ctx.log(f"resuming the search after trial {self.state.global_step}")
        return self.state.global_step


def build(ctx: TaskContext) -> TrainJob:
    search = TabularSearch(ctx)
    trainer = SearchTrainer(search, ctx)

    def save(run_dir):
        import joblib

        run_dir = Path(run_dir)
        joblib.dump(trainer.model, run_dir / MODEL_FILE)
        (run_dir / INFO_FILE).write_text(json.dumps(search.info(trainer.best), indent=2, default=str),
                                         encoding="utf-8")

    return TrainJob(trainer=trainer, model=None, tokenizer=None, save=save,
                    num_train_examples=len(search.train_df),
                    num_valid_examples=len(search.valid_df) if search.valid_df is not search.train_df else 0,
                    notes=[f"{search.family}: {len(search.settings)} trials at most, {search.p.time_limit} s"])


def load_model(run_dir: str | Path):
    """(pipeline, info) of a finished tabular run: ``pipeline.predict(frame[info['features']])``.

    A pickle (joblib) runs code when loaded, so a served dashboard never reads one from disk: there a
    pipeline is tried in the page that trained it."""
    import joblib

    from ...errors import ModelError
    from ...workspace import served

    run_dir = Path(run_dir)
    if served():
        raise ModelError(f"a served dashboard does not load pickled models ({run_dir / MODEL_FILE}): try the model "
                         "in the page that trained it, or load it in a notebook with joblib")
    return joblib.load(run_dir / MODEL_FILE), json.loads((run_dir / INFO_FILE).read_text(encoding="utf-8"))
