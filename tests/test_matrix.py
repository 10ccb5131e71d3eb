"""Every protected route, for every role and for a user of another school."""

import pytest

from app.models import Role

ANON = "anonymous"
ROLES = [ANON, Role.STUDENT, Role.TEACHER, Role.COUNSELOR, Role.SCHOOL_ADMIN]
ADMIN = {Role.SCHOOL_ADMIN}
CASEWORK = {Role.COUNSELOR, Role.SCHOOL_ADMIN}
EVERYONE = {Role.STUDENT, Role.TEACHER, Role.COUNSELOR, Role.SCHOOL_ADMIN}
STAFF = {Role.TEACHER, Role.COUNSELOR, Role.SCHOOL_ADMIN}
CLASS_READ = {Role.TEACHER, Role.SCHOOL_ADMIN}  # the class's teachers; admins read only
CLASS_MANAGE = {Role.TEACHER}

# (method, url template, roles allowed). {user} is a target user of school A, {invite} an invite of A,
# {class} a class of A taught by the matrix teacher, {student} a student in it, {assignment} its assignment.
ROUTES = [
    ("GET", "/account/", EVERYONE),
    ("GET", "/account/password", EVERYONE),
    ("GET", "/account/two-factor", STAFF),
    ("POST", "/account/two-factor/recovery-codes", STAFF),
    ("POST", "/account/two-factor/disable", STAFF),
    ("GET", "/learn/", EVERYONE),
    ("GET", "/learn/sample-consent", EVERYONE),
    ("GET", "/learn/sample-consent/step/1", EVERYONE),
    ("GET", "/learn/sample-consent/quiz", EVERYONE),
    ("GET", "/learn/sample-consent/preview", STAFF),
    ("GET", "/learn/sample-consent/guide", STAFF),
    ("GET", "/classes", CLASS_READ),
    ("GET", "/classes/new", CLASS_MANAGE),
    ("GET", "/classes/{class}", CLASS_READ),
    ("GET", "/classes/{class}/edit", CLASS_MANAGE),
    ("POST", "/classes/{class}/archive", CLASS_MANAGE),
    ("POST", "/classes/{class}/join-code", CLASS_MANAGE),
    ("GET", "/classes/{class}/roster/add", CLASS_MANAGE),
    ("POST", "/classes/{class}/students/{student}/reset-password", CLASS_MANAGE),
    ("GET", "/classes/{class}/delete-roster", CLASS_MANAGE),
    ("GET", "/classes/{class}/dashboard", CLASS_READ),
    ("GET", "/classes/{class}/dashboard.csv", CLASS_READ),
    ("GET", "/classes/{class}/modules/sample-consent/items", CLASS_READ),
    ("GET", "/classes/{class}/students/{student}", CLASS_READ),
    ("GET", "/classes/{class}/assignments", CLASS_READ),
    ("GET", "/classes/{class}/assignments/{assignment}/edit", CLASS_MANAGE),
    ("POST", "/classes/{class}/assignments/{assignment}/delete", CLASS_MANAGE),
    ("GET", "/admin/report-settings", ADMIN),
    ("GET", "/admin/statistics", ADMIN),
    ("GET", "/admin/audit", ADMIN),
    ("GET", "/counsel/", CASEWORK),
    ("GET", "/counsel/reports/{report}", CASEWORK),
    ("GET", "/counsel/reports/{report}/print", CASEWORK),
    ("POST", "/counsel/reports/{report}/acknowledge", CASEWORK),
    ("POST", "/counsel/reports/{report}/assign", CASEWORK),
    ("POST", "/counsel/reports/{report}/status", CASEWORK),
    ("POST", "/counsel/reports/{report}/notes", CASEWORK),
    ("POST", "/counsel/reports/{report}/messages", CASEWORK),
    ("GET", "/counsel/reports/{report}/actions/new?kind=police_report", CASEWORK),
    ("POST", "/counsel/reports/{report}/actions", CASEWORK),
    ("GET", "/admin/", ADMIN),
    ("GET", "/admin/invites", ADMIN),
    ("POST", "/admin/invites/{invite}/revoke", ADMIN),
    ("POST", "/admin/users/{user}/deactivate", ADMIN),
    ("POST", "/admin/users/{user}/activate", ADMIN),
    ("POST", "/admin/users/{user}/reset-password", ADMIN),
    ("POST", "/admin/users/{user}/reset-two-factor", ADMIN),
]


