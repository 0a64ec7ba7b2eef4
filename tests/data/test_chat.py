"""Conversations and chat templates, on a tiny tokenizer trained here."""

from __future__ import annotations

import json

import pytest

from tunewidgets.data.chat import (
    apply_chat_template_to_tokenizer,
    is_conversational,
    parse_messages,
    render_messages,
    resolve_chat_template,
)
from tunewidgets.data.chat_templates import CHATML, ZEPHYR
from tunewidgets.errors import DataError

CHAT = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "hello world"},
    {"role": "assistant", "content": "the quick brown fox"},
    {"role": "user", "content": "and the dog?"},
    {"role": "assistant", "content": "lazy dog"},
]


def _tiny_tokenizer(chat_template: str | None = None):
    """A byte-level BPE tokenizer trained on generated sentences, wrapped for transformers."""
    pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    words = ["the", "quick", "brown", "fox", "lazy", "dog", "hello", "world", "be", "brief", "and", "user"]
    sentences = [" ".join(words[(i + k) % len(words)] for k in range(6)) for i in range(120)]
    backend = Tokenizer(models.BPE(unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=320, special_tokens=["<unk>", "<s>", "</s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    backend.train_from_iterator(sentences, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", bos_token="<s>", eos_token="</s>")
    tokenizer.chat_template = chat_template
    return tokenizer


# --------------------------------------------------------------------------- messages


def test_parse_list_json_string_and_array():
    assert parse_messages(CHAT) == CHAT
    assert parse_messages(json.dumps(CHAT)) == CHAT
    np = pytest.importorskip("numpy")
    assert parse_messages(np.array(CHAT, dtype=object)) == CHAT
    parsed = parse_messages(CHAT)
    parsed[0]["content"] = "changed"
    assert CHAT[0]["content"] == "be brief"  # a copy, the input is untouched


def test_parse_sharegpt():
    sharegpt = [{"from": "system", "value": "s"}, {"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]
    assert parse_messages(sharegpt) == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"},
    ]


def test_bad_role_names_it_and_the_allowed_ones():
    with pytest.raises(DataError) as info:
        parse_messages([{"role": "user", "content": "q"}, {"role": "bot", "content": "a"}])
    assert str(info.value) == "message 2 has role 'bot': allowed roles are system, user, assistant, tool"


@pytest.mark.parametrize(
    "value,match",
    [
        ([], "empty list"),
        ("[]", "empty list"),
        ("not json", "not valid JSON"),
        ({"role": "user", "content": "x"}, "must be a list"),
        (42, "must be a list"),
        (["hi"], "message 1 must be a dict"),
        ([{"text": "hi"}], "message 1 has no 'role'"),
        ([{"role": "user"}], "message 1 \\(user\\) has no content"),
        ([{"role": "user", "content": 3}], "content must be text"),
    ],
)
def test_bad_conversations(value, match):
    with pytest.raises(DataError, match=match):
        parse_messages(value)


def test_is_conversational():
    assert is_conversational(CHAT)
    assert is_conversational(json.dumps(CHAT))
    assert is_conversational([{"from": "human", "value": "q"}])
    for value in ("hello", "[1, 2]", [], None, 3, [{"role": "narrator", "content": "x"}], {"role": "user"}):
        assert not is_conversational(value)


# --------------------------------------------------------------------------- templates


def test_resolve_names_files_and_errors(tmp_path):
    assert resolve_chat_template(None) is None
    assert resolve_chat_template("none") is None
    assert resolve_chat_template("chatml") == CHATML
    assert resolve_chat_template("Zephyr") == ZEPHYR
    path = tmp_path / "mine.jinja"
    path.write_text("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    assert resolve_chat_template(str(path)) == path.read_text()
    with pytest.raises(DataError, match="chat template file '.*missing.jinja' does not exist"):
        resolve_chat_template(str(tmp_path / "missing.jinja"))
    with pytest.raises(DataError, match="unknown chat_template 'chatm': use none, tokenizer, chatml, zephyr"):
        resolve_chat_template("chatm")


def test_resolve_tokenizer_template():
    with pytest.raises(DataError, match="has no chat template: set chat_template to chatml"):
        resolve_chat_template("tokenizer", _tiny_tokenizer())
    assert resolve_chat_template("tokenizer", _tiny_tokenizer(ZEPHYR)) == ZEPHYR


def test_chatml_adds_its_special_tokens_once():
    tokenizer = _tiny_tokenizer()
    size = len(tokenizer)
    assert apply_chat_template_to_tokenizer(tokenizer, "chatml") == ["<|im_start|>", "<|im_end|>"]
    assert len(tokenizer) == size + 2
    assert tokenizer.chat_template == CHATML
    for token in ("<|im_start|>", "<|im_end|>"):  # each is one token now, never split
        assert tokenizer.encode(token, add_special_tokens=False) == [tokenizer.convert_tokens_to_ids(token)]
        assert token in tokenizer.all_special_tokens
    assert apply_chat_template_to_tokenizer(tokenizer, "chatml") == []
    assert len(tokenizer) == size + 2
    assert apply_chat_template_to_tokenizer(tokenizer, None) == []
    assert tokenizer.chat_template == CHATML  # None leaves the tokenizer as it is


def test_render_chatml():
    tokenizer = _tiny_tokenizer()
    apply_chat_template_to_tokenizer(tokenizer, "chatml")
    text = render_messages(tokenizer, json.dumps(CHAT[1:3]))
    assert text == (
        "<|im_start|>user\nhello world<|im_end|>\n<|im_start|>assistant\nthe quick brown fox<|im_end|>\n"
    )
    with pytest.raises(DataError, match="has no chat template"):
        render_messages(_tiny_tokenizer(), CHAT)


def test_render_zephyr_uses_eos():
    tokenizer = _tiny_tokenizer()
    assert apply_chat_template_to_tokenizer(tokenizer, "zephyr") == []
    text = render_messages(tokenizer, CHAT[1:3], add_generation_prompt=False)
    assert text == "<|user|>\nhello world</s>\n<|assistant|>\nthe quick brown fox</s>\n"


@pytest.mark.parametrize("name", ["chatml", "zephyr"])
def test_generation_tags_mark_exactly_the_assistant_tokens(name):
    tokenizer = _tiny_tokenizer()
    apply_chat_template_to_tokenizer(tokenizer, name)
    out = tokenizer.apply_chat_template(CHAT, return_assistant_tokens_mask=True, return_dict=True, tokenize=True)
    ids, mask = out["input_ids"], out["assistant_masks"]
    assert len(ids) == len(mask) and set(mask) == {0, 1}
    spans, current = [], []
    for token, flag in zip(ids, mask):
        if flag:
            current.append(token)
        elif current:
            spans.append(current)
            current = []
    if current:
        spans.append(current)
    end = "<|im_end|>" if name == "chatml" else tokenizer.eos_token
    expected = [m["content"] + end for m in CHAT if m["role"] == "assistant"]
    assert [tokenizer.decode(span) for span in spans] == expected
    # and the unmasked tokens are everything else, in order
    rendered = render_messages(tokenizer, CHAT)
    unmasked = tokenizer.decode([t for t, f in zip(ids, mask) if not f])
    assert unmasked == rendered.replace(expected[0], "", 1).replace(expected[1], "", 1)
