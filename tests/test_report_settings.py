"""A school admin sets the emergency contact, urgent and retention timing, and which counselors
receive each category of report."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Role, RoutingRule, School, User
from conftest import Factory, login


@pytest.fixture
def counselors(factory, school):
    return [factory.user(school, Role.COUNSELOR, display_name=name) for name in ("Ms Kim", "Mr Lee")]


VALID = {
    "emergency_contact": "School office 02-123-4567, 8:00-17:00",
    "urgent_ack_minutes": "30",
    "retention_days": "730",
}


def rules(app, school):
    with app.app_context():
        rows = db.session.execute(
            select(RoutingRule.category, RoutingRule.user_id).where(RoutingRule.school_id == school.id)
        )
        return sorted(rows)


def settings_of(app, school):
    with app.app_context():
        s = db.session.get(School, school.id)
        return s.emergency_contact, s.urgent_ack_minutes, s.retention_days


def checked_boxes(page):
    return sorted(re.findall(r'name="(route-\w+)" value="(\d+)" id="[^"]+" checked', page))


def test_page_shows_defaults_and_every_category(app_factory):
    app = app_factory(URGENT_ACK_MINUTES=20)
    factory = Factory(app)
    school = factory.school("ALPHA")
    factory.user(school, Role.COUNSELOR)
    client = app.test_client()
    login(client, factory.user(school, Role.SCHOOL_ADMIN), app)
    response = client.get("/admin/report-settings")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Leave empty for the default of 20 minutes." in page
    assert "Leave empty for the default of 365 days." in page
    for label in (
        "AI-made or edited sexual image",
        "A real intimate image shared or threatened",
        "Threats or blackmail (sextortion)",
        "Bullying or harassment online",
        "Something else",
    ):
        assert f"<legend>{label}</legend>" in page
    # Danger reports are urgent and always reach everyone: no routing to choose.
    assert "<legend>Someone may be in danger or may hurt themselves</legend>" not in page
    assert "Leave all unticked to send to every counselor." in page
    assert "always go to every counselor and school admin" in page
    assert 'aria-describedby="urgent_ack_minutes-hint"' in page
    assert "style=" not in page and "<script>" not in page


def test_save_and_reload_settings(app, admin_client, school, counselors):
    client = admin_client
    response = client.post("/admin/report-settings", data=VALID)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/report-settings"
    assert settings_of(app, school) == ("School office 02-123-4567, 8:00-17:00", 30, 730)
    page = client.get("/admin/report-settings").get_data(as_text=True)
    assert "Report settings saved." in page
    assert 'value="School office 02-123-4567, 8:00-17:00"' in page
    assert 'value="30"' in page and 'value="730"' in page
    # Emptied fields go back to the defaults.
    client.post(
        "/admin/report-settings", data={"emergency_contact": "  ", "urgent_ack_minutes": "", "retention_days": ""}
    )
    assert settings_of(app, school) == (None, None, None)


def test_routing_rules_are_stored_and_replaced(app, admin_client, school, counselors):
    client = admin_client
    kim, lee = counselors
    response = client.post(
        "/admin/report-settings",
        data={**VALID, "route-ai_image": [str(kim.id), str(lee.id)], "route-bullying": str(lee.id)},
    )
    assert response.status_code == 302
    assert rules(app, school) == sorted([("ai_image", kim.id), ("ai_image", lee.id), ("bullying", lee.id)])
    page = client.get("/admin/report-settings").get_data(as_text=True)
    assert checked_boxes(page) == sorted(
        [("route-ai_image", str(kim.id)), ("route-ai_image", str(lee.id)), ("route-bullying", str(lee.id))]
    )

    client.post("/admin/report-settings", data={**VALID, "route-ai_image": str(lee.id), "route-other": str(kim.id)})
    assert rules(app, school) == sorted([("ai_image", lee.id), ("other", kim.id)])
    # A danger rule could only come from a tampered form.
    assert client.post("/admin/report-settings", data={**VALID, "route-danger": str(kim.id)}).status_code == 400


def test_nothing_ticked_means_every_counselor(app, admin_client, school, counselors):
    client = admin_client
    client.post("/admin/report-settings", data={**VALID, "route-other": str(counselors[0].id)})
    assert rules(app, school)
    client.post("/admin/report-settings", data=VALID)
    assert rules(app, school) == []  # no rule: every counselor
    assert checked_boxes(client.get("/admin/report-settings").get_data(as_text=True)) == []


def test_other_schools_rules_are_left_alone(app, admin_client, school, counselors, factory):
    other = factory.school("BETA")
    theirs = factory.user(other, Role.COUNSELOR)
    with app.app_context():
        db.session.add(RoutingRule(school_id=other.id, category="bullying", user_id=theirs.id))
        db.session.commit()
    client = admin_client
    client.post("/admin/report-settings", data={**VALID, "route-bullying": str(counselors[0].id)})
    assert rules(app, other) == [("bullying", theirs.id)]


@pytest.mark.parametrize(
    "case", ["other_school", "teacher", "admin", "inactive", "garbage", "negative", "superscript", "unknown_category"]
)
def test_tampered_routing_is_refused_and_changes_nothing(app, admin_client, admin, school, counselors, factory, case):
    client = admin_client
    kim = counselors[0]
    client.post("/admin/report-settings", data={**VALID, "route-sextortion": str(kim.id)})
    before_rules, before_settings = rules(app, school), settings_of(app, school)

    retired = factory.user(school, Role.COUNSELOR, active=False)
    field, value = {
        "other_school": ("route-bullying", str(factory.user(factory.school("BETA"), Role.COUNSELOR).id)),
        "teacher": ("route-bullying", str(factory.user(school, Role.TEACHER).id)),
        "admin": ("route-bullying", str(admin.id)),
        "inactive": ("route-bullying", str(retired.id)),
        "garbage": ("route-bullying", "abc"),
        "negative": ("route-bullying", f"-{kim.id}"),
        "superscript": ("route-bullying", "\u00b2"),
        "unknown_category": ("route-deepfake", str(kim.id)),
    }[case]
    changed = {
        "emergency_contact": "Changed",
        "urgent_ack_minutes": "60",
        "retention_days": "90",
        "route-other": str(kim.id),
        field: value,
    }
    response = client.post("/admin/report-settings", data=changed)
    assert response.status_code == 400
    assert rules(app, school) == before_rules
    assert settings_of(app, school) == before_settings


@pytest.mark.parametrize(
    "data,message",
    [
        ({"urgent_ack_minutes": "4"}, "Enter a number of minutes from 5 to 240."),
        ({"urgent_ack_minutes": "241"}, "Enter a number of minutes from 5 to 240."),
        ({"urgent_ack_minutes": "fifteen"}, "Enter a whole number, for example 30."),
        ({"urgent_ack_minutes": "7.5"}, "Enter a whole number, for example 30."),
        ({"retention_days": "29"}, "Enter a number of days from 30 to 3650."),
        ({"retention_days": "3651"}, "Enter a number of days from 30 to 3650."),
        ({"emergency_contact": "x" * 201}, "Please keep the emergency contact to 200 characters or fewer."),
    ],
)
def test_invalid_values_are_named_and_what_was_typed_is_kept(app, admin_client, school, counselors, data, message):
    client = admin_client
    client.post("/admin/report-settings", data=VALID)
    before_rules, before_settings = rules(app, school), settings_of(app, school)
    kim = counselors[0]
    sent = {
        "emergency_contact": "Office 02-999-0000",
        "urgent_ack_minutes": "45",
        "retention_days": "400",
        "route-real_image": str(kim.id),
        **data,
    }
    response = client.post("/admin/report-settings", data=sent)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'id="error-summary"' in page and 'aria-invalid="true"' in page
    ((_name, typed),) = data.items()
    assert f'value="{typed}"' in page
    assert ("route-real_image", str(kim.id)) in checked_boxes(page)  # the ticks are kept too
    assert rules(app, school) == before_rules
    assert settings_of(app, school) == before_settings


@pytest.mark.parametrize("role", [Role.TEACHER, Role.COUNSELOR, Role.STUDENT])
def test_only_school_admins(app, factory, school, as_user, role):
    client = as_user(factory.user(school, role))
    assert client.get("/admin/report-settings").status_code == 403
    assert client.post("/admin/report-settings", data=VALID).status_code == 403
    assert settings_of(app, school) == (None, None, None)


def test_anonymous_goes_to_login(app):
    for response in (
        app.test_client().get("/admin/report-settings"),
        app.test_client().post("/admin/report-settings", data=VALID),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_admin_sees_and_changes_only_their_own_school(app, admin_client, school, counselors, factory, as_user):
    other = factory.school("BETA")
    factory.user(other, Role.COUNSELOR, display_name="Beta Counselor")
    beta_client = as_user(factory.user(other, Role.SCHOOL_ADMIN))
    page = beta_client.get("/admin/report-settings").get_data(as_text=True)
    assert "Beta Counselor" in page and "Ms Kim" not in page and "Mr Lee" not in page
    assert beta_client.post("/admin/report-settings", data=VALID).status_code == 302
    assert settings_of(app, school) == (None, None, None)
    assert settings_of(app, other)[1] == 30
    alpha_page = admin_client.get("/admin/report-settings").get_data(as_text=True)
    assert "Ms Kim" in alpha_page and "Beta Counselor" not in alpha_page


def test_counselor_list_shows_who_receives_reports(app, admin_client, school, factory):
    factory.user(school, Role.COUNSELOR, display_name="Ms Kim", email="kim@alpha.example")
    factory.user(school, Role.COUNSELOR, display_name="Mr Park", totp=False, active=False)
    factory.user(school, Role.TEACHER, display_name="Ms Teacher")
    client = admin_client
    page = client.get("/admin/report-settings").get_data(as_text=True)
    receivers = page[page.index("Who receives reports</h2>") :]
    assert "Ms Kim" in receivers and "kim@alpha.example" in receivers
    assert "Mr Park" in receivers and "Turned off" in receivers and "Set up at next login" in receivers
    assert "Ms Teacher" not in page
    assert 'href="/admin/invites"' in receivers
    # Only active counselors can be chosen for routing.
    assert page.count('type="checkbox"') == 5  # Ms Kim once per routed category


def test_no_counselor_warning(app, admin_client, school, factory):
    client = admin_client
    page = client.get("/admin/report-settings").get_data(as_text=True)
    assert "Your school has no counselor yet, so reports go to the school admins until you invite one." in page
    assert 'href="/admin/invites">Invite a counselor' in page
    assert 'type="checkbox"' not in page
    assert client.post("/admin/report-settings", data=VALID).status_code == 302

    retired = factory.user(school, Role.COUNSELOR, active=False)
    page = client.get("/admin/report-settings").get_data(as_text=True)
    assert "Every counselor account at your school is turned off" in page

    with app.app_context():
        db.session.get(User, retired.id).active = True
        db.session.commit()
    page = client.get("/admin/report-settings").get_data(as_text=True)
    assert 'id="no-counselor"' not in page


def test_nav_link_for_school_admins_only(admin_client, factory, school, as_user):
    client = admin_client
    page = client.get("/admin/report-settings").get_data(as_text=True)
    assert 'href="/admin/report-settings" aria-current="page">Report settings' in page
    assert 'href="/admin/" aria-current' not in page
    assert 'href="/admin/" aria-current="page"' in client.get("/admin/").get_data(as_text=True)
    teacher_page = as_user(factory.user(school, Role.TEACHER)).get("/").get_data(as_text=True)
    assert "/admin/report-settings" not in teacher_page
