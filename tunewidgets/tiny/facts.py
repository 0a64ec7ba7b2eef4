"""Generated text for the tiny LLM demos: facts a small model can learn (arithmetic, opposites, colours,
sounds, capitals) and the sentences the tokenizers are trained on."""

from __future__ import annotations

import random
from typing import Callable, Iterator

# Each fact generator returns (question, right answer, wrong answer). The wrong answer is
# clearly wrong (another number, another word) so preference data has a real signal.

_NUMBER_WORDS = "zero one two three four five six seven eight nine ten".split()
_OPPOSITES = {
    "hot": "cold", "big": "small", "up": "down", "fast": "slow", "happy": "sad",
    "light": "dark", "old": "new", "open": "closed", "early": "late", "full": "empty",
    "wet": "dry", "hard": "soft", "loud": "quiet", "rich": "poor", "high": "low",
}
_COLORS = {
    "the sky": "blue", "grass": "green", "snow": "white", "a banana": "yellow",
    "coal": "black", "a tomato": "red", "an orange": "orange", "a plum": "purple",
}
_SOUNDS = {"dog": "woof", "cat": "meow", "cow": "moo", "duck": "quack", "sheep": "baa",
           "owl": "hoot", "lion": "roar", "frog": "ribbit"}
_CAPITALS = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Japan": "Tokyo",
             "Egypt": "Cairo", "Peru": "Lima", "Kenya": "Nairobi", "Norway": "Oslo",
             "Germany": "Berlin", "Canada": "Ottawa"}
_SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are a concise assistant. Answer in one word.",
    "You answer simple questions.",
]


def _wrong_choice(rng: random.Random, options: list[str], right: str) -> str:
    return rng.choice([o for o in options if o != right])


def _fact_arithmetic(rng: random.Random) -> tuple[str, str, str]:
    a, b = rng.randint(0, 9), rng.randint(0, 9)
    op = rng.choice(["plus", "times", "minus"])
    if op == "minus" and b > a:
        a, b = b, a
    right = {"plus": a + b, "times": a * b, "minus": a - b}[op]
    wrong = right + rng.choice([-3, -2, 2, 3, 5, 10]) if right >= 3 else right + rng.randint(2, 9)
    return f"what is {a} {op} {b}?", str(right), str(wrong)


def _fact_next_number(rng: random.Random) -> tuple[str, str, str]:
    n = rng.randint(0, 9)
    return (f"what number comes after {_NUMBER_WORDS[n]}?", _NUMBER_WORDS[n + 1],
            _wrong_choice(rng, _NUMBER_WORDS, _NUMBER_WORDS[n + 1]))


def _fact_opposite(rng: random.Random) -> tuple[str, str, str]:
    word = rng.choice(sorted(_OPPOSITES))
    right = _OPPOSITES[word]
    return f"what is the opposite of {word}?", right, word  # the word itself is clearly wrong


def _fact_color(rng: random.Random) -> tuple[str, str, str]:
    thing = rng.choice(sorted(_COLORS))
    right = _COLORS[thing]
    return f"what color is {thing}?", right, _wrong_choice(rng, sorted(set(_COLORS.values())), right)


def _fact_sound(rng: random.Random) -> tuple[str, str, str]:
    animal = rng.choice(sorted(_SOUNDS))
    right = _SOUNDS[animal]
    return f"what does a {animal} say?", right, _wrong_choice(rng, sorted(_SOUNDS.values()), right)


def _fact_capital(rng: random.Random) -> tuple[str, str, str]:
    country = rng.choice(sorted(_CAPITALS))
    right = _CAPITALS[country]
    return (f"what is the capital of {country}?", right,
            _wrong_choice(rng, sorted(_CAPITALS.values()), right))


# Arithmetic is listed twice: it is the most regular pattern, so it dominates the mix.
_FACTS: list[Callable[[random.Random], tuple[str, str, str]]] = [
    _fact_arithmetic, _fact_arithmetic, _fact_next_number, _fact_opposite,
    _fact_color, _fact_sound, _fact_capital,
]


def _fact(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(_FACTS)(rng)


# Demo text pattern, shared by sft-text, sft-completion and preference so the formats agree:
# prompt + completion == text.
_Q = "### Question: {q}\n### Answer:"


def _sentence(rng: random.Random) -> str:
    """A simple English sentence, for the tokenizer corpus."""
    subj = rng.choice(["The cat", "A dog", "My friend", "The teacher", "A small bird",
                       "The model", "She", "He", "We", "They"])
    verb = rng.choice(["sees", "likes", "finds", "reads", "makes", "wants", "has", "learns"])
    obj = rng.choice(["a red ball", "the old book", "some water", "the answer", "a new game",
                      "the blue sky", "many words", "the data"])
    tail = rng.choice(["", " today", " at home", " every day", " in the park", " again"])
    return f"{subj} {verb} {obj}{tail}."


def _corpus(n: int = 3000, seed: int = 0) -> Iterator[str]:
    """Generated lines covering what the demo datasets and chat templates contain."""
    rng = random.Random(seed)
    for i in range(n):
        q, a, _ = _fact(rng)
        kind = i % 4
        if kind == 0:
            yield _Q.format(q=q) + " " + a
        elif kind == 1:
            system = rng.choice(_SYSTEM_PROMPTS)
            yield f"system\n{system}\nuser\n{q.capitalize()}\nassistant\n{a.capitalize()}.\n"
        elif kind == 2:
            yield f"{q.capitalize()} The answer is {a}."
        else:
            yield _sentence(rng)
    # every digit run and number word appears at least once
    yield " ".join(str(i) for i in range(100)) + " " + " ".join(_NUMBER_WORDS)


