"""From rows of context, question and answers to the windows a question-answering model trains on.

As in transformers' run_qa.py example: the question, then a window of the context; a context longer
than ``max_seq_length`` gives several windows that overlap by ``max_doc_stride`` tokens, so no answer is
cut off. A window's target is the answer's first and last token, or the CLS token when the answer is
not inside it or the question has none (SQuAD v2). The ejected script copies these functions.
"""

from __future__ import annotations

from ...data.qa import checked_answers
from ...errors import DataError


def with_answers(dataset, split: str, names: dict[str, str]):
    """``dataset`` with its answers read and checked (``answers`` becomes SQuAD's dict, a flat
    ``answer_start`` column is folded into it); a bad row is a DataError naming it."""
    starts = list(dataset["answer_start"]) if "answer_start" in dataset.column_names else None
    answers = checked_answers(list(dataset["context"]), list(dataset["question"]), list(dataset["answers"]), starts,
                              split=split, names=names)
    dataset = dataset.remove_columns([c for c in ("answers", "answer_start") if c in dataset.column_names])
    return dataset.add_column("answers", answers)


def qa_features(batch, indices, tokenizer, max_length: int, stride: int, windows: bool = False):
    """The windows of a batch of rows with their targets (``start_positions``, ``end_positions``); the
    questions must leave room for the context (``check_questions``).

    With ``windows`` each window also keeps its row (``example_index``), its CLS position and the character
    offsets of its context tokens (None for the question and special tokens): what turns predicted
    positions back into text.
    """
    pad_on_right = tokenizer.padding_side == "right"  # the question first, unless the model pads on the left
    questions = [q.lstrip() for q in batch["question"]]  # SQuAD has questions led by many spaces
    enc = tokenizer(questions if pad_on_right else batch["context"], batch["context"] if pad_on_right else questions,
                    truncation="only_second" if pad_on_right else "only_first", max_length=max_length,
                    stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True)
    rows = enc.pop("overflow_to_sample_mapping")
    all_offsets = enc.pop("offset_mapping")
    context_id = 1 if pad_on_right else 0
    starts, ends, kept, cls_positions, examples = [], [], [], [], []
    for i, offsets in enumerate(all_offsets):
        ids = enc["input_ids"][i]
        cls = ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0
        sequence = enc.sequence_ids(i)
        first = sequence.index(context_id)
        last = len(sequence) - 1 - sequence[::-1].index(context_id)
        answers = batch["answers"][rows[i]]
        start = end = cls
        if answers["answer_start"]:
            start_char = answers["answer_start"][0]
            end_char = start_char + len(answers["text"][0])
            if offsets[first][0] <= start_char and offsets[last][1] >= end_char:  # the answer is in this window
                start = first
                while start <= last and offsets[start][0] <= start_char:
                    start += 1
                start -= 1
                end = last
                while end >= first and offsets[end][1] >= end_char:
                    end -= 1
                end += 1
        starts.append(start)
        ends.append(end)
        if windows:
            kept.append([list(o) if s == context_id else None for o, s in zip(offsets, sequence)])
            cls_positions.append(cls)
            examples.append(indices[rows[i]])
    enc["start_positions"], enc["end_positions"] = starts, ends
    if windows:
        enc["example_index"], enc["cls_index"], enc["offset_mapping"] = examples, cls_positions, kept
    return enc


def check_questions(tokenizer, questions: list[str], max_length: int, stride: int, split: str | None) -> None:
    """Every window must hold its question and more context than the stride (the tokenizer panics otherwise);
    ``split`` names the rows in the message (None: a single question typed in)."""
    specials = tokenizer.num_special_tokens_to_add(pair=True)
    questions = [q.lstrip() for q in questions]
    for index, ids in enumerate(tokenizer(questions, add_special_tokens=False)["input_ids"]):
        room = max_length - specials - len(ids)
        if room <= stride:
            where = f"the {split} split's row {index + 1}: its question" if split else "the question"
            raise DataError(f"{where} is {len(ids)} tokens, which leaves "
                            f"{max(room, 0)} of max_seq_length {max_length} for the context, not more than "
                            f"max_doc_stride {stride}: raise max_seq_length, lower max_doc_stride or shorten the "
                            "question")
