"""Demo data of extractive question answering: short stories of who lives, works and travels where, and a
question whose answer is a span of the story ("Anna lives in Paris." / "Where does Anna live?" -> "Paris").

Each story tells two to four facts of different kinds, so every sentence but one is a distractor; some
questions ask about a kind of fact the story does not tell and have no answer (SQuAD v2). The rows have
SQuAD's shape (id, context, question, answers: {text, answer_start}), or with ``flat`` two flat columns
(answer_text, answer_start; an unanswered question has "" and -1).
"""

from __future__ import annotations

import random

from .task_data import _ORGS, _PEOPLE, _PLACES

# kind -> (sentence, questions, which slot answers): p a person, l a place, o an organisation
_FACTS = {
    "lives": ("{p} lives in {l}.", ("Where does {p} live?",), "l"),
    "works": ("{p} works for {o}.", ("Which company does {p} work for?",), "o"),
    "visited": ("Yesterday {p} visited {l}.", ("Which city did {p} visit yesterday?",), "l"),
    "hired": ("{o} hired {p} last week.", ("Who did {o} hire last week?",), "p"),
}
UNANSWERED = 0.15  # share of questions the story does not answer


def qa_row(rng: random.Random, index: int, flat: bool = False) -> dict:
    """One story, a question about it and the answer's span (see the module's docstring)."""
    kinds = rng.sample(sorted(_FACTS), rng.randint(2, 3))
    people = rng.sample(_PEOPLE, len(kinds) + 1)
    sentences, spans = [], {}
    offset = 0
    for kind, person in zip(kinds, people):
        template, _, slot = _FACTS[kind]
        values = {"p": " ".join(person), "l": " ".join(rng.choice(_PLACES)), "o": " ".join(rng.choice(_ORGS))}
        sentence = template.format(**values)
        start = offset + len(template[:template.index("{" + slot + "}")].format(**values))
        spans[kind] = (values[slot], start, values)
        sentences.append(sentence)
        offset += len(sentence) + 1
    context = " ".join(sentences)
    if rng.random() < UNANSWERED:  # a kind of fact the story does not tell
        kind = rng.choice([k for k in sorted(_FACTS) if k not in kinds])
        values = {"p": " ".join(people[-1]), "o": " ".join(rng.choice(_ORGS))}
        answer = None
    else:
        kind = rng.choice(kinds)
        text, start, values = spans[kind]
        answer = (text, start)
        assert context[start:start + len(text)] == text
    question = rng.choice(_FACTS[kind][1]).format(**values)
    if flat:
        return {"id": str(index), "context": context, "question": question,
                "answer_text": answer[0] if answer else "", "answer_start": answer[1] if answer else -1}
    return {"id": str(index), "context": context, "question": question,
            "answers": {"text": [answer[0]], "answer_start": [answer[1]]} if answer else
            {"text": [], "answer_start": []}}
