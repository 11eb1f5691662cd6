"""Institution fields over WebTest: a form never lists the register — at most institution_choices.LIMIT institutions,
the one chosen and those its 查找 found by part of the name, the credit code or the number — and keeps everything
typed when it looks one up; the counter offers only the clerk's jurisdiction; and a page reads a bounded number of
institutions however many the register holds."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from models import Institution
from portal.services.institution_choices import LIMIT
from tests import factories, nurse_journeys
from tests.journeys import PASSWORD, commission_desk, look_up_institution, page_session, person_account

MORE = LIMIT + 12  # institutions sharing a part of their name: more than a form may show


@pytest.fixture(scope="module")
def crowd(settings):
    """MORE operating institutions in Chaoyang named 甄选{tag}第NN医院, one of them with a credit code, and one more that
    is cancelled."""
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    tag = "q" + uuid.uuid4().hex[:5]  # never all digits, which would look up an institution's number too
    rows = [factories.institution(session, name=f"甄选{tag}第{n:02d}医院") for n in range(MORE)]
    rows[7].uscc = f"12110105{uuid.uuid4().hex[:10].upper()}"
    closed = factories.institution(session, name=f"甄选{tag}停业医院", status="cancelled")
    session.commit()
    yield {"tag": tag, "ids": [row.id for row in rows], "uscc": rows[7].uscc, "closed": closed.id}
    session.close()


def options(page, form_id: str, field: str = "institution_id") -> list[tuple[str, str]]:
    """(value, text) of the field's choices, the blank one left out."""
    return [(value, text) for value, _, text in page.forms[form_id][field].options if value]


def test_signup_offers_no_institution_until_one_is_looked_up(api, crowd):
    page = api.get("/signup")
    assert options(page, "signup-form") == []
    assert page.html.select_one("#f-institution_id option").text == "请先查找机构"
    assert "后点“查找”" in page.html.select_one("#f-institution_id-status").text


def test_a_lookup_shows_at_most_the_bound_and_finds_one_by_part_of_its_name(api, db, crowd):
    assert db.scalar(select(func.count()).select_from(Institution).where(Institution.name.contains(crowd["tag"]))) > LIMIT
    many = look_up_institution(api.get("/signup").forms["signup-form"], crowd["tag"])
    shown = options(many, "signup-form")
    assert len(shown) == LIMIT
    assert {int(value) for value, _ in shown} <= set(crowd["ids"])  # never the cancelled one
    assert [text for _, text in shown] == sorted(text for _, text in shown)
    assert f"超过 {LIMIT} 家" in many.html.select_one("#f-institution_id-status").text
    assert many.forms["signup-form"]["institution_id"].value == ""  # many found: the person chooses

    one = look_up_institution(api.get("/signup").forms["signup-form"], f"{crowd['tag']}第37")
    assert options(one, "signup-form") == [(str(crowd["ids"][37]), f"甄选{crowd['tag']}第37医院（110105）")]
    assert one.forms["signup-form"]["institution_id"].value == str(crowd["ids"][37])  # the only one: chosen
    assert "找到 1 家" in one.html.select_one("#f-institution_id-status").text

    by_code = look_up_institution(api.get("/signup").forms["signup-form"], crowd["uscc"].lower())
    assert by_code.forms["signup-form"]["institution_id"].value == str(crowd["ids"][7])
    by_number = look_up_institution(api.get("/signup").forms["signup-form"], str(crowd["ids"][12]))
    assert options(by_number, "signup-form")[0][0] == str(crowd["ids"][12])  # first, before names containing the digits
    none = look_up_institution(api.get("/signup").forms["signup-form"], f"{crowd['tag']}停业")
    assert options(none, "signup-form") == [] and "未找到" in none.html.select_one("#f-institution_id-status").text


