"""extractive-qa: the answer to a question is a span of its context (SQuAD, and SQuAD v2's unanswered
questions), scored by exact match and F1."""

from __future__ import annotations

from ...config.params_qa import ExtractiveQuestionAnsweringParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, Role, TaskSpec
from ..shared import supervised_spec as common

CONTEXT = Role("text_column", "the context: the text that holds the answer", kind="text",
               names=("context", "passage", "paragraph", "document", "story", "article", "text", "content"),
               column="context")
QUESTION = Role("question_column", "the question about the context", kind="text",
                names=("question", "questions", "query", "question_text"), column="question")
ANSWER = Role("answer_column",
              'the answer: SQuAD\'s {"text": [...], "answer_start": [...]} (empty lists: no answer), or the '
              "answer's text", names=("answers", "answer", "answer_text", "answers_text", "gold_answer"),
              column="answers")
ANSWER_START = Role("answer_start_column",
                    "with a flat answer text: where it starts in the context (characters; -1: no answer); without "
                    "it, the text's first occurrence", required=False, kind="number",
                    names=("answer_start", "answer_starts", "start", "answer_start_char", "start_char",
                           "start_position"), column="answer_start")

TASKS = (
    TaskSpec(
        name="extractive-qa",
        title="Extractive question answering",
        group=common.TEXT_GROUP,
        params=ExtractiveQuestionAnsweringParams,
        roles=(CONTEXT, QUESTION, ANSWER, ANSWER_START),
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=common.load_saved("AutoModelForQuestionAnswering"),
        footprint=Footprint("AutoModelForQuestionAnswering"),
        demo=Demo(model="bert", data="extractive-qa",
                  mapping={"text_column": "context", "question_column": "question", "answer_column": "answers"},
                  params={**common.TEXT_DEMO, "epochs": 8, "max_seq_length": 64, "max_doc_stride": 24}, rows=1500),
        aliases=("extractive_qa", "extractive_question_answering", "extractive-question-answering"),
        distribution=("answer_column", "answers"),
        marks=Hook.to("tunewidgets.data.qa:preview_marks"),
        scores=("f1", "exact_match"),
        predict=Predict(run=Hook.to(f"{__name__}.predict:predict"), button="Answer",
                        placeholder="The context: a text that holds the answer",
                        query="A question about it, e.g. Where does Anna live?"),
        checks=Hook.to(f"{__name__}.checks:check"),
        eject=Hook.to(f"{__name__}.eject:script"),
    ),
)
