"""The seven non-LLM AutoTrain example configs train a few steps here, unchanged but for local model and data.

Only base_model and data.path are swapped (plus max_steps for size), on generated data in the shape
of each config's Hub dataset (imdb, conll2003, samsum, all-nli, an image folder). The two all-nli
configs name Hub ``config:split`` splits (``pair-class:train``); a local folder has no configs, so
there the split names are set to the local files' names (``train``, ``test``/``dev``).

The configs are read from $TUNEWIDGETS_AUTOTRAIN_CONFIGS; without it these tests skip.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import autotrain_configs, autotrain_configs_dir, needs_autotrain_configs
from tests.tasks.task_helpers import read_metrics, tiny_model
from tunewidgets import tiny
from tunewidgets.cli import main

CONFIGS = {
    "image_classification__local": ("vit", "image-classification", ("train",), {}),
    "sentence_transformers__pair_class": ("bert", "st-pair-class", ("train", "test"),
                                          {"train_split": "train", "valid_split": "test"}),
    "sentence_transformers__triplet": ("bert", "st-triplet", ("train", "dev"),
                                       {"train_split": "train", "valid_split": "dev"}),
    "seq2seq__hub_dataset": ("t5", "seq2seq", ("train", "test"), {}),
    "text_classification__hub_dataset": ("bert", "text-classification", ("train", "test"), {}),
    "text_classification__local_dataset": ("bert", "text-classification", ("train", "valid"), {}),
    "token_classification__hub_dataset": ("bert", "token-classification", ("train", "validation"), {}),
}

pytestmark = needs_autotrain_configs


def test_the_seven_configs_are_there():
    names = {p.stem for p in autotrain_configs() if not p.stem.startswith("llm")}
    assert names == set(CONFIGS)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_autotrain_config_trains_a_few_steps(name, tmp_path):
    path = autotrain_configs_dir() / f"{name}.yml"
    raw = yaml.safe_load(path.read_text())
    model_kind, data_kind, splits, split_overrides = CONFIGS[name]
    kwargs = {"int_labels": True} if data_kind in ("token-classification", "text-classification") and "hub" in name \
        else {}
    n = 40 if data_kind != "image-classification" else 60
    data = tiny.make_task_demo(data_kind, tmp_path / "data", n=n, splits=splits, seed=1,
                               fmt="csv" if name.endswith("local_dataset") else "jsonl", **kwargs)
    overrides = [f"base_model={tiny_model(model_kind)}", f"data.path={data}", "params.max_steps=2"]
    overrides += [f"data.{key}={value}" for key, value in split_overrides.items()]
    args = ["train", str(path), "--workdir", str(tmp_path), "--quiet"]
    for override in overrides:
        args += ["--set", override]
    code = main(args)
    run_dir = tmp_path / raw["project_name"]
    log = (run_dir / "train.log").read_text() if (run_dir / "train.log").exists() else ""
    assert code == 0, log[-3000:]
    assert json.loads((run_dir / "status.json").read_text())["state"] == "finished"
    records = read_metrics(run_dir)
    assert max(r["step"] for r in records) == 2
    assert any("eval_loss" in r for r in records)  # every config evaluates: a given or an automatic valid split
    assert (run_dir / "config.json").is_file()
    if raw["params"].get("mixed_precision") == "fp16":
        assert "mixed_precision fp16 needs a GPU" in log