@pytest.fixture
def world(app, factory):
    from app.extensions import db
    from app.models import Assignment, Classroom, Enrollment, Invite, Report
    from app.reports import crypto as reports_crypto

    a, b = factory.school("ALPHA"), factory.school("BETA")
    users = {role: factory.user(a, role) for role in ROLES if role != ANON}
    target = factory.user(a, Role.TEACHER, totp=True)
    outsider_admin = factory.user(b, Role.SCHOOL_ADMIN)
    outsider_teacher = factory.user(b, Role.TEACHER)
    outsider_counselor = factory.user(b, Role.COUNSELOR)
    with app.app_context():
        invite, _ = Invite.issue(a.id, "teacher", "x@alpha.example", users[Role.SCHOOL_ADMIN].id, 24)
        classroom = Classroom(school_id=a.id, name="2-3", grade=8, school_year="2026", join_code="MATRX2")
        db.session.add_all([invite, classroom])
        db.session.flush()
        for member in (users[Role.TEACHER], users[Role.STUDENT]):
            db.session.add(Enrollment(classroom_id=classroom.id, user_id=member.id))
        assignment = Assignment(classroom_id=classroom.id, module_id="sample-consent")
        report = Report(
            school_id=a.id,
            ref="R-MTRX",
            receipt_hash="a" * 64,
            submission_hash="b" * 64,
            category="bullying",
            affected="me",
            wants=[],
            consent_parents="no",
            consent_police="no",
            what_enc=reports_crypto.encrypt("matrix report"),
        )
        db.session.add_all([assignment, report])
        db.session.commit()
        ids = {"invite": invite.id, "class": classroom.id, "assignment": assignment.id, "report": report.id}
    return {
        "users": users,
        "target": target,
        **ids,
        "student": users[Role.STUDENT].id,
        "outsider_admin": outsider_admin,
        "outsider_teacher": outsider_teacher,
        "outsider_counselor": outsider_counselor,
    }


def url_for_world(template, world):
    return template.format(
        user=world["target"].id,
        invite=world["invite"],
        student=world["student"],
        assignment=world["assignment"],
        report=world["report"],
        **{"class": world["class"]},
    )


def _call(client, method, url):
    return client.get(url) if method == "GET" else client.post(url)


@pytest.mark.parametrize("method,template,allowed", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_route_access_by_role(app, world, as_user, method, template, allowed):
    url = url_for_world(template, world)
    for role in ROLES:
        client = app.test_client() if role == ANON else as_user(world["users"][role])
        response = _call(client, method, url)
        if role == ANON:
            assert response.status_code == 302 and "/login" in response.headers["Location"], role
        elif role in allowed:
            # 400 and 422: past access control, the empty POST itself was refused
            assert response.status_code in (200, 302, 400, 422), (role, response.status_code)
            if response.status_code == 302:
                assert "/login" not in response.headers["Location"], role
        else:
            assert response.status_code == 403, (role, response.status_code)


SCHOOL_SCOPED = [(m, u, a) for m, u, a in ROUTES if "{" in u]


@pytest.mark.parametrize("method,template,allowed", SCHOOL_SCOPED, ids=[f"{m} {u}" for m, u, _ in SCHOOL_SCOPED])
@pytest.mark.parametrize("outsider", ["outsider_admin", "outsider_teacher", "outsider_counselor"])
def test_another_schools_staff_get_404(app, world, as_user, method, template, allowed, outsider):
    """Staff of school B holding a role the route admits cannot even tell school A's object exists;
    a role the route never admits is refused as such (403) before anything is looked up."""
    from app.extensions import db
    from app.models import Assignment, User

    user = world[outsider]
    url = url_for_world(template, world)
    with app.app_context():
        before = db.session.get(User, world["target"].id).password_hash
    response = _call(as_user(user), method, url)
    assert response.status_code == (404 if user.role in allowed else 403)
    with app.app_context():
        target = db.session.get(User, world["target"].id)
        assert target.active and target.password_hash == before and target.totp_enabled
        assert db.session.get(Assignment, world["assignment"]) is not None
