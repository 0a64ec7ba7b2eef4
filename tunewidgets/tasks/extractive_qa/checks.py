"""The Checks panel for extractive QA: every answer where it says it is, one example with its answer's
tokens shaded (what the model learns to point at), and how many contexts need more than one window."""

from __future__ import annotations

from ...config.run_config import RunConfig
from ...data.qa import checked_answers
from ...errors import DataError
from ..shared.checks import CheckReport, TokenView, max_length_of, resolved_mapping
from ..shared.pretrained import from_pretrained


def check(config: RunConfig, rows: list[dict], total: int | None) -> CheckReport:
    from transformers import AutoTokenizer

    mapping = resolved_mapping(config, rows)
    keys = [mapping.get(role) for role in ("text_column", "question_column", "answer_column")]
    if not all(isinstance(key, str) for key in keys):
        raise DataError("map text_column, question_column and answer_column to columns of the data first")
    context_key, question_key, answer_key = keys
    start_key = mapping.get("answer_start_column")
    contexts, questions = [r.get(context_key) for r in rows], [r.get(question_key) for r in rows]
    names = {"context": f"'{context_key}' column", "question": f"'{question_key}' column",
             "answers": f"'{answer_key}' column", "answer_start": f"'{start_key}' column"}
    warnings: list[tuple[str, str]] = []
    try:
        answers = checked_answers(contexts, questions, [r.get(answer_key) for r in rows],
                                  [r.get(start_key) for r in rows] if isinstance(start_key, str) else None,
                                  split="checked", names=names)
    except DataError as exc:
        warnings.append(("error", str(exc)))
        answers = None
    tokenizer = from_pretrained(AutoTokenizer.from_pretrained, config.base_model, "a tokenizer",
                                token=config.hub_token, needs_tokenizer_files=True, weights=False)
    pairs = [(q, c) for q, c in zip(questions, contexts) if isinstance(q, str) and isinstance(c, str)]
    lengths = [len(ids) for ids in tokenizer([q for q, _ in pairs], [c for _, c in pairs])["input_ids"]] \
        if pairs else []
    length, stride = max_length_of(config), config.params.max_doc_stride
    longer = sum(1 for n in lengths if n > length)
    if longer:
        warnings.append(("info", f"{longer:,} of {len(lengths):,} contexts with their question exceed {length} "
                                 f"tokens: they are read in overlapping windows (stride {stride}); nothing is cut"))
    if answers is not None:
        unanswered = sum(1 for a in answers if not a["text"])
        if unanswered:
            warnings.append(("info", f"{unanswered:,} of {len(answers):,} questions have no answer (SQuAD v2): the "
                                     "model also learns to answer nothing"))
    if not config.data.valid_split:
        warnings.append(("info", "no validation split: 20% of the rows are held out for exact match and F1"))

    def view_of(index: int) -> TokenView:
        index = min(index, len(rows) - 1)
        return _answer_view(tokenizer, questions[index], contexts[index], answers[index] if answers else None,
                            length)

    view = view_of(0) if answers is not None and pairs else None
    return CheckReport(view=view, lengths=lengths, max_length=length, num_checked=len(rows), num_total=total,
                       warnings=warnings, view_of=view_of if view is not None else None)


def _answer_view(tokenizer, question, context, answers: dict | None, length: int) -> TokenView:
    """The question and the whole context as tokens, the answer's tokens shaded as what the model points at."""
    if not isinstance(question, str) or not isinstance(context, str):
        return TokenView(ids=[], texts=[], loss=[], max_length=length, note="no text in this row")
    enc = tokenizer(question.lstrip(), context, return_offsets_mapping=True)
    ids, sequence = enc["input_ids"], enc.sequence_ids()
    start = end = None
    if answers and answers["text"]:
        start = answers["answer_start"][0]
        end = start + len(answers["text"][0])
    loss = [start is not None and s == 1 and o[0] < end and o[1] > start
            for o, s in zip(enc["offset_mapping"], sequence)]
    note = "the answer's tokens are the target (shaded)" if any(loss) else \
        "no answer: the target is the first (CLS) token"
    if len(ids) > length:
        note += f"; {len(ids)} tokens: read in windows of {length}"
    return TokenView(ids=list(ids), texts=[tokenizer.decode([i]) for i in ids], loss=loss,
                     max_length=max(len(ids), length), note=note)  # windowed, never cut: nothing struck through
