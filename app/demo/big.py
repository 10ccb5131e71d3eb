"""`flask demo --big`: a second, large school for trying the class dashboards at scale.

2,000 students in 60 classes with assignments, lesson progress and quiz attempts that look real:
first attempts worse than later ones, and one or two much harder questions per quiz where most
wrong answers pick the same option (a misconception the item analysis should surface).
Everything goes in with bulk INSERTs and one password hash shared by every student."""

import random
from datetime import datetime, timedelta
from typing import Any

import click
from sqlalchemy import insert, select

from app.content import library
from app.content.loader import Module
from app.extensions import db
from app.models import (
    Assignment,
    Classroom,
    Enrollment,
    Excusal,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
    Role,
    School,
    User,
)
from app.models.base import utcnow
from app.passwords import hash_password

BIG_SCHOOL = ("Dari Big Demo High School", "BIG")
STUDENTS, CLASSES = 2000, 60
STUDENT_PASSWORD, STAFF_PASSWORD = "big-student-pass", "big-staff-pass"
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = [
    "민준",
    "서연",
    "도윤",
    "서윤",
    "시우",
    "지우",
    "하준",
    "하은",
    "주원",
    "지유",
    "지호",
    "수아",
    "예준",
    "지아",
    "유준",
    "채원",
    "준서",
    "소율",
    "은우",
    "다은",
    "건우",
    "예린",
    "현우",
    "수빈",
    "선우",
    "지민",
    "연우",
    "윤서",
    "민재",
    "하린",
]


def create_big_demo(students: int | None = None, classes: int | None = None, seed: int = 2026) -> None:
    """Seed the BIG school once; a second run changes nothing."""
    students, classes = students or STUDENTS, classes or CLASSES
    name, code = BIG_SCHOOL
    if db.session.scalar(select(School.id).where(School.code == code)) is not None:
        click.echo(f"{name} (school code {code}) already exists; nothing to do.")
        return
    rng, now = random.Random(seed), utcnow()
    school = School(name=name, code=code, default_locale="ko", timezone="Asia/Seoul")
    db.session.add(school)
    db.session.flush()
    staff_hash = hash_password(STAFF_PASSWORD)
    add_staff(school.id, Role.SCHOOL_ADMIN, ["admin@big.dari.kr"], staff_hash)
    teachers = add_staff(
        school.id, Role.TEACHER, [f"teacher{n:02d}@big.dari.kr" for n in range(1, (classes + 1) // 2 + 1)], staff_hash
    )
    student_ids = add_students(school.id, students, hash_password(STUDENT_PASSWORD), rng)
    modules = library().modules
    for n in range(classes):
        year, number = n // 20 + 1, n % 20 + 1
        members = student_ids[n::classes]
        chosen = rng.sample(modules, rng.randint(min(4, len(modules)), min(8, len(modules))))
        seed_class(school.id, f"{year}-{number}", 9 + year, teachers[n // 2], members, chosen, rng, now)
    db.session.commit()
    click.echo(f"{name}: school code {code}, {students} students in {classes} classes.")
    click.echo(
        f"  school admin admin@big.dari.kr, teachers teacher01..teacher{len(teachers):02d}@big.dari.kr"
        f"   password: {STAFF_PASSWORD}"
    )
    click.echo(f"  students s0001..s{students:04d} at /login with school code {code}   password: {STUDENT_PASSWORD}")


def add_staff(school_id: int, role: str, emails: list[str], password_hash: str) -> list[int]:
    rows = [
        {
            "school_id": school_id,
            "role": role,
            "email": e,
            "display_name": f"{e.split('@')[0].title()} (Big)",
            "password_hash": password_hash,
        }
        for e in emails
    ]
    return list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))


def add_students(school_id: int, count: int, password_hash: str, rng: random.Random, start: int = 1) -> list[int]:
    rows = [
        {
            "school_id": school_id,
            "role": Role.STUDENT,
            "username": f"s{n:04d}",
            "display_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "password_hash": password_hash,
        }
        for n in range(start, start + count)
    ]
    return list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))


def seed_class(
    school_id: int,
    name: str,
    grade: int,
    teacher_id: int,
    student_ids: list[int],
    modules: list[Module],
    rng: random.Random,
    now: datetime,
) -> int:
    """A class with its teacher and students enrolled, `modules` assigned and worked on."""
    classroom = Classroom(school_id=school_id, name=name, grade=grade, school_year=str(now.year), locale="ko")
    db.session.add(classroom)
    db.session.flush()
    db.session.execute(
        insert(Enrollment), [{"classroom_id": classroom.id, "user_id": u} for u in [teacher_id, *student_ids]]
    )
    dues = [
        now + timedelta(days=rng.randint(-21, 21), hours=rng.randint(0, 23)) if rng.random() < 0.9 else None
        for _ in modules
    ]
    ids = db.session.scalars(
        insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True),
        [
            {"classroom_id": classroom.id, "module_id": m.id, "due_at": d, "created_by_id": teacher_id}
            for m, d in zip(modules, dues, strict=True)
        ],
    ).all()
    excused = []
    for assignment_id, module in zip(ids, modules, strict=True):
        if module.sensitive:
            excused += [
                {"assignment_id": assignment_id, "user_id": u, "note": "Alternative task"}
                for u in student_ids
                if rng.random() < 0.03
            ]
    if excused:
        db.session.execute(insert(Excusal), excused)
    skip = {(e["assignment_id"], e["user_id"]) for e in excused}
    work = [(u, m, d) for a, m, d in zip(ids, modules, dues, strict=True) for u in student_ids if (a, u) not in skip]
    seed_progress(work, rng, now)
    return classroom.id


