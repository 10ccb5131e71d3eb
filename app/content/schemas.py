"""The shape of lesson and quiz files (pydantic). Messages here reach content authors."""

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
LOCALES = ("en", "ko")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class FrontMatter(Strict):
    id: str = Field(pattern=SLUG, max_length=60)
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=400)
    grades: str = Field(pattern=r"^\d{1,2}-\d{1,2}$")
    minutes: int = Field(ge=1, le=90)
    objectives: list[str] = Field(min_length=1)
    content_note: str | None = None
    order: int = Field(ge=0)

    @field_validator("grades")
    @classmethod
    def grade_range(cls, value: str) -> str:
        low, high = (int(part) for part in value.split("-"))
        if not 1 <= low <= high <= 12:
            raise ValueError("must be a range within 1-12, low to high, e.g. 6-9")
        return value

    @property
    def sensitive(self) -> bool:
        return bool(self.content_note)


class Choice(Strict):
    id: str = Field(pattern=SLUG)
    text: str = Field(min_length=1)
    feedback: str = Field(min_length=1)


class Scenario(Strict):
    kind: Literal["scenario"] = "scenario"
    id: str = Field(pattern=SLUG)
    prompt: str = Field(min_length=1)
    choices: list[Choice] = Field(min_length=2, max_length=4)

    @model_validator(mode="after")
    def unique_choices(self) -> Self:
        ids = [c.id for c in self.choices]
        if len(set(ids)) != len(ids):
            raise ValueError(f"choice ids must be unique, got {ids}")
        return self


class Reflect(Strict):
    kind: Literal["reflect"] = "reflect"
    id: str = Field(pattern=SLUG)
    prompt: str = Field(min_length=1)


class Callout(Strict):
    kind: Literal["callout"] = "callout"
    title: str | None = None
    text: str = Field(min_length=1)


BLOCKS: dict[str, type[Scenario | Reflect | Callout]] = {"scenario": Scenario, "reflect": Reflect, "callout": Callout}


class Localized(Strict):
    en: str = Field(min_length=1)
    ko: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        return self.ko if locale == "ko" else self.en


class Option(Strict):
    id: str = Field(pattern=SLUG)
    text: Localized | None = None
    correct: bool = False
    feedback: Localized


TRUE_FALSE_TEXT = {"true": Localized(en="True", ko="맞아요"), "false": Localized(en="False", ko="틀려요")}


class Question(Strict):
    id: str = Field(pattern=SLUG)
    type: Literal["single", "multiple", "true_false"]
    prompt: Localized
    options: list[Option] = Field(min_length=2, max_length=6)
    explanation: Localized

    @model_validator(mode="after")
    def check_options(self) -> Self:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids must be unique, got {ids}")
        correct = sum(o.correct for o in self.options)
        if correct == 0:
            raise ValueError("needs at least one correct option")
        if self.type in ("single", "true_false") and correct != 1:
            raise ValueError(f"a {self.type} question needs exactly one correct option, got {correct}")
        if self.type == "true_false":
            if set(ids) != {"true", "false"}:
                raise ValueError("a true_false question has exactly the options 'true' and 'false'")
        elif any(o.text is None for o in self.options):
            raise ValueError("every option needs a text with en and ko")
        return self

    def option(self, option_id: str) -> Option | None:
        """The option with this id (pages look up the ids an attempt stored; Jinja's selectattr
        filter took a tenth of a quiz page doing the same)."""
        return next((o for o in self.options if o.id == option_id), None)

    def option_text(self, option: Option, locale: str) -> str:
        text = option.text or TRUE_FALSE_TEXT[option.id]
        return text.get(locale)

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)


class Quiz(Strict):
    pass_mark: int = Field(ge=1, le=100, description="percent needed to pass")
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def unique_questions(self) -> Self:
        ids = [q.id for q in self.questions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"question ids must be unique; repeated: {duplicates}")
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)