def test_a_lookup_keeps_what_was_typed_and_the_institution_chosen_and_signs_up(api, crowd):
    form = api.get("/signup").forms["signup-form"]
    id_number, mobile = factories.resident_id(date(1992, 2, 3), sex="女"), factories.unique_mobile()
    typed = {"profession": "nurse", "name": "查找护士", "sex": "女", "birth_date": "1992-02-03", "id_number": id_number,
             "mobile": mobile, "password": PASSWORD}
    for name, value in typed.items():
        form[name] = value
    first = look_up_institution(form, f"{crowd['tag']}第03")
    # Looking up submits nothing: the same form again, as typed (but the password, never sent back).
    kept = first.forms["signup-form"]
    assert {name: kept[name].value for name in typed} == {**typed, "password": ""}
    assert kept["institution_id"].value == str(crowd["ids"][3])
    # A second lookup keeps the institution chosen among the new choices.
    again = look_up_institution(first.forms["signup-form"], f"{crowd['tag']}第1")
    assert options(again, "signup-form")[0][0] == str(crowd["ids"][3])
    assert again.forms["signup-form"]["institution_id"].value == str(crowd["ids"][3])
    assert len(options(again, "signup-form")) == 11  # the one chosen, and 第10 … 第19
    form = again.forms["signup-form"]
    form["password"] = PASSWORD
    assert "注册申请已受理" in form.submit().follow().text


def test_a_persons_form_starts_at_their_own_institution_and_can_look_up_another(wsgi_app, api, db, settings, crowd):
    nurse = nurse_journeys.nurse(api, db, settings, crowd["ids"][6])
    first = page_session(wsgi_app, nurse["mobile"]).get("/me/nurse?kind=nurse.first_registration")
    assert options(first, "nurse-form") == [(str(crowd["ids"][6]), f"甄选{crowd['tag']}第06医院（110105）")]
    assert first.forms["nurse-form"]["institution_id"].value == str(crowd["ids"][6])

    person = person_account(db, settings, crowd["ids"][5])
    db.commit()
    app = page_session(wsgi_app, person["mobile"])
    apply = app.get("/me/apply")
    assert options(apply, "apply-form") == [(str(crowd["ids"][5]), f"甄选{crowd['tag']}第05医院（110105）")]
    assert apply.forms["apply-form"]["institution_id"].value == str(crowd["ids"][5])
    change = app.get("/me/business?kind=physician.change")
    assert options(change, "business-form") == []
    form = change.forms["business-form"]
    form["practice_category"] = "临床"
    form["practice_scope"] = ["外科专业"]
    found = look_up_institution(form, f"{crowd['tag']}第4")
    assert [value for value, _ in options(found, "business-form")] == [str(i) for i in crowd["ids"][40:50]]
    kept = found.forms["business-form"]
    assert kept["practice_category"].value == "临床" and kept["practice_scope"].value == ["外科专业"]


def test_the_counter_offers_only_institutions_within_the_clerks_jurisdiction(wsgi_app, api, db):
    tag = uuid.uuid4().hex[:6]
    inside = factories.institution(db, name=f"辖区{tag}朝阳医院", division="110105")
    outside = factories.institution(db, name=f"辖区{tag}海淀医院", division="110108")
    suspended = factories.institution(db, name=f"辖区{tag}停业医院", division="110105", status="suspended")
    # Its name starts with the digits, so it ranks above the names merely holding them (other tests' random tags may).
    holding_the_digits = factories.institution(db, name=f"{outside.id}号{tag}医院", division="110105")
    db.commit()
    clerk, _ = commission_desk(api, db, "110105")
    app = page_session(wsgi_app, clerk)

    page = app.get("/commission/counter?kind=physician.hmt_short_term_practice")
    assert options(page, "counter-form") == []
    assert "只列出本卫生健康委辖区内的机构" in page.html.select_one("#f-institution_id-status").text
    found = look_up_institution(page.forms["counter-form"], f"辖区{tag}")
    assert [value for value, _ in options(found, "counter-form")] == [str(inside.id)]  # not Haidian's, not the suspended
    assert found.forms["counter-form"]["institution_id"].value == str(inside.id)
    by_number = look_up_institution(page.forms["counter-form"], str(outside.id))
    # Its number finds it nowhere (a name of the jurisdiction that holds those digits may be offered, rightly).
    assert str(outside.id) not in [value for value, _ in options(by_number, "counter-form")]
    assert str(holding_the_digits.id) in [value for value, _ in options(by_number, "counter-form")]
    # Posted anyway, an institution elsewhere is still refused, and not offered back. (The lookup box is cleared: still
    # holding the number, it would offer, rightly, a name of the jurisdiction that holds those digits.)
    form = page.forms["counter-form"]
    form["institution_id-find"] = ""
    form["institution_id"].force_value(str(outside.id))
    refused = form.submit(status=400)
    assert options(refused, "counter-form") == [] and refused.forms["counter-form"]["institution_id"].value == ""

    # An institution's own business at the counter: any institution of the jurisdiction, a suspended one too.
    resumption = look_up_institution(app.get("/commission/counter?kind=institution.resumption").forms["counter-form"], f"辖区{tag}")
    assert {value for value, _ in options(resumption, "counter-form")} == {str(inside.id), str(suspended.id)}