def seed_progress(work: list[tuple[int, Module, datetime | None]], rng: random.Random, now: datetime) -> None:
    """Lesson progress and quiz attempts for (student id, module, due date) triples."""
    skill: dict[int, float] = {}
    progress: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    answers: list[tuple[int, str, str, bool]] = []  # (index of its attempt, item, chosen, correct)
    for user_id, module, due in work:
        s = skill.setdefault(user_id, rng.uniform(0.3, 1.0))
        late = due is not None and due < now
        finish = s * (0.95 if late else 0.6)
        r, steps = rng.random(), module.step_count
        started = now - timedelta(days=rng.uniform(2, 30))
        if r < finish:
            progress.append(
                {
                    "user_id": user_id,
                    "module_id": module.id,
                    "current_step": steps,
                    "steps_done": steps,
                    "started_at": started,
                    "updated_at": started + timedelta(minutes=25),
                    "completed_at": started + timedelta(minutes=25),
                }
            )
            if rng.random() < 0.85:
                _take_quiz(user_id, module, s, started + timedelta(minutes=30), rng, attempts, answers)
        elif r < finish + (1 - finish) * 0.5:
            done = rng.randint(0, steps - 1)
            progress.append(
                {
                    "user_id": user_id,
                    "module_id": module.id,
                    "current_step": done + 1,
                    "steps_done": done,
                    "started_at": started,
                    "updated_at": started + timedelta(minutes=4 * done + 1),
                    "completed_at": None,
                }
            )
    if progress:
        db.session.execute(insert(LessonProgress), progress)
    if attempts:
        ids = db.session.scalars(
            insert(QuizAttempt).returning(QuizAttempt.id, sort_by_parameter_order=True), attempts
        ).all()
        rows = [{"attempt_id": ids[index], "item_id": q, "chosen": c, "correct": ok} for index, q, c, ok in answers]
        db.session.execute(insert(QuizAnswer), rows)


_DIFFICULTY: dict[str, dict[str, tuple[float, str]]] = {}


def difficulty(module: Module) -> dict[str, tuple[float, str]]:
    """Per question: chance of a first-attempt right answer, and the favourite wrong answer.
    Fixed per module (seeded by its id) so every class struggles with the same questions."""
    if module.id not in _DIFFICULTY:
        rng = random.Random(module.id)
        hard = set(rng.sample([q.id for q in module.quiz.questions], min(2, len(module.quiz.questions) - 1) or 1))
        _DIFFICULTY[module.id] = {
            q.id: (0.3 if q.id in hard else rng.uniform(0.72, 0.93), _trap(q, rng)) for q in module.quiz.questions
        }
    return _DIFFICULTY[module.id]


def _trap(question, rng: random.Random) -> str:
    right = sorted(question.correct_ids)
    wrong = [o.id for o in question.options if o.id not in question.correct_ids]
    if question.type == "multiple":
        if len(right) > 1:
            return ",".join(right[:-1])  # missed one of the right answers
        return ",".join(sorted(right + wrong[:1]))
    return rng.choice(wrong)


def _take_quiz(user_id, module, skill, when, rng, attempts, answers) -> None:
    table, quiz = difficulty(module), module.quiz
    locale = "en" if rng.random() < 0.25 else "ko"
    order = {q.id: [o.id for o in q.options] for q in quiz.questions}
    for number in range(1, 4):
        correct = 0
        for q in quiz.questions:
            chance, trap = table[q.id]
            if rng.random() < min(0.98, chance + (skill - 0.65) * 0.3 + 0.15 * (number - 1)):
                chosen, ok = ",".join(sorted(q.correct_ids)), True
            else:
                chosen, ok = (trap if rng.random() < 0.7 else _any_wrong(q, rng)), False
            correct += ok
            answers.append((len(attempts), q.id, chosen, ok))
        score = round(100 * correct / len(quiz.questions))
        submitted = when + timedelta(hours=20 * (number - 1), minutes=rng.randint(3, 12))
        attempts.append(
            {
                "user_id": user_id,
                "module_id": module.id,
                "locale": locale,
                "option_order": order,
                "started_at": submitted - timedelta(minutes=6),
                "submitted_at": submitted,
                "number": number,
                "correct_count": correct,
                "total": len(quiz.questions),
                "score": score,
                "passed": score >= quiz.pass_mark,
            }
        )
        if rng.random() > (0.6 if score < quiz.pass_mark else 0.1):
            return


def _any_wrong(question, rng: random.Random) -> str:
    ids = [o.id for o in question.options]
    while True:
        pick = sorted(rng.sample(ids, rng.randint(1, len(ids)))) if question.type == "multiple" else [rng.choice(ids)]
        if frozenset(pick) != question.correct_ids:
            return ",".join(pick)
