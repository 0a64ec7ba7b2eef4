"""llm-orpo: TRL's experimental ORPO with beta = dpo_beta, length limits, a run through the CLI."""

from __future__ import annotations

from tests.tasks.helpers import assert_trained, task_context, train_with_cli
from tunewidgets.tasks.llm_orpo.train import truncate_orpo_row


def test_orpo_trains_from_yaml_and_the_model_loads_back(llm_config, tmp_path):
    from transformers import AutoModelForCausalLM

    run_dir = train_with_cli(llm_config("llm-orpo", "preference-chat", chat_template="chatml"), tmp_path)
    records = assert_trained(run_dir)
    assert any("eval_nll_loss" in r for r in records)
    AutoModelForCausalLM.from_pretrained(run_dir)


def test_orpo_beta_is_dpo_beta_and_long_rows_are_cut(llm_config, tmp_path):
    from tunewidgets.tasks.llm_orpo.train import build

    job = build(task_context(llm_config("llm-orpo", valid=False, dpo_beta=0.25, block_size=12, max_prompt_length=5),
                             tmp_path))
    assert job.trainer.beta == 0.25
    data = job.trainer.train_dataset
    assert len(data) == 180
    for side in ("chosen", "rejected"):
        assert max(len(x) for x in data[f"{side}_input_ids"]) <= 12
        assert max(sum(1 for t in labels if t == -100) for labels in data[f"{side}_labels"]) == 5


def test_truncate_orpo_row_keeps_prompt_end_and_answer_start():
    row = {
        "prompt_input_ids": [1, 2, 3, 4], "prompt_attention_mask": [1] * 4,
        "chosen_input_ids": [1, 2, 3, 4, 10, 11, 12], "chosen_attention_mask": [1] * 7,
        "chosen_labels": [-100] * 4 + [10, 11, 12],
        "rejected_input_ids": [1, 2, 3, 4, 20, 21], "rejected_attention_mask": [1] * 6,
        "rejected_labels": [-100] * 4 + [20, 21],
    }
    out = truncate_orpo_row(row, max_length=5, max_prompt_length=2, max_completion_length=None)
    assert out["chosen_input_ids"] == [3, 4, 10, 11, 12] and out["chosen_labels"] == [-100, -100, 10, 11, 12]
    assert out["rejected_input_ids"] == [3, 4, 20, 21] and out["prompt_input_ids"] == [3, 4]
    assert truncate_orpo_row(row, max_length=64, max_prompt_length=2, max_completion_length=None) == row