def test_every_counter_form_with_an_institution_field_looks_up_within_the_jurisdiction(wsgi_app, api, db):
    """代为办理: every kind the counter takes whose form has an institution field."""
    from pipeline.counter import counter_data
    from portal.pages.counter import counter_kinds
    from portal.pages.kind_forms import fields_of

    tag = uuid.uuid4().hex[:6]
    inside = factories.institution(db, name=f"代办{tag}医院", division="110105")
    factories.institution(db, name=f"代办{tag}外区医院", division="310104")
    db.commit()
    clerk, _ = commission_desk(api, db, "110105")
    app = page_session(wsgi_app, clerk)
    kinds = [kind for kind in counter_kinds() if any(s.widget.name == "institution" for s in fields_of(kind, counter_data(kind)))]
    assert len(kinds) >= 10
    for kind in kinds:
        page = app.get(f"/commission/counter?kind={kind.name}")
        assert options(page, "counter-form") == [], kind.name
        found = look_up_institution(page.forms["counter-form"], f"代办{tag}")
        assert [value for value, _ in options(found, "counter-form")] == [str(inside.id)], kind.name


@contextmanager
def rows_read_from_institutions():
    """Every statement the portal runs against the institutions table meanwhile, with the rows it answered."""
    seen: list[tuple[str, int]] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "FROM institutions" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, cursor.rowcount))

    event.listen(Engine, "after_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "after_cursor_execute", count)


def test_a_form_reads_a_bounded_number_of_institutions_however_many_there_are(wsgi_app, api, db, crowd):
    """No statement loads the register: each reads at most LIMIT + 1 rows, and a page runs a handful of them."""
    assert db.scalar(select(func.count()).select_from(Institution)) > LIMIT
    clerk, _ = commission_desk(api, db, "110000")
    clerk_app = page_session(wsgi_app, clerk)
    counter = "/commission/counter?kind=physician.change"
    for form_id, fetch in (("signup-form", lambda: api.get("/signup")),
                           ("signup-form", lambda: look_up_institution(api.get("/signup").forms["signup-form"], crowd["tag"])),
                           ("signup-form", lambda: look_up_institution(api.get("/signup").forms["signup-form"], "医院")),
                           ("counter-form", lambda: clerk_app.get(counter)),
                           ("counter-form", lambda: look_up_institution(clerk_app.get(counter).forms["counter-form"], "医"))):
        with rows_read_from_institutions() as seen:
            page = fetch()
        assert len(options(page, form_id)) <= LIMIT
        assert len(seen) <= 6, seen
        assert all(rows <= LIMIT + 1 for _, rows in seen), [(statement[:120], rows) for statement, rows in seen]


def test_enter_without_javascript_says_that_nothing_was_submitted(api):
    """Without JavaScript, Enter in any field posts the form's first submit button — the institution field's 查找.
    With the search box empty, the page says that nothing was submitted and how to submit, instead of nothing."""
    page = api.get("/signup")
    form = page.forms["signup-form"]
    form["name"] = "回车测试"
    again = look_up_institution(form, "")
    assert "尚未提交" in again.html.select_one("#f-institution_id-status").text
    assert again.forms["signup-form"]["name"].value == "回车测试"
