"""Every protected route, for every role and for a user of another school."""
import pytest

from app.models import Role

ANON = "anonymous"
ROLES = [ANON, Role.STUDENT, Role.TEACHER, Role.COUNSELOR, Role.SCHOOL_ADMIN]
ADMIN = {Role.SCHOOL_ADMIN}
EVERYONE = {Role.STUDENT, Role.TEACHER, Role.COUNSELOR, Role.SCHOOL_ADMIN}
STAFF = {Role.TEACHER, Role.COUNSELOR, Role.SCHOOL_ADMIN}

# (method, url template, roles allowed). {user} is a target user of school A, {invite} an invite of A.
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
    from app.models import Invite

    a, b = factory.school("ALPHA"), factory.school("BETA")
    users = {role: factory.user(a, role) for role in ROLES if role != ANON}
    target = factory.user(a, Role.TEACHER, totp=True)
    outsider_admin = factory.user(b, Role.SCHOOL_ADMIN)
    with app.app_context():
        invite, _ = Invite.issue(a.id, "teacher", "x@alpha.example", users[Role.SCHOOL_ADMIN].id, 24)
        db.session.add(invite)
        db.session.commit()
        invite_id = invite.id
    return {"users": users, "target": target, "invite": invite_id, "outsider_admin": outsider_admin}


def _call(client, method, url):
    return client.get(url) if method == "GET" else client.post(url)


@pytest.mark.parametrize("method,template,allowed", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_route_access_by_role(app, world, as_user, method, template, allowed):
    url = template.format(user=world["target"].id, invite=world["invite"])
    for role in ROLES:
        client = app.test_client() if role == ANON else as_user(world["users"][role])
        response = _call(client, method, url)
        if role == ANON:
            assert response.status_code == 302 and "/login" in response.headers["Location"], role
        elif role in allowed:
            assert response.status_code in (200, 302, 422), (role, response.status_code)  # 422: reached the form
            if response.status_code == 302:
                assert "/login" not in response.headers["Location"], role
        else:
            assert response.status_code == 403, (role, response.status_code)


SCHOOL_SCOPED = [(m, u) for m, u, _ in ROUTES if "{" in u]


@pytest.mark.parametrize("method,template", SCHOOL_SCOPED, ids=[f"{m} {u}" for m, u in SCHOOL_SCOPED])
def test_another_schools_admin_gets_404(app, world, as_user, method, template):
    from app.extensions import db
    from app.models import User

    url = template.format(user=world["target"].id, invite=world["invite"])
    with app.app_context():
        before = db.session.get(User, world["target"].id).password_hash
    response = _call(as_user(world["outsider_admin"]), method, url)
    assert response.status_code == 404
    with app.app_context():
        target = db.session.get(User, world["target"].id)
        assert target.active and target.password_hash == before and target.totp_enabled
