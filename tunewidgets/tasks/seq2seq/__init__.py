"""seq2seq: an encoder-decoder (T5, BART) from a text to a text, with ROUGE; LoRA optional."""

from __future__ import annotations

from dataclasses import replace

from ...config.params_text import Seq2SeqParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, TaskSpec
from ..shared import roles
from ..shared import supervised_spec as common

SOURCE = replace(roles.TEXT, names=("text", "document", "dialogue", "article", "source", "src", "input", "question",
                                    "context", "content"))
TARGET = replace(roles.LABEL, help="the target text", kind="text",
                 names=("target", "summary", "highlights", "output", "answer", "translation", "tgt", "response",
                        "label"))

TASKS = (
    TaskSpec(
        name="seq2seq",
        title="Sequence to sequence",
        group=common.TEXT_GROUP,
        params=Seq2SeqParams,
        roles=(SOURCE, TARGET),
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=common.load_saved("AutoModelForSeq2SeqLM", "AutoPeftModelForSeq2SeqLM"),
        footprint=Footprint("AutoModelForSeq2SeqLM"),
        generates="seq2seq",
        valid_prompts=Hook.to(f"{__name__}.prompts:valid_prompts"),
        demo=Demo(model="t5", data="seq2seq", mapping={"text_column": "dialogue", "target_column": "summary"},
                  params={**common.TEXT_DEMO, "epochs": 6, "lr": 5e-3, "max_seq_length": 96, "max_target_length": 32},
                  rows=400),
        scores=("rougeL", "rouge1", "rouge2"),
        predict=Predict(run=Hook.to(f"{__name__}.predict:predict"), button="Generate",
                        placeholder="The input text, e.g. a dialogue to summarise", options=("max_new_tokens",)),
        checks=common.label_checks(None),
        eject=Hook.to(f"{__name__}.eject:script"),
    ),
)
