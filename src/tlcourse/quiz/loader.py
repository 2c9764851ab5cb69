"""Load a notebook's question file (YAML or JSON) into the quiz model, refusing one off the schema.

A file that is wrong raises :class:`QuizFileError` naming the file, the question id and
the field, so an instructor can fix it without reading code.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import yaml

from tlcourse.quiz.model import ChoiceQuestion, Group, Mistake, NumericQuestion, Option, Question
from tlcourse.quiz.model import QuizFile, QuizFileError, shuffled_order

#: Where the course's question files live (inside the installed package).
QUESTIONS_PACKAGE = "tlcourse.quiz"
QUESTIONS_FOLDER = "questions"
#: How many schema problems one error message lists before "... and N more".
MAX_LISTED = 8


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema every question file must follow."""
    text = resources.files(QUESTIONS_PACKAGE).joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


def question_file(notebook: str) -> Path:
    """The path of a notebook's question file: a course notebook name, or a file path."""
    candidate = Path(notebook)
    if candidate.suffix in {".yaml", ".yml", ".json"}:
        if not candidate.is_file():
            raise QuizFileError(f"Question file {candidate} does not exist; check the path.")
        return candidate
    folder = Path(str(resources.files(QUESTIONS_PACKAGE).joinpath(QUESTIONS_FOLDER)))
    path = folder / f"{notebook}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise QuizFileError(f"There is no question file for notebook {notebook!r} "
                            f"(looked for {path}). Known notebooks: {known}.")
    return path


def load(notebook: str) -> QuizFile:
    """Load, validate and build the questions of ``notebook`` (a name or a file path)."""
    path = question_file(notebook)
    data = read_data(path)
    validate(data, str(path))
    if path.suffix != ".json" and path.stem != data["notebook"]:
        raise QuizFileError(f"{path}: field 'notebook' is {data['notebook']!r} but the file "
                            f"is named {path.name}; make them match.")
    return build(data, str(path))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise QuizFileError(f"{self.name}, line {line}: key {key!r} appears twice in "
                                    f"the same block; keep one.")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_data(path: Path) -> Any:
    """Parse a YAML or JSON question file into plain Python data."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuizFileError(f"Cannot read question file {path}: {exc}") from exc
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise QuizFileError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg}).") from exc
    loader = _UniqueKeyLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise QuizFileError(f"{path}{where}: not valid YAML ({exc.problem}).") from exc
    finally:
        loader.dispose()


def validate(data: Any, source: str = "<questions>") -> None:
    """Raise :class:`QuizFileError` listing every schema or consistency problem in ``data``."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    problems = [f"{locate(data, list(error.absolute_path))}: {error.message}"
                for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))]
    if not problems:
        problems = list(consistency_problems(data))
    if problems:
        listed = problems[:MAX_LISTED]
        more = len(problems) - len(listed)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise QuizFileError(f"{source} does not follow the question schema:\n  "
                            + "\n  ".join(listed) + tail)


def locate(data: Any, path: list[Any]) -> str:
    """Describe a place in a question file: group, question id and field."""
    if len(path) < 2 or path[0] != "groups":
        return "field " + _field(path) if path else "top level"
    where = f"group {path[1]!r}"
    if len(path) < 4 or path[2] != "questions":
        return where + (f", field {_field(path[2:])}" if len(path) > 2 else "")
    index = path[3]
    try:
        qid = data["groups"][path[1]]["questions"][index].get("id")
    except (KeyError, IndexError, TypeError, AttributeError):
        qid = None
    where += f", question {qid!r}" if isinstance(qid, str) else f", question #{index + 1}"
    return where + (f", field {_field(path[4:])}" if len(path) > 4 else "")


def _field(path: list[Any]) -> str:
    """``['options', 1, 'feedback']`` -> ``'options[1].feedback'``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return repr(text)


def consistency_problems(data: dict[str, Any]) -> Iterable[str]:
    """Problems the schema cannot see: duplicate ids, wrong number of right answers."""
    seen: dict[str, str] = {}
    for group_name, group in data["groups"].items():
        for index, question in enumerate(group["questions"]):
            where = locate(data, ["groups", group_name, "questions", index])
            qid = question["id"]
            if qid in seen:
                yield f"{where}: id {qid!r} is already used in group {seen[qid]!r}; ids must be unique"
            seen.setdefault(qid, group_name)
            yield from _answer_problems(question, where)


def _answer_problems(question: dict[str, Any], where: str) -> Iterable[str]:
    """Problems with the right answer(s) of one question."""
    kind = question["type"]
    if kind == "numeric":
        tolerance = question.get("tolerance", 0)
        for k, mistake in enumerate(question.get("mistakes", [])):
            if abs(mistake["value"] - question["answer"]) <= tolerance:
                yield (f"{where}, field 'mistakes[{k}].value': {mistake['value']} counts as the "
                       f"right answer {question['answer']} (tolerance {tolerance}); remove it")
        return
    right = sum(1 for option in question["options"] if option["correct"])
    if kind == "single" and right != 1:
        yield (f"{where}, field 'options': a single-choice question needs exactly one option "
               f"with correct: true, found {right}")
    if kind == "multiple" and right == 0:
        yield f"{where}, field 'options': mark at least one option correct: true"
    texts = [option["text"].strip() for option in question["options"]]
    for k, text in enumerate(texts):
        if text in texts[:k]:
            yield f"{where}, field 'options[{k}].text': the same text is already option {texts.index(text)}"


def build(data: dict[str, Any], source: str = "") -> QuizFile:
    """Turn validated data into the quiz model (options ordered, shuffled if asked)."""
    shuffle = data.get("shuffle", False)
    seed = data.get("seed", 0)
    groups = tuple(
        Group(name=name, title=group["title"], intro=group.get("intro", ""),
              questions=tuple(_question(q, shuffle, seed) for q in group["questions"]))
        for name, group in data["groups"].items()
    )
    return QuizFile(notebook=data["notebook"], title=data["title"], groups=groups, source=source)


def _question(item: dict[str, Any], shuffle: bool, seed: int | str) -> Question:
    """One question of the model from its validated data."""
    common = {"id": item["id"], "prompt": item["prompt"].strip(),
              "explanation": item["explanation"].strip()}
    if item["type"] == "numeric":
        return NumericQuestion(
            **common, answer=float(item["answer"]), tolerance=float(item.get("tolerance", 0)),
            correct_feedback=item["feedback"]["correct"].strip(),
            wrong_feedback=item["feedback"]["wrong"].strip(),
            mistakes=tuple(Mistake(float(m["value"]), m["feedback"].strip())
                           for m in item.get("mistakes", [])),
        )
    options = tuple(Option(o["text"].strip(), o["correct"], o["feedback"].strip())
                    for o in item["options"])
    order = (shuffled_order(len(options), seed, item["id"])
             if item.get("shuffle", shuffle) else tuple(range(len(options))))
    return ChoiceQuestion(**common, options=options, multiple=item["type"] == "multiple",
                          order=order)
