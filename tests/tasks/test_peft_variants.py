"""DoRA, rsLoRA and PEFT's initialisations (lora_init) for the tasks that take peft: written into
adapter_config.json, merged on save into the very model that trained, refused where they cannot work, and
written into the ejected script."""

from __future__ import annotations

import json

import pytest
import torch

from tests.tasks.helpers import task_context, train_with_cli
from tests.tasks.task_helpers import config as task_config
from tests.tasks.task_helpers import tiny_model
from tunewidgets.config import load_config
from tunewidgets.errors import ConfigError
from tunewidgets.run.engine import Run

IDS = torch.tensor([[5, 17, 42, 99, 123, 7, 64, 250]])
VARIANTS = [{"use_dora": True, "use_rslora": True}, {"lora_init": "pissa"}, {"lora_init": "olora", "use_rslora": True},
            {"lora_init": "gaussian", "use_dora": True}]


def _written(adapter_dir, variant: dict) -> None:
    saved = json.loads((adapter_dir / "adapter_config.json").read_text())
    init = variant.get("lora_init", "default")
    assert saved["use_dora"] is variant.get("use_dora", False)
    assert saved["use_rslora"] is variant.get("use_rslora", False)
    assert saved["init_lora_weights"] == (True if init == "default" else init)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(f"{k}={v[k]}" for k in v))
def test_an_llm_adapter_variant_is_written_and_merges_into_the_trained_model(llm_config, tmp_path, variant):
    from transformers import AutoModelForCausalLM

    config = llm_config("llm-sft", "sft-text", valid=False, max_steps=2, lr=5e-3, peft=True, lora_r=4, lora_alpha=8,
                        merge_adapter=True, **variant)
    run = Run(config, workdir=tmp_path, mode="foreground").run()
    assert run.state == "finished", run.error
    _written(run.run_dir / "adapter", variant)
    trained = run.model.eval()
    with torch.no_grad():
        expected = trained(input_ids=IDS).logits
        merged = AutoModelForCausalLM.from_pretrained(run.run_dir)(input_ids=IDS).logits
    assert not any("lora" in name for name, _ in AutoModelForCausalLM.from_pretrained(run.run_dir).named_parameters())
    assert torch.allclose(merged, expected, atol=1e-4)  # the merged model is the model that trained


