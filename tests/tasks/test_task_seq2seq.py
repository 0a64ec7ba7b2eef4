"""seq2seq: a tiny T5 learns samsum-shaped summaries; ROUGE on the valid split; LoRA with a merge."""

from __future__ import annotations

from tests.tasks.task_helpers import config, last_eval, read_metrics, tiny_model, train_cli
from tunewidgets import tiny

MAPPING = {"text_column": "dialogue", "target_column": "summary"}


def test_full_fine_tuning_reports_rouge_and_the_reloaded_model_generates(tmp_path):
    data = tiny.make_task_demo("seq2seq", tmp_path / "data", n=120, splits=("train", "test"))
    cfg = config("seq2seq", tiny_model("t5"), data, MAPPING, valid="test", epochs=2, batch_size=16, lr=3e-3,
                 max_target_length=24)
    run = train_cli(cfg, tmp_path)
    evals = [r for r in read_metrics(run) if "eval_loss" in r]
    assert {"eval_rouge1", "eval_rouge2", "eval_rougeL", "eval_gen_len"} <= set(evals[-1])
    assert evals[-1]["eval_loss"] < evals[0]["eval_loss"]

    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    model = AutoModelForSeq2SeqLM.from_pretrained(run)
    tokenizer = AutoTokenizer.from_pretrained(run)
    inputs = tokenizer(["Anna: I will cook pasta at home today.\nTom: Ok, have fun!"], return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=12)
    assert isinstance(tokenizer.decode(out[0], skip_special_tokens=True), str)


def test_lora_with_merge_saves_the_merged_model_and_the_adapter(tmp_path):
    data = tiny.make_task_demo("seq2seq", tmp_path / "data", n=40, splits=("train", "test"))
    cfg = config("seq2seq", tiny_model("t5"), data, MAPPING, valid="test", max_steps=2, batch_size=8, peft=True,
                 merge_adapter=True, lora_r=4, lora_alpha=8, max_target_length=16)
    run = train_cli(cfg, tmp_path)
    assert (run / "adapter" / "adapter_config.json").is_file()
    assert (run / "config.json").is_file() and not (run / "adapter_config.json").exists()
    assert "eval_rougeL" in last_eval(run)

    from transformers import AutoModelForSeq2SeqLM

    model = AutoModelForSeq2SeqLM.from_pretrained(run)
    assert not any("lora" in name for name, _ in model.named_parameters())
