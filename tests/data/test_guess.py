"""The mapping guess on the shapes of widely used datasets: right, or empty with a hint, never wrong."""

from __future__ import annotations

import pytest

from tunewidgets.config.tasks import get_task
from tunewidgets.data.columns import guess_column_mapping
from tunewidgets.data.guess import guess_roles

CHAT = [{"role": "user", "content": "What is 2 plus 3?"}, {"role": "assistant", "content": "5."}]
SHAREGPT = [{"from": "human", "value": "What is 2 plus 3?"}, {"from": "gpt", "value": "5."}]

# (dataset, task, rows, expected mapping)
SHAPES = [
    ("Alpaca", "llm-sft", [{"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"}],
     {"text_column": "output", "prompt_text_column": "instruction", "context_column": "input"}),
    ("Dolly", "llm-sft", [{"instruction": "Summarise.", "context": "A long text here.", "response": "Short.",
                           "category": "summarization"}],
     {"text_column": "response", "prompt_text_column": "instruction", "context_column": "context"}),
    ("TRL prompt/completion", "llm-sft", [{"prompt": "The sky is", "completion": " blue."}],
     {"text_column": "completion", "prompt_text_column": "prompt"}),
    ("ShareGPT", "llm-sft", [{"id": "a1", "conversations": SHAREGPT}], {"text_column": "conversations"}),
    ("plain text with a question column", "llm-sft", [{"text": "A whole document.", "question": "Why?"}],
     {"text_column": "text"}),
    ("UltraFeedback (SFT)", "llm-sft",
     [{"prompt": "Q", "prompt_id": "x", "chosen": CHAT, "rejected": CHAT, "messages": CHAT, "score_chosen": 8.0}],
     {"text_column": "messages"}),
    ("UltraFeedback (DPO)", "llm-dpo",
     [{"prompt": "Q", "prompt_id": "x", "chosen": CHAT, "rejected": CHAT, "messages": CHAT, "score_chosen": 8.0}],
     {"text_column": "chosen", "rejected_text_column": "rejected", "prompt_text_column": "prompt"}),
    ("HH-RLHF", "llm-reward", [{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.",
                                "rejected": "\n\nHuman: Hi\n\nAssistant: Go away."}],
     {"text_column": "chosen", "rejected_text_column": "rejected"}),
    ("question/good/bad", "llm-dpo", [{"question": "What is 2 plus 3?", "good": "It is five, as 2 + 3 = 5.",
                                       "bad": "Seven."}],
     {"text_column": "good", "rejected_text_column": "bad", "prompt_text_column": "question"}),
    ("pairs without cues", "llm-dpo", [{"q": "What is 2 plus 3?", "a1": "Five, surely.", "a2": "Seven, surely."}], {}),
    ("a shared prompt column", "llm-orpo",
     [{"ctx": "Q: 2+3? A:", "chosen": "Q: 2+3? A: 5", "rejected": "Q: 2+3? A: 6"}],
     {"text_column": "chosen", "rejected_text_column": "rejected", "prompt_text_column": "ctx"}),
    ("SST-2", "text_classification", [{"idx": 0, "sentence": "a gripping film", "label": 1}],
     {"text_column": "sentence", "target_column": "label"}),
    ("CoNLL-2003", "token_classification",
     [{"id": "0", "tokens": ["EU", "rejects"], "pos_tags": [22, 42], "chunk_tags": [11, 21], "ner_tags": [3, 0]}],
     {"tokens_column": "tokens", "tags_column": "ner_tags"}),
    ("SAMSum", "seq2seq", [{"id": "1", "dialogue": "Li: I will buy apples.\nOmar: Ok!", "summary": "Li buys apples."}],
     {"text_column": "dialogue", "target_column": "summary"}),
    ("Titanic", "tabular", [{"PassengerId": 1, "Survived": 0, "Pclass": 3, "Name": "Braund", "Sex": "male",
                             "Age": 22.0, "Fare": 7.25}],
     {"id_column": "PassengerId", "target_columns": ["Survived"]}),
    ("breast cancer", "tabular", [{"id": 842302, "diagnosis": "M", "radius_mean": 17.99}],
     {"id_column": "id", "target_columns": ["diagnosis"]}),
    ("tabular without a named target", "tabular", [{"Paid": 1, "a": 2, "b": 3}], {}),
    ("all-nli triplets", "sentence-transformers:triplet", [{"anchor": "A man", "positive": "A person",
                                                            "negative": "A cat"}],
     {"sentence1_column": "anchor", "sentence2_column": "positive", "sentence3_column": "negative"}),
]


@pytest.mark.parametrize("name, task, rows, expected", SHAPES, ids=[s[0] for s in SHAPES])
def test_the_guess_on_widely_used_shapes(name, task, rows, expected):
    assert guess_column_mapping(task, list(rows[0]), rows) == expected


def test_the_guess_says_how_sure_it_is():
    rows = [{"question": "What is 2 plus 3?", "good": "It is five.", "bad": "Seven."}]
    found = guess_roles(get_task("llm-dpo"), list(rows[0]), rows)
    assert found["text_column"].how == "name" and "'good'" in found["text_column"].note
    unsure = guess_roles(get_task("llm-dpo"), ["q", "a1", "a2"],
                         [{"q": "What is 2 plus 3?", "a1": "Five, surely.", "a2": "Seven, surely."}])
    assert unsure["text_column"].column is None and unsure["text_column"].note.startswith("not guessed: choose")
    by_values = guess_roles(get_task("text_classification"), ["a", "b"],
                            [{"a": "this is a long review of a product", "b": 1}])
    assert by_values["target_column"].how == "values" and "check it" in by_values["target_column"].note
    shared = guess_roles(get_task("llm-orpo"), ["ctx", "chosen", "rejected"],
                         [{"ctx": "Q: 2+3? A:", "chosen": "Q: 2+3? A: 5", "rejected": "Q: 2+3? A: 6"}])
    assert shared["prompt_text_column"].how == "shape"
