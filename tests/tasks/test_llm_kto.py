"""llm-kto: TRL's KTOTrainer on completions marked desirable or not; labels read leniently, an explicit reference,
long rows cut rather than dropped, the mapping guessed from KTO's usual columns, and the demo visibly learning."""

from __future__ import annotations

import math

import pytest
import torch

from tests.tasks.helpers import assert_trained, read_metrics, task_context, train_with_cli
from tunewidgets.errors import DataError
from tunewidgets.tasks.llm_kto.data import desirable, prepare_kto

KTO_MAPPING = {"prompt_text_column": "prompt", "text_column": "completion", "target_column": "label"}


@pytest.fixture(scope="module")
def kto_data(tmp_path_factory) -> dict:
    from tunewidgets.tiny import make_task_demo

    root = tmp_path_factory.mktemp("kto-data")
    return {kind: make_task_demo(kind, root / kind, n=80) for kind in ("kto-facts", "kto-facts-chat")}


def _config(llm_config, kto_data, kind="kto-facts", **params) -> dict:
    config = llm_config("llm-kto", **params)
    config["data"].update(path=kto_data[kind], column_mapping=dict(KTO_MAPPING),
                          chat_template="chatml" if kind.endswith("chat") else None)
    return config


def _same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_kto_trains_from_yaml_logs_its_rewards_and_the_model_loads_back(llm_config, kto_data, tmp_path):
    from transformers import AutoModelForCausalLM

    run_dir = train_with_cli(_config(llm_config, kto_data, dpo_beta=0.3, desirable_weight=1.2), tmp_path)
    records = assert_trained(run_dir)
    assert any("rewards/chosen" in r and "kl" in r for r in records)
    assert any("eval_rewards/margins" in r for r in records)
    AutoModelForCausalLM.from_pretrained(run_dir)


def test_kto_on_conversations(llm_config, kto_data, tmp_path):
    run_dir = train_with_cli(_config(llm_config, kto_data, "kto-facts-chat", max_steps=2), tmp_path)
    assert_trained(run_dir)


def test_the_params_reach_trl_and_the_reference_is_a_frozen_copy(llm_config, kto_data, tmp_path):
    from tunewidgets.tasks.llm_kto.train import build

    job = build(task_context(_config(llm_config, kto_data, valid=False, dpo_beta=0.3, desirable_weight=1.5,
                                     undesirable_weight=0.8, kto_loss_type="apo_zero_unpaired"), tmp_path))
    trainer = job.trainer
    assert (trainer.beta, trainer.desirable_weight, trainer.undesirable_weight) == (0.3, 1.5, 0.8)
    assert trainer.loss_type == "apo_zero_unpaired" and not trainer.calculate_KL
    ref = trainer.ref_model
    assert ref is not None and ref is not job.model and _same_weights(ref, job.model)
    assert not any(p.requires_grad for p in ref.parameters())
    assert any("desirable" in note for note in job.notes)


def test_with_peft_the_reference_is_the_base_without_the_adapter(llm_config, kto_data, tmp_path):
    from peft import PeftModel

    from tunewidgets.tasks.llm_kto.train import build

    job = build(task_context(_config(llm_config, kto_data, valid=False, peft=True, lora_r=4), tmp_path))
    assert job.trainer.ref_model is None and isinstance(job.trainer.model, PeftModel)


def test_long_rows_are_cut_to_max_prompt_length_not_dropped(llm_config, kto_data, tmp_path):
    from tunewidgets.tasks.llm_kto.train import build

    job = build(task_context(_config(llm_config, kto_data, valid=False, block_size=10, max_prompt_length=4),
                             tmp_path))
    data = job.trainer.train_dataset
    assert len(data) == 72  # 90% of 80 rows: none dropped
    assert max(len(p) for p in data["prompt_ids"]) == 4
    for prompt, completion, kl in zip(data["prompt_ids"], data["completion_ids"], data["KL_completion_ids"]):
        assert len(prompt) + len(completion) <= 10 and len(prompt) + len(kl) <= 10 and completion


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), (1, True), (0, False), (1.0, True),
                                             (-1, False), ("true", True), ("False", False), (" good ", True),
                                             ("BAD", False), ("desirable", True), ("undesirable", False),
                                             ("1", True), ("0", False), ("thumbs_down", False), ("yes", True)])
