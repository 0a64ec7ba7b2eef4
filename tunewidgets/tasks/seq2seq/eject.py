"""Eject seq2seq to a standalone transformers Seq2SeqTrainer script, LoRA included (see train.py)."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Raw, Script, header
from ..shared.llm_common import ADAPTER_DIR
from ..shared.metrics import rouge
from ..shared.peft_variants import lora_kwargs_source
from ..shared.supervised import ensure_pad_token


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
           device=None) -> str:
    """A script that trains like a run of ``config``: an encoder-decoder, transformers' Seq2SeqTrainer."""
    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    auto = not config.data.valid_split
    args = common.trainer_kwargs(config, device, out, auto_valid=True, notes=notes,
                                 predict_with_generate=Raw("valid is not None") if auto else True,
                                 generation_max_length=p.max_target_length)
    s = Script(header(config, "transformers' Seq2SeqTrainer" + (" and a LoRA adapter" if p.peft else ""), device,
                      notes))
    s.imports("import numpy as np", "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer",
              "from transformers import DataCollatorForSeq2Seq, Seq2SeqTrainer, Seq2SeqTrainingArguments")
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out)
    s.setting("MAX_SEQ_LENGTH", p.max_seq_length).setting("MAX_TARGET_LENGTH", p.max_target_length)
    s.section("data")
    read_splits(s, config)
    s.embed(ensure_pad_token, rouge)
    s.section("model", *common.seed_lines(s), "tokenizer = AutoTokenizer.from_pretrained(MODEL)",
              *_model_lines(s, config, device), "ensure_pad_token(tokenizer, model)")
    if p.peft:
        s.add(*_lora_lines(s, config))
    s.add("",
          "",
          "def tokenize(batch):",
          "    enc = tokenizer(batch['text'], truncation=True, max_length=MAX_SEQ_LENGTH)",
          "    enc['labels'] = tokenizer(text_target=batch['target'], truncation=True, "
          "max_length=MAX_TARGET_LENGTH)['input_ids']",
          "    return enc",
          "",
          "",
          "train = train.map(tokenize, batched=True, remove_columns=train.column_names)",
          "if valid is not None:",
          "    valid = valid.map(tokenize, batched=True, remove_columns=valid.column_names)")
    s.section("training",
              "def compute_metrics(eval_pred):",
              '    """ROUGE of the generated texts, and their mean length."""',
              "    preds = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) "
              "else eval_pred.predictions",
              "    preds = np.where(np.asarray(preds) < 0, tokenizer.pad_token_id, preds)",
              "    label_ids = np.where(eval_pred.label_ids < 0, tokenizer.pad_token_id, eval_pred.label_ids)",
              "    scores = rouge(tokenizer.batch_decode(preds, skip_special_tokens=True),",
              "                   tokenizer.batch_decode(label_ids, skip_special_tokens=True))",
              "    lengths = [int((row != tokenizer.pad_token_id).sum()) for row in np.asarray(preds)]",
              "    scores['gen_len'] = float(np.mean(lengths)) if lengths else 0.0",
              "    return scores",
              "",
              "")
    s.add(*common.arguments_lines(s, config, "Seq2SeqTrainingArguments", args))
    s.add("trainer = Seq2SeqTrainer(",
          "    model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=tokenizer,",
          "    data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100),",
          "    compute_metrics=compute_metrics if valid is not None else None,",
          f"    callbacks={common.early_stopping(s, config)},",
          ")",
          "trainer.train()")
    if p.peft and p.merge_adapter:
        s.imports("from peft import PeftModel")
        s.section("save: the adapter in adapter/, the merged model in OUTPUT_DIR",
                  f"adapter = OUTPUT_DIR + '/{ADAPTER_DIR}'",
                  "trainer.save_model(adapter)",
                  "tokenizer.save_pretrained(adapter)",
                  "merged = PeftModel.from_pretrained(AutoModelForSeq2SeqLM.from_pretrained(MODEL), adapter)",
                  "merged.merge_and_unload().save_pretrained(OUTPUT_DIR)",
                  "tokenizer.save_pretrained(OUTPUT_DIR)",
                  "trainer.save_state()  # OUTPUT_DIR/trainer_state.json: the log history (losses, evaluations)")
    else:
        s.section("save", *common.save_lines("tokenizer"))
    return s.text()


def _model_lines(s: Script, config: RunConfig, device) -> list[str]:
    p = config.params
    if not p.quantization:
        return ["model = AutoModelForSeq2SeqLM.from_pretrained(MODEL)"]
    s.imports("import torch", "from transformers import BitsAndBytesConfig")
    if p.quantization == "int4":
        compute = "bfloat16" if device.bf16 else "float16" if device.fp16 else "float32"
        quant = ("BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', "
                 f"bnb_4bit_compute_dtype=torch.{compute})")
    else:
        quant = "BitsAndBytesConfig(load_in_8bit=True)"
    return [f"model = AutoModelForSeq2SeqLM.from_pretrained(MODEL, quantization_config={quant})  # needs CUDA"]


def _lora_lines(s: Script, config: RunConfig) -> list[str]:
    p = config.params
    s.imports("from peft import LoraConfig, TaskType, get_peft_model")
    targets = p.target_modules or "all-linear"
    if targets != "all-linear":
        targets = [t.strip() for t in str(targets).split(",") if t.strip()]
    variants, imports = lora_kwargs_source(p)
    s.imports(*imports)
    lines = []
    if p.quantization:
        s.imports("from peft import prepare_model_for_kbit_training")
        lines.append("model = prepare_model_for_kbit_training(model)")
    return lines + [f"lora = LoraConfig(r={p.lora_r}, lora_alpha={p.lora_alpha}, lora_dropout={p.lora_dropout}, "
                    f"target_modules={targets!r},",
                    f"                  bias='none', task_type=TaskType.SEQ_2_SEQ_LM{variants})",
                    "model = get_peft_model(model, lora)"]
