"""Tiny offline models and demo data (tunewidgets.tiny)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tunewidgets import tiny

CHAT = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is 3 plus 4?"},
    {"role": "assistant", "content": "7."},
    {"role": "user", "content": "What color is grass?"},
    {"role": "assistant", "content": "Green."},
]


@pytest.fixture(scope="module")
def tokenizer():
    return tiny.build_tokenizer()


@pytest.fixture(scope="module")
def llama_dir(tmp_path_factory):
    return tiny.build_tiny_llama(tmp_path_factory.mktemp("tiny") / "tiny-llama")


def _read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_import_is_light():
    code = "import tunewidgets.tiny, sys; assert 'torch' not in sys.modules; assert 'transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("text", [
    "### Question: what is 3 plus 4?\n### Answer: 7",
    "The cat sees a red ball in the park.",
    "Unseen: héllo wörld, 42 zebras \u2014 ok \U0001F642",
])
def test_tokenizer_round_trips(tokenizer, text):
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.decode(ids) == text
    assert tokenizer.unk_token_id not in ids


def test_tokenizer_specials_and_settings(tokenizer):
    assert tokenizer.bos_token == tokenizer.eos_token == tokenizer.unk_token == "<|endoftext|>"
    assert tokenizer.pad_token == "<pad>"
    assert tokenizer.pad_token_id != tokenizer.eos_token_id
    assert tokenizer.padding_side == "right"
    assert tokenizer.model_max_length == 512
    assert len(tokenizer) == 512
    for special in ("<|im_start|>", "<|im_end|>"):
        assert tokenizer.tokenize(f"a{special}b").count(special) == 1
    # the generated corpus is learnt: demo text takes few tokens
    text = "### Question: what is the capital of France?"
    assert len(tokenizer(text)["input_ids"]) < len(text) / 3


def test_tokenizer_saves(tmp_path):
    from transformers import AutoTokenizer

    tiny.build_tokenizer(tmp_path, vocab_size=300, texts=["hello world"] * 10)
    tok = AutoTokenizer.from_pretrained(tmp_path)
    assert len(tok) == len(tok.get_vocab()) <= 300
    assert tok.decode(tok("hello world")["input_ids"]) == "hello world"


def test_tokenizer_rejects_too_small_vocab():
    with pytest.raises(ValueError, match="vocab_size"):
        tiny.build_tokenizer(vocab_size=100)


def test_chat_template_renders_chatml(tokenizer):
    text = tokenizer.apply_chat_template(CHAT, tokenize=False)
    assert text.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n")
    assert "<|im_start|>assistant\nGreen.<|im_end|>\n" in text
    prompt = tokenizer.apply_chat_template(CHAT[:2], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n")


def test_assistant_mask_marks_only_assistant_tokens(tokenizer):
    out = tokenizer.apply_chat_template(CHAT, tokenize=True, return_dict=True,
                                        return_assistant_tokens_mask=True)
    ids, mask = out["input_ids"], out["assistant_masks"]
    assert len(ids) == len(mask)
    masked = [i for i, m in zip(ids, mask) if m]
    assert tokenizer.decode(masked) == "7.<|im_end|>Green.<|im_end|>"
    unmasked = tokenizer.decode([i for i, m in zip(ids, mask) if not m])
    assert "What is 3 plus 4?" in unmasked and "helpful assistant" in unmasked
    assert "Green" not in unmasked


def test_tiny_llama_saves_reloads_and_generates(llama_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    files = {p.name for p in __import__("pathlib").Path(llama_dir).iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= files
    tok = AutoTokenizer.from_pretrained(llama_dir)
    model = AutoModelForCausalLM.from_pretrained(llama_dir)
    assert model.config.model_type == "llama"
    assert model.config.tie_word_embeddings is False
    assert model.config.vocab_size == len(tok)
    assert (model.config.bos_token_id, model.config.eos_token_id, model.config.pad_token_id) == (
        tok.bos_token_id, tok.eos_token_id, tok.pad_token_id)
    assert tok.chat_template and "{% generation %}" in tok.chat_template
    assert sum(p.numel() for p in model.parameters()) < 1_000_000

    enc = tok(["### Question: what is 1 plus 2?\n### Answer:"], return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=4, do_sample=False, min_new_tokens=4)
    assert out.shape == (1, enc["input_ids"].shape[1] + 4)
    assert isinstance(tok.decode(out[0]), str)


def test_tiny_llama_is_seeded(tmp_path):
    from safetensors.torch import load_file

    a = load_file(f"{tiny.build_tiny_llama(tmp_path / 'a')}/model.safetensors")
    b = load_file(f"{tiny.build_tiny_llama(tmp_path / 'b')}/model.safetensors")
    c = load_file(f"{tiny.build_tiny_llama(tmp_path / 'c', seed=1)}/model.safetensors")
    assert a.keys() == b.keys()
    assert all((a[k] == b[k]).all() for k in a)
    assert any((a[k] != c[k]).any() for k in a)
    assert (tmp_path / "a" / "tokenizer.json").read_text() == (tmp_path / "b" / "tokenizer.json").read_text()


def test_build_tiny_model_dispatches(tmp_path):
    from transformers import AutoConfig

    path = tiny.build_tiny_model("llama", tmp_path / "m", hidden_size=32, layers=1)
    cfg = AutoConfig.from_pretrained(path)
    assert (cfg.hidden_size, cfg.num_hidden_layers) == (32, 1)
    assert "llama" in tiny.model_kinds()
    with pytest.raises(ValueError, match="unknown tiny model kind"):
        tiny.build_tiny_model("gpt9", tmp_path / "x")


EXPECTED_COLUMNS = {
    "sft-text": ["text"],
    "sft-completion": ["prompt", "completion"],
    "sft-chat": ["messages"],
    "preference": ["prompt", "chosen", "rejected"],
    "preference-chat": ["chosen", "rejected"],
}


@pytest.mark.parametrize("kind", tiny.DEMO_KINDS)
def test_demo_dataset_columns_sizes_and_files(tmp_path, kind):
    df = tiny.make_demo_dataset(kind, tmp_path, n=50)
    assert list(df.columns) == EXPECTED_COLUMNS[kind]
    assert len(df) == 50
    train, valid = _read_jsonl(tmp_path / "train.jsonl"), _read_jsonl(tmp_path / "valid.jsonl")
    assert (len(train), len(valid)) == (45, 5)
    assert train + valid == df.to_dict("records")


@pytest.mark.parametrize("kind", tiny.DEMO_KINDS)
def test_demo_dataset_is_deterministic(kind):
    a = tiny.make_demo_dataset(kind, seed=3)
    assert a.equals(tiny.make_demo_dataset(kind, seed=3))
    assert not a.equals(tiny.make_demo_dataset(kind, seed=4))
    assert len(a) == 200


def test_demo_dataset_unknown_kind():
    with pytest.raises(ValueError, match="unknown demo dataset kind"):
        tiny.make_demo_dataset("sft-nope")


def test_demo_text_and_preference_content():
    text = tiny.make_demo_dataset("sft-text", n=20)["text"]
    assert all(t.startswith("### Question: ") and "\n### Answer: " in t for t in text)
    pref = tiny.make_demo_dataset("preference", n=100)
    assert (pref["chosen"] != pref["rejected"]).all()
    sums = pref["prompt"].str.extract(r"what is (\d) plus (\d)\?").dropna().astype(int)
    assert len(sums) > 5
    for i, (a, b) in sums.iterrows():
        assert int(pref.at[i, "chosen"]) == a + b != int(pref.at[i, "rejected"])


def test_demo_chat_content():
    rows = tiny.make_demo_dataset("sft-chat", n=200)["messages"]
    roles = [[m["role"] for m in msgs] for msgs in rows]
    assert all(r[-2:] == ["user", "assistant"] for r in roles)
    assert any(r[0] == "system" for r in roles)
    assert any(r.count("assistant") == 2 for r in roles)
    assert all(set(r) <= {"system", "user", "assistant"} for r in roles)
    pref = tiny.make_demo_dataset("preference-chat", n=50)
    for chosen, rejected in pref[["chosen", "rejected"]].itertuples(index=False):
        assert chosen[:-1] == rejected[:-1]
        assert chosen[-1]["role"] == rejected[-1]["role"] == "assistant"
        assert chosen[-1]["content"] != rejected[-1]["content"]


def test_make_demo_builds_once(tmp_path):
    paths = tiny.make_demo(tmp_path)
    assert paths["model"] == str(tmp_path / "tiny-llama")
    assert set(paths["data"]) == set(tiny.DEMO_KINDS)
    for folder in paths["data"].values():
        assert (tmp_path / folder / "train.jsonl").exists()
    weights = tmp_path / "tiny-llama" / "model.safetensors"
    data = tmp_path / "data" / "sft-text" / "train.jsonl"
    stamps = weights.stat().st_mtime_ns, data.stat().st_mtime_ns
    assert tiny.make_demo(tmp_path) == paths
    assert (weights.stat().st_mtime_ns, data.stat().st_mtime_ns) == stamps


def test_demo_cli(tmp_path, capsys):
    assert tiny.demo_cli(["make", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "demo" / "tiny-llama") in out
    assert (tmp_path / "demo" / "data" / "preference-chat" / "valid.jsonl").exists()
    with pytest.raises(SystemExit):
        tiny.demo_cli(["make", str(tmp_path / "demo"), "--kind", "gpt9"])


def test_sft_trainer_loss_falls(llama_dir, tmp_path):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tiny.make_demo_dataset("sft-text", tmp_path / "data")
    train = Dataset.from_list(_read_jsonl(tmp_path / "data" / "train.jsonl"))
    args = SFTConfig(
        output_dir=str(tmp_path / "out"), max_steps=20, use_cpu=True, bf16=False, report_to=[],
        logging_steps=5, learning_rate=1e-3, per_device_train_batch_size=8, max_length=64,
        save_strategy="no", seed=0, activation_checkpointing=False, disable_tqdm=True,
    )
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(llama_dir),
        args=args, train_dataset=train,
        processing_class=AutoTokenizer.from_pretrained(llama_dir),
    )
    trainer.train()
    losses = [log["loss"] for log in trainer.state.log_history if "loss" in log]
    assert len(losses) == 4
    assert losses[-1] < losses[0]
