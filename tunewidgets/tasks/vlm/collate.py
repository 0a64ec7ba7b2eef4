"""Batches for a vision-language model whose processor has no chat template (PaliGemma and base models).

With a chat template TRL's own collator does the work (``DataCollatorForVisionLanguageModeling`` on
conversational prompt-completion rows). Without one, TRL's plain prompt-completion path cannot serve:
it runs the processor on the answers alone, and PaliGemma's processor refuses text without images. So
the answer is laid out here, by the processor's own rule where it has one (PaliGemma's ``suffix``: the
image tokens, BOS, the prefix and a newline, then the suffix and EOS, its labels on the suffix only), else
as TRL lays out a prompt and completion (the prompt, a newline and the image through the processor, the
answer and EOS through its tokenizer). Either way the loss falls on the answer only, and nothing names a model.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any


def has_chat_template(processor) -> bool:
    return bool(getattr(processor, "chat_template", None))


def prompt_text(processor, text: str) -> str:
    """The prompt as the processor receives it: led by its image token (where it has one and the text holds
    none; the processor expands it to the image's tokens) and, unless the processor lays out a suffix itself,
    ended by a newline, as PaliGemma's processor ends its prefix."""
    token = getattr(processor, "image_token", None)
    text = text if not token or token in text else token + text
    return text if takes_suffix(processor) else text + "\n"


def takes_suffix(processor) -> bool:
    """Whether the processor lays out a prefix and a suffix itself (PaliGemma's ``suffix`` argument)."""
    try:
        return "suffix" in inspect.signature(processor.__call__).parameters
    except (TypeError, ValueError):  # pragma: no cover - a processor without a readable signature
        return False


@dataclass
class PromptAnswerCollator:
    """Rows of ``image``, ``prompt`` (text) and ``completion`` (the answer) -> a batch with labels on the answer.

    ``max_length`` cuts sequences at the end, as TRL's collator does (``None``: never)."""

    processor: Any
    max_length: int | None = None

    def __call__(self, examples: list[dict]) -> dict:
        images = [[example["image"]] for example in examples]
        prompts = [prompt_text(self.processor, example["prompt"]) for example in examples]
        answers = [example["completion"] for example in examples]
        if takes_suffix(self.processor):
            batch = dict(self.processor(images=images, text=prompts, suffix=answers, padding="longest",
                                        return_tensors="pt"))
        else:
            batch = self._concatenated(images, prompts, answers)
        if self.max_length is not None:  # every per-token tensor, cut alike
            shape = batch["input_ids"].shape
            for key, value in batch.items():
                if getattr(value, "shape", None) == shape:
                    batch[key] = value[:, : self.max_length]
        return batch

    def _concatenated(self, images: list, prompts: list[str], answers: list[str]) -> dict:
        """TRL's prompt-completion layout: prompts padded left, answers (with EOS) right, flushed left."""
        import torch
        from trl.trainer.utils import flush_left

        tokenizer = self.processor.tokenizer
        prompt = self.processor(images=images, text=prompts, padding=True, padding_side="left", return_tensors="pt")
        eos = tokenizer.eos_token_id
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
        ids = [row + [eos] for row in tokenizer(answers, add_special_tokens=False)["input_ids"]]
        width = max(len(row) for row in ids)
        answer_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        answer_mask = torch.zeros((len(ids), width), dtype=torch.long)
        for index, row in enumerate(ids):
            answer_ids[index, : len(row)] = torch.tensor(row)
            answer_mask[index, : len(row)] = 1
        # per-token tensors beside input_ids (token_type_ids, mm_token_type_ids): zeros under the answer
        aligned = [key for key, value in prompt.items() if key not in ("input_ids", "attention_mask", "labels")
                   and torch.is_tensor(value) and value.shape == prompt["input_ids"].shape]
        input_ids = torch.cat((prompt["input_ids"], answer_ids), dim=1)
        attention_mask = torch.cat((prompt["attention_mask"], answer_mask), dim=1)
        loss_mask = torch.cat((torch.zeros_like(prompt["attention_mask"]), answer_mask), dim=1)
        others = [torch.cat((prompt[key], torch.zeros_like(answer_ids)), dim=1) for key in aligned]
        attention_mask, input_ids, loss_mask, *others = flush_left(attention_mask, input_ids, loss_mask, *others)
        labels = input_ids.clone()
        labels[loss_mask == 0] = -100
        batch = {key: value for key, value in prompt.items() if key not in ("input_ids", "attention_mask", "labels")}
        batch.update(zip(aligned, others))
        batch.update(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
        return batch
