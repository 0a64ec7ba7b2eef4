"""Tokenizers trained locally with ``tokenizers``: byte-level BPE for Llama (ChatML tokens and template, or none
for a base model), WordPiece for BERT, a sentencepiece-like BPE for T5."""

from __future__ import annotations

from pathlib import Path

from .facts import _corpus
from .task_data import _task_rows

BOS_EOS_UNK = "<|endoftext|>"
PAD = "<pad>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = [BOS_EOS_UNK, PAD, IM_START, IM_END]


def build_tokenizer(out_dir: str | Path | None = None, vocab_size: int = 512,
                    texts: list[str] | None = None, chat: bool = True):
    """Train a byte-level BPE tokenizer with the CHATML chat template (``chat=False``: a base model's, without
    the ChatML tokens or any template, so a chat template must add them).

    ``texts`` replaces the built-in generated corpus. Returns a
    ``transformers.PreTrainedTokenizerFast``; saved to ``out_dir`` when given.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from tunewidgets.data.chat_templates import CHATML, TEMPLATE_SPECIAL_TOKENS

    chat_tokens = TEMPLATE_SPECIAL_TOKENS["chatml"]
    specials = list(dict.fromkeys(SPECIAL_TOKENS + chat_tokens)) if chat else \
        [t for t in SPECIAL_TOKENS if t not in chat_tokens]
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    if vocab_size < len(alphabet) + len(specials):
        raise ValueError(f"vocab_size must be at least {len(alphabet) + len(specials)} "
                         f"for a byte-level tokenizer, got {vocab_size}")

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=alphabet, min_frequency=2,
                                  show_progress=False)
    tok.train_from_iterator(list(texts) if texts is not None else list(_corpus()), trainer=trainer)

    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS_EOS_UNK, eos_token=BOS_EOS_UNK, unk_token=BOS_EOS_UNK, pad_token=PAD,
        extra_special_tokens=[IM_START, IM_END] if chat else [],
        padding_side="right", model_max_length=512,
        clean_up_tokenization_spaces=False,
    )
    if chat:
        hf_tok.chat_template = CHATML
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        hf_tok.save_pretrained(str(out_dir))
    return hf_tok


def _task_corpus(n: int = 400, seed: int = 0) -> list[str]:
    """Text covering every task demo below (and the LLM facts), for the encoder and T5 tokenizers."""
    texts = list(_corpus(1000, seed))
    for kind in ("text-classification", "text-regression", "token-classification", "seq2seq", "st-pair-class",
                 "st-triplet", "st-pair-score", "st-qa"):
        for row in _task_rows(kind, n, seed):
            for value in row.values():
                if isinstance(value, str):
                    texts.append(value)
                elif isinstance(value, list) and value and isinstance(value[0], str):
                    texts.append(" ".join(value))
    return texts


def build_wordpiece_tokenizer(out_dir: str | Path | None = None, vocab_size: int = 1000,
                              texts: list[str] | None = None):
    """Train a lower-casing BERT WordPiece tokenizer ([CLS] text [SEP]) on the generated task corpus."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials, min_frequency=1,
                                        show_progress=False)
    tok.train_from_iterator(list(texts) if texts is not None else _task_corpus(), trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=512, padding_side="right",
    )
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        hf_tok.save_pretrained(str(out_dir))
    return hf_tok


def build_t5_tokenizer(out_dir: str | Path | None = None, vocab_size: int = 1000, texts: list[str] | None = None):
    """A sentencepiece-like BPE tokenizer (``<pad>`` 0, ``</s>`` 1, ``<unk>`` 2; ``</s>`` appended) as T5 has."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "</s>", "<unk>"],
                                  show_progress=False)
    tok.train_from_iterator(list(texts) if texts is not None else _task_corpus(), trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))]
    )
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                     model_max_length=512, padding_side="right")
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        hf_tok.save_pretrained(str(out_dir))
    return hf_tok