def test_labels_are_read_leniently(value, expected):
    assert desirable(value, "row 1 of the train split") is expected


@pytest.mark.parametrize("value", ["maybe", 2, 0.5, None, "", [1]])
def test_a_label_that_is_not_one_names_the_row(value):
    from datasets import Dataset

    rows = [{"prompt": "Q?", "completion": " yes", "label": True}, {"prompt": "Q?", "completion": " no", "label": 0},
            {"prompt": "Q?", "completion": " eh", "label": value}]
    data = Dataset.from_list([{**r, "label": str(r["label"])} for r in rows]) if isinstance(value, str) else None
    with pytest.raises(DataError, match=r"row 3 of the train split: the label \(target_column\) is .*true/false"):
        if data is not None:
            prepare_kto(data, "train")
        else:
            desirable(value, "row 3 of the train split")


def test_conversations_split_into_prompt_and_answer():
    from datasets import Dataset

    turns = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"},
             {"role": "assistant", "content": "Hello."}]
    data = Dataset.from_list([{"completion": turns, "label": "good"}, {"completion": turns, "label": "bad"}])
    out = prepare_kto(data, "train")
    assert out[0]["prompt"] == turns[:2] and out[0]["completion"] == turns[2:] and out["label"] == [True, False]
    plain_answers = Dataset.from_list([{"prompt": [turns[1]], "completion": "Hello.", "label": 1}])
    assert prepare_kto(plain_answers, "train")[0]["completion"] == [turns[2]]
    wrong_end = Dataset.from_list([{"completion": turns[:2], "label": 1}])
    with pytest.raises(DataError, match="row 1 of the train split: the last turn of the completion is 'user'"):
        prepare_kto(wrong_end, "train")


def test_the_train_split_is_shuffled_with_the_seed():
    from datasets import Dataset

    data = Dataset.from_list([{"prompt": f"Q{i}", "completion": f" a{i}", "label": i < 10} for i in range(20)])
    once, again = prepare_kto(data, "train", seed=1), prepare_kto(data, "train", seed=1)
    assert once["prompt"] == again["prompt"] != data["prompt"]
    assert prepare_kto(data, "valid")["prompt"] == data["prompt"]  # evaluation keeps the file's order


def test_the_mapping_is_guessed_from_ktos_usual_columns():
    from tunewidgets.data.columns import guess_column_mapping

    rows = [{"prompt": "What is 2 plus 3?", "completion": " 5", "label": True}]
    assert guess_column_mapping("llm-kto", ["prompt", "completion", "label"], rows) == KTO_MAPPING


def test_kto_needs_a_label_column_and_two_examples_a_batch(llm_config, kto_data):
    from tunewidgets.config import load_config
    from tunewidgets.errors import ConfigError

    config = _config(llm_config, kto_data)
    config["data"]["column_mapping"].pop("target_column")
    with pytest.raises((ConfigError, ValueError), match="needs target_column"):
        load_config(config)
    with pytest.raises((ConfigError, ValueError), match="batch_size must be 2 or more"):
        load_config(_config(llm_config, kto_data, batch_size=1))


@pytest.mark.slow
def test_the_demo_learns_to_tell_desirable_from_undesirable(tmp_path):
    """The offline demo as the app trains it: the loss falls and the chosen rewards separate from the rejected."""
    from tunewidgets.config.tasks import get_task
    from tunewidgets.run.engine import Run
    from tunewidgets.tasks.shared.demo import demo_config

    run = Run(demo_config(get_task("llm-kto"), tmp_path / "demo"), workdir=tmp_path, mode="foreground").run()
    assert run.state == "finished", run.error
    records = read_metrics(run.run_dir)
    train = [r for r in records if "loss" in r]
    evals = [r for r in records if "eval_loss" in r]
    first, last = train[:3], train[-6:]
    assert all(math.isfinite(r["loss"]) for r in train)
    assert sum(r["loss"] for r in last) / len(last) < sum(r["loss"] for r in first) / len(first) - 0.05
    assert sum(r["rewards/margins"] for r in last) / len(last) > 0.5
    assert evals[-1]["eval_rewards/chosen"] > evals[-1]["eval_rewards/rejected"]
    assert evals[-1]["eval_rewards/margins"] > evals[0]["eval_rewards/margins"]
