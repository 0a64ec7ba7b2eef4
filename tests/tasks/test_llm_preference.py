"""Preference data shaping shared by reward, DPO and ORPO: AutoTrain's column semantics, errors, truncation."""

from __future__ import annotations

import pytest
from datasets import Dataset

from tunewidgets.errors import DataError
from tunewidgets.tasks.shared.llm_preference import prepare_preference, tokenize_preference, truncate_pair


def _user(text):
    return {"role": "user", "content": text}


def _bot(text):
    return {"role": "assistant", "content": text}


def _chat_rows(n=3):
    return [{"text": [_user(f"q{i}"), _bot(f"a{i}"), _user(f"again {i}"), _bot(f"good {i}")],
             "rejected": [_user(f"q{i}"), _bot(f"a{i}"), _user(f"again {i}"), _bot(f"bad {i}")]} for i in range(n)]


def test_conversations_without_prompt_split_into_context_and_last_turn():
    data = prepare_preference(Dataset.from_list(_chat_rows()), "train", "llm-dpo")
    row = data[1]
    assert row["prompt"] == [_user("q1"), _bot("a1"), _user("again 1")]  # every turn but the last
    assert row["chosen"] == [_bot("good 1")] and row["rejected"] == [_bot("bad 1")]


def test_a_prompt_column_beside_whole_conversations_is_not_repeated():
    """orpo-dpo-mix and capybara: prompt is the first user turn, chosen/rejected hold the whole chat."""
    rows = [{"prompt": "hi?", "text": [_user("hi?"), _bot("hello")], "rejected": [_user("hi?"), _bot("go away")]}]
    row = prepare_preference(Dataset.from_list(rows), "train", "llm-orpo")[0]
    assert row["prompt"] == [_user("hi?")]
    assert row["chosen"] == [_bot("hello")] and row["rejected"] == [_bot("go away")]


def test_one_turn_answers_take_the_prompt_column_as_the_user_turn():
    rows = [{"prompt": "2+2?", "text": [_bot("4")], "rejected": [_bot("5")]}]
    assert prepare_preference(Dataset.from_list(rows), "train", "llm-dpo")[0]["prompt"] == [_user("2+2?")]
    # a CSV holds conversations as JSON strings
    rows = [{"prompt": "3+3?", "text": '[{"role": "assistant", "content": "6"}]',
             "rejected": '[{"role": "assistant", "content": "7"}]'}]
    row = prepare_preference(Dataset.from_list(rows), "train", "llm-dpo")[0]
    assert row["prompt"] == [_user("3+3?")] and row["chosen"] == [_bot("6")] and row["rejected"] == [_bot("7")]


def test_text_pairs_keep_their_strings():
    rows = [{"prompt": "Q: 1+1?\nA:", "text": " 2", "rejected": " 3"}]
    row = prepare_preference(Dataset.from_list(rows), "train", "llm-dpo")[0]
    assert row == {"prompt": "Q: 1+1?\nA:", "chosen": " 2", "rejected": " 3"}


def test_reward_accepts_text_without_a_prompt_but_dpo_and_orpo_do_not():
    rows = [{"text": "good answer", "rejected": "bad answer"}]
    assert prepare_preference(Dataset.from_list(rows), "train", "llm-reward")[0] == {
        "chosen": "good answer", "rejected": "bad answer"}
    for task in ("llm-dpo", "llm-orpo"):
        with pytest.raises(DataError, match="needs a prompt: map prompt_text_column"):
            prepare_preference(Dataset.from_list(rows), "train", task)
    some = [{"prompt": "p", "text": "a", "rejected": "b"}, {"prompt": "", "text": "c", "rejected": "d"}]
    with pytest.raises(DataError, match=r"needs a prompt \(the train split has 1 rows without one, e.g. row 1\)"):
        prepare_preference(Dataset.from_list(some), "train", "llm-dpo")


@pytest.mark.parametrize(
    "rows, message",
    [
        ([{"prompt": "p", "text": "same", "rejected": "same"}] * 3, "equal in every row"),
        ([{"prompt": "p", "text": None, "rejected": "x"}], "row 0: chosen is empty"),
        ([{"text": [_user("q"), _bot("a")], "rejected": [_bot("b"), _user("q")]}], "last turn of rejected is 'user'"),
        ([{"text": [{"speaker": "x"}], "rejected": [_bot("b")]}], "row 0: chosen: message 1 has no 'role'"),
    ],
)
def test_bad_preference_data_names_the_problem(rows, message):
    with pytest.raises(DataError, match=message):
        prepare_preference(Dataset.from_list(rows), "train", "llm-dpo")


def test_an_empty_split_is_an_error():
    empty = Dataset.from_dict({"prompt": [], "text": [], "rejected": []})
    with pytest.raises(DataError, match="the valid split has no rows"):
        prepare_preference(empty, "valid", "llm-reward")


def test_truncate_pair_follows_autotrain():
    prompt, chosen, rejected = list(range(10)), [100, 101, 102], [200, 201, 202, 203, 204]
    # fits: nothing is cut
    assert truncate_pair(prompt, chosen, rejected, max_length=16, max_prompt_length=4,
                         max_completion_length=None) == (prompt, chosen, rejected)
    # too long: the prompt keeps its end, then the answers are cut to fit
    p, c, r = truncate_pair(prompt, chosen, rejected, max_length=8, max_prompt_length=4, max_completion_length=None)
    assert p == [6, 7, 8, 9] and c == [100, 101, 102] and r == [200, 201, 202, 203]
    # max_completion_length always applies
    p, c, r = truncate_pair(prompt, chosen, rejected, max_length=64, max_prompt_length=4, max_completion_length=2)
    assert p == prompt and c == [100, 101] and r == [200, 201]
    # a prompt limit at or above max_length still leaves room for an answer
    p, c, r = truncate_pair(prompt, chosen, rejected, max_length=6, max_prompt_length=128, max_completion_length=None)
    assert p == [5, 6, 7, 8, 9] and c == [100] and r == [200]


def test_tokenize_preference_splits_the_prompt_off_the_full_sequence(tiny_llama):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama)
    text = tokenize_preference({"prompt": "what is 2 plus 2?", "chosen": " 4", "rejected": " 5"}, tok)
    assert text["prompt_ids"] + text["chosen_ids"] == tok("what is 2 plus 2? 4" + tok.eos_token)["input_ids"]
    assert text["chosen_ids"][-1] == tok.eos_token_id
    chat = tokenize_preference({"prompt": [_user("hi")], "chosen": [_bot("hello")], "rejected": [_bot("bye")]}, tok)
    full = tok.apply_chat_template([_user("hi"), _bot("hello")], tokenize=True, return_dict=True)["input_ids"]
    assert chat["prompt_ids"] + chat["chosen_ids"] == list(full)
    assert tok.decode(chat["prompt_ids"]).endswith("<|im_start|>assistant\n")
