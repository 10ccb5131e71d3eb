"""Warnings for quizzes that can be passed by guessing from the shape of the answers rather than by
understanding (docs/CONTENT.md, "Quizzes that measure understanding")."""

from app.content.schemas import LOCALES, Question, Quiz

MIN_ITEMS = 3  # below this a quiz's pattern is too small to mean anything
LONGEST_MAX_SHARE = 0.5  # warn above this; authors aim for 40% or less
TRUE_SHARE_RANGE = (0.35, 0.65)
MIN_TRUE_FALSE_FOR_SHARE = 6  # the curriculum-wide share needs enough items to be a pattern


def correct_is_longest(question: Question, locale: str) -> bool:
    """True when the correct option is strictly longer than every other option in this language."""
    lengths = [(len(question.option_text(o, locale)), o.correct) for o in question.options]
    correct = max(n for n, is_correct in lengths if is_correct)
    return all(n < correct for n, is_correct in lengths if not is_correct)


def quiz_warnings(name: str, quiz: Quiz) -> list[str]:
    """(a) correct option longest in most single-choice items; (b) true/false all the same answer."""
    warnings = []
    singles = [q for q in quiz.questions if q.type == "single"]
    if len(singles) >= MIN_ITEMS:
        for locale in LOCALES:
            longest = [q.id for q in singles if correct_is_longest(q, locale)]
            if len(longest) > LONGEST_MAX_SHARE * len(singles):
                warnings.append(
                    f"{name}: single-choice ({locale}): the correct option is the longest in {len(longest)} of "
                    f"{len(singles)} questions ({', '.join(longest)}); students can guess by length, so balance "
                    f"option lengths (aim for at most 40%)"
                )
    answers = [true_false_answer(q) for q in quiz.questions if q.type == "true_false"]
    if len(answers) >= MIN_ITEMS and len(set(answers)) == 1:
        warnings.append(
            f"{name}: true_false: all {len(answers)} true/false questions are “{answers[0]}”; "
            f"rewrite some so the answer varies"
        )
    return warnings


def true_false_answer(question: Question) -> str:
    return next(iter(question.correct_ids))


def curriculum_warnings(quizzes: dict[str, Quiz]) -> list[str]:
    """(c) the share of "true" answers across every quiz, so "always false" is not a winning rule."""
    answers = [true_false_answer(q) for quiz in quizzes.values() for q in quiz.questions if q.type == "true_false"]
    if len(answers) < MIN_TRUE_FALSE_FOR_SHARE:
        return []
    share = answers.count("true") / len(answers)
    low, high = TRUE_SHARE_RANGE
    if low <= share <= high:
        return []
    message = (
        f"quizzes/: true_false: {answers.count('true')} of {len(answers)} answers across the curriculum "
        f"are “true” ({share:.0%}); keep between {low:.0%} and {high:.0%}"
    )
    return [message]
