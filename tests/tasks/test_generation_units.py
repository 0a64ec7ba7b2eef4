"""eval_generate's parts without a model: which prompts are picked from each data shape, the scores, the file."""

from __future__ import annotations

import json

import pytest
from datasets import Dataset

from tunewidgets.tasks.shared.generation_examples import (
    CAUSAL,
    SEQ2SEQ,
    VLM,
    GenerationExample,
    example_of,
    pick_examples,
    spread,
)
from tunewidgets.tasks.shared.generation_file import GENERATIONS_FILE, append_generations, read_generations
from tunewidgets.tasks.shared.generation_scores import generation_scores

USER = {"role": "user", "content": "What is 2 plus 2?"}
ANSWER = {"role": "assistant", "content": "4."}


@pytest.mark.parametrize("total, count, expected", [(10, 3, [0, 4, 9]), (3, 5, [0, 1, 2]), (7, 1, [0]),
                                                     (0, 3, []), (5, 0, []), (100, 4, [0, 33, 66, 99])])
def test_spread_is_fixed_and_covers_the_split(total, count, expected):
    assert spread(total, count) == expected


def test_a_conversation_is_answered_from_the_turns_before_its_last_assistant_turn():
    system = {"role": "system", "content": "Be brief."}
    turns = [system, USER, ANSWER, {"role": "user", "content": "And 3 plus 3?"}, {"role": "assistant",
                                                                                  "content": "6."}]
    example = example_of({"messages": turns})
    assert example.prompt == turns[:4] and example.reference == "6."
    assert example.shown.splitlines() == ["system: Be brief.", "user: What is 2 plus 2?", "assistant: 4.",
                                          "user: And 3 plus 3?"]


def test_a_conversation_without_an_assistant_turn_is_all_prompt_and_one_that_opens_with_it_is_skipped():
    assert example_of({"messages": [USER]}).prompt == [USER]
    assert example_of({"messages": [USER]}).reference is None
    assert example_of({"messages": [ANSWER, USER]}) is None


@pytest.mark.parametrize("row, prompt, reference", [
    ({"prompt": "Q: 2+2?", "completion": " 4"}, "Q: 2+2?", "4"),  # TRL's prompt/completion, reference stripped
    ({"prompt": [USER], "completion": [ANSWER]}, [USER], "4."),
    ({"prompt": "Q", "chosen": "good", "rejected": "bad"}, "Q", "good"),  # DPO: the chosen answer
    ({"prompt": [USER], "chosen": [ANSWER], "rejected": [{"role": "assistant", "content": "5"}]}, [USER], "4."),
    ({"prompt": "Q", "completion": "bad", "label": False}, "Q", None),  # KTO: an undesirable answer is no reference
    ({"prompt": "Q", "completion": "good", "label": True}, "Q", "good"),
    ({"prompt": "Solve 3*3", "solution": "9"}, "Solve 3*3", "9"),  # GRPO with a reference column
    ({"prompt": "Solve 3*3", "answer": 9}, "Solve 3*3", "9"),
    ({"prompt": "Write a poem"}, "Write a poem", None),
])
def test_prompt_rows_of_every_llm_shape(row, prompt, reference):
    example = example_of(row, CAUSAL)
    assert (example.prompt, example.reference) == (prompt, reference)


def test_a_preference_conversation_without_a_prompt_column_is_split_at_its_last_turn():
    example = example_of({"chosen": [USER, ANSWER], "rejected": [USER, {"role": "assistant", "content": "5"}]})
    assert example.prompt == [USER] and example.reference == "4."


def test_plain_text_is_cut_after_its_answer_marker_or_else_in_the_middle():
    marked = example_of({"text": "### Question: what is 9 minus 1? ### Answer: 8"})
    assert marked.prompt == "### Question: what is 9 minus 1? ### Answer:" and marked.reference == "8"
    alpaca = example_of({"text": "### Instruction:\nSay hi\n\n### Response:\nHello there"})
    assert alpaca.prompt.endswith("### Response:") and alpaca.reference == "Hello there"
    plain = example_of({"text": "one two three four five six seven eight"})
    assert (plain.prompt, plain.reference) == ("one two three four", "five six seven eight")
    assert example_of({"text": "too short"}) is None
    assert example_of({"text": json.dumps([USER, ANSWER])}).reference == "4."  # llm-generic's JSON conversations


def test_seq2seq_and_vision_rows():
    assert (example_of({"text": "long dialogue", "target": "summary"}, SEQ2SEQ).reference) == "summary"
    vqa = example_of({"image": "IMG", "prompt": [{"role": "user", "content": "What colour?"}],
                      "completion": [{"role": "assistant", "content": "red"}]}, VLM)
    assert (vqa.prompt, vqa.reference, vqa.image) == ("What colour?", "red", "IMG")
    plain = example_of({"image": "IMG", "prompt": "answer en What colour?", "completion": "red"}, VLM)
    assert plain.prompt == "answer en What colour?"


def test_pick_examples_skips_empty_rows_and_keeps_the_count():
    rows = [{"prompt": "" if i % 3 == 0 else f"q{i}", "completion": f"a{i}"} for i in range(30)]
    picked = pick_examples(Dataset.from_list(rows), 5)
    assert len(picked) == 5 and all(e.prompt for e in picked)
    assert [e.prompt for e in picked] == [e.prompt for e in pick_examples(Dataset.from_list(rows), 5)]  # fixed
    assert pick_examples(None, 5) == [] and pick_examples(Dataset.from_list(rows), 0) == []


def test_pick_examples_reads_a_stream_from_its_start():
    rows = [{"prompt": f"q{i}", "completion": f"a{i}"} for i in range(20)]
    stream = Dataset.from_list(rows).to_iterable_dataset()
    assert [e.prompt for e in pick_examples(stream, 3)][0] == "q0"


def test_scores_against_references():
    scores = generation_scores(["The answer is 4", "Paris.", "blue"], ["4", "paris", None])
    assert scores["exact_match"] == pytest.approx(0.5)  # "Paris." == "paris" after SQuAD's normalisation
    assert 0.5 < scores["f1"] < 1 and 0.5 < scores["rougeL"] < 1
    assert scores["length"] == pytest.approx((4 + 1 + 1) / 3)  # over every answer, referenced or not
    assert set(generation_scores(["free text"], [None])) == {"length"}
    assert generation_scores([], []) == {}


def test_generations_file_round_trip_and_a_torn_line(tmp_path):
    examples = [GenerationExample([USER], "4."), GenerationExample("plain", None)]
    append_generations(tmp_path, 0, 0.0, examples, ["five", "x"])
    append_generations(tmp_path, 10, 0.5, examples, ["4.", "y"])
    with open(tmp_path / GENERATIONS_FILE, "a") as fh:
        fh.write('{"step": 20, "index": 0, "prom')  # a writer mid-line
    rounds = read_generations(tmp_path)
    assert sorted(rounds) == [0, 10]
    assert rounds[10][0] == {"step": 10, "epoch": 0.5, "index": 0, "prompt": "user: What is 2 plus 2?",
                             "reference": "4.", "output": "4."}
    assert rounds[0][1]["reference"] is None and rounds[0][1]["output"] == "x"
    assert read_generations(tmp_path / "nowhere") == {}


def test_a_step_answered_again_after_a_resume_keeps_its_latest_round(tmp_path):
    examples = [GenerationExample("q", "a")]
    append_generations(tmp_path, 4, 1.0, examples, ["old"])
    append_generations(tmp_path, 4, 1.0, examples, ["new"])
    assert [r["output"] for r in read_generations(tmp_path)[4]] == ["new"]
