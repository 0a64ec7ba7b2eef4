"""vlm:vqa and vlm:captioning: fine-tune a vision-language model (PaliGemma, SmolVLM, Qwen2.5-VL, LLaVA ...)
with TRL's SFTTrainer to answer questions about images or to caption them. AutoTrain's names and columns:
``image_column`` (paths, an image folder or a Hub image column), ``text_column`` (the answer or caption) and
``prompt_text_column`` (the question; for captioning an optional prompt)."""

from __future__ import annotations

from dataclasses import replace

from ...config.params_vlm import VLMParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, Role, TaskSpec
from ..shared import roles

GROUP = "Vision-language models (TRL)"
# The demo's settings: the coloured shapes' loss falls within a minute on two CPU cores.
DEMO_PARAMS = {"epochs": 3, "batch_size": 8, "gradient_accumulation": 1, "lr": 5e-3, "logging_steps": 2,
               "eval_strategy": "epoch", "save_strategy": "epoch"}

QUESTION = Role("prompt_text_column", "the question about the image", kind="text",
                names=("question", "query", "prompt", "instruction", "prefix", "input"), column="prompt")
CAPTION_PROMPT = replace(QUESTION, help="an optional prompt before the caption (default: 'Describe the image.', "
                                        "or PaliGemma's 'caption en' without a chat template)",
                         required=False, names=("prompt", "prefix", "instruction", "question"))
ANSWER = Role("text_column", "the answer the model learns to give", kind="text",
              names=("answer", "multiple_choice_answer", "answers", "response", "output", "completion", "suffix",
                     "target", "label", "text"))
CAPTION = replace(ANSWER, help="the caption the model learns to write",
                  names=("caption", "captions", "text", "description", "alt_text", "sentence", "suffix", "target",
                         "answer"))


def _question_mapped(config) -> None:
    mapping = config.data.column_mapping
    if mapping and not mapping.get("prompt_text_column"):
        raise ValueError("data.column_mapping: vlm:vqa needs prompt_text_column (the question); for images with a "
                         "caption and no question use vlm:captioning")


def _spec(name: str, title: str, captioning: bool) -> TaskSpec:
    here = __name__
    prompt, text = (CAPTION_PROMPT, CAPTION) if captioning else (QUESTION, ANSWER)
    kind = name.split(":")[1]
    mapping = {"image_column": "image", "text_column": "caption"} if captioning else \
        {"image_column": "image", "prompt_text_column": "question", "text_column": "answer"}
    return TaskSpec(
        name=name,
        title=title,
        group=GROUP,
        params=VLMParams,
        roles=(roles.IMAGE, prompt, text),
        build=Hook.to(f"{here}.train:build", captioning=captioning),
        generates="vlm",
        valid_prompts=Hook.to(f"{here}.prompts:valid_prompts", captioning=captioning),
        load_saved=Hook.to(f"{here}.model:load_saved"),
        demo=Demo(model="vlm", data=f"vlm-{kind}", mapping=mapping, params=DEMO_PARAMS, rows=200),
        aliases=(f"vlm-{kind}", f"vlm_{kind}"),
        trainer_names=(kind,),
        predict=Predict(run=Hook.to(f"{here}.predict:predict", captioning=captioning), input="image_text",
                        button="Generate", options=("max_new_tokens",),
                        placeholder="An optional prompt (empty: the default caption prompt)" if captioning
                        else "A question about the image, e.g. What colour is the shape?"),
        checks=Hook.to(f"{here}.checks:check", captioning=captioning),
        eject=Hook.to(f"{here}.eject:script", captioning=captioning),
        validate=None if captioning else _question_mapped,
        footprint=Footprint("AutoModelForImageTextToText"),
    )


TASKS = (
    _spec("vlm:vqa", "Visual question answering (VLM)", captioning=False),
    _spec("vlm:captioning", "Image captioning (VLM)", captioning=True),
)