def test_a_seq2seq_adapter_variant_is_written_and_merges(tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForSeq2SeqLM

    from tunewidgets import tiny

    variant = {"use_dora": True, "lora_init": "pissa"}
    data = tiny.make_task_demo("seq2seq", tmp_path / "data", n=24, splits=("train", "test"))
    cfg = task_config("seq2seq", tiny_model("t5"), data, {"text_column": "dialogue", "target_column": "summary"},
                      max_steps=2, batch_size=8, lr=5e-3, peft=True, merge_adapter=True, lora_r=4, lora_alpha=8,
                      max_target_length=16, eval_strategy="no", **variant)
    run_dir = train_with_cli(cfg, tmp_path)
    _written(run_dir / "adapter", variant)
    decoder = torch.tensor([[0, 5, 9, 11]])
    with torch.no_grad():
        merged = AutoModelForSeq2SeqLM.from_pretrained(run_dir)(input_ids=IDS, decoder_input_ids=decoder).logits
        adapted = PeftModel.from_pretrained(AutoModelForSeq2SeqLM.from_pretrained(tiny_model("t5")),
                                            run_dir / "adapter").eval()
        expected = adapted(input_ids=IDS, decoder_input_ids=decoder).logits
        base = AutoModelForSeq2SeqLM.from_pretrained(tiny_model("t5"))(input_ids=IDS, decoder_input_ids=decoder).logits
    assert torch.allclose(merged, expected, atol=1e-4) and not torch.allclose(merged, base, atol=1e-4)


def test_dpo_with_an_init_that_changes_the_base_gets_a_frozen_reference(llm_config, tmp_path):
    """With pissa the base without the adapter is the residual, not the starting model: the reference is a copy."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from tunewidgets.tasks.llm_dpo.train import build

    config = llm_config("llm-dpo", valid=False, max_steps=1, peft=True, lora_r=4, lora_init="pissa")
    job = build(task_context(config, tmp_path))
    ref = job.trainer.ref_model
    assert isinstance(job.trainer.model, PeftModel) and ref is not None
    start = AutoModelForCausalLM.from_pretrained(config["base_model"])
    with torch.no_grad():
        assert torch.allclose(ref(input_ids=IDS).logits, start(input_ids=IDS).logits, atol=1e-5)
        with job.trainer.model.disable_adapter():
            residual = job.trainer.model(input_ids=IDS).logits
    assert not torch.allclose(residual, start(input_ids=IDS).logits, atol=1e-3)
    assert not any(p.requires_grad for p in ref.parameters())


def test_loftq_without_cuda_is_one_clear_error(llm_config, tmp_path, capsys):
    import yaml

    from tunewidgets.cli import main

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    path = tmp_path / "loftq.yml"
    path.write_text(yaml.safe_dump(llm_config("llm-sft", "sft-text", peft=True, lora_init="loftq")))
    assert main(["train", str(path), "--workdir", str(tmp_path)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "lora_init loftq needs a CUDA GPU" in err[0] and "choose another lora_init" in err[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("task, init", [("llm-sft", "pissa"), ("llm-dpo", "loftq"), ("seq2seq", "olora")])
def test_an_init_that_changes_the_base_refuses_quantization(llm_config, task, init):
    if task == "seq2seq":
        config = task_config("seq2seq", "t5-path", "data", {"text_column": "a", "target_column": "b"}, peft=True,
                             quantization="int4", lora_init=init)
    else:
        config = llm_config(task, peft=True, quantization="int4", lora_init=init)
    with pytest.raises((ConfigError, ValueError), match=f"lora_init '{init}' with quantization 'int4'"):
        load_config(config)


def test_peft_spelling_true_is_the_default_init(llm_config):
    assert load_config(llm_config("llm-sft", "sft-text", peft=True, lora_init=True)).params.lora_init == "default"
    with pytest.raises((ConfigError, ValueError), match="lora_init: 'eva' is not allowed; choose one of"):
        load_config(llm_config("llm-sft", "sft-text", peft=True, lora_init="eva"))


def test_every_task_with_peft_takes_the_variants():
    from tunewidgets.config.tasks import TASKS

    with_peft = {name for name, spec in TASKS.items() if "peft" in spec.params.model_fields}
    assert {"llm-sft", "llm-dpo", "llm-kto", "llm-cpo", "seq2seq", "vlm:vqa"} <= with_peft
    for name in with_peft:
        assert {"use_dora", "use_rslora", "lora_init"} <= set(TASKS[name].params.model_fields), name


def test_the_ejected_scripts_make_the_same_adapter(llm_config, tmp_path):
    from tunewidgets.config.tasks import get_task
    from tunewidgets.tasks.shared.eject_source import Script
    from tunewidgets.tasks.vlm.eject import _lora_lines
    from tunewidgets.ui.export import python_script

    variant = {"peft": True, "use_dora": True, "use_rslora": True, "lora_init": "olora"}
    llm = python_script(load_config(llm_config("llm-sft", "sft-text", **variant)), workdir=tmp_path)
    assert "use_dora=True, use_rslora=True, init_lora_weights='olora')" in llm
    compile(llm, "ejected.py", "exec")
    dpo = python_script(load_config(llm_config("llm-dpo", peft=True, lora_init="pissa")), workdir=tmp_path)
    assert "ref_model = copy.deepcopy(model)" in dpo and "ref_model=ref_model," in dpo
    seq2seq = python_script(load_config(task_config(
        "seq2seq", tiny_model("t5"), "data", {"text_column": "a", "target_column": "b"}, **variant)), workdir=tmp_path)
    assert "task_type=TaskType.SEQ_2_SEQ_LM, use_dora=True, use_rslora=True, init_lora_weights='olora')" in seq2seq
    vlm_spec = get_task("vlm:vqa")
    vlm = load_config({"task": "vlm:vqa", "base_model": "some/vlm", "data": {"path": "x",
                       "column_mapping": dict(vlm_spec.demo.mapping)}, "params": {**variant, "lora_init": "loftq"}})
    script = Script([])
    assert "init_lora_weights='loftq', loftq_config=LoftQConfig(loftq_bits=4, loftq_iter=1))" in "".join(
        _lora_lines(script, vlm))
    assert "LoftQConfig" in script.text().split("from peft import", 1)[1].splitlines()[0]
