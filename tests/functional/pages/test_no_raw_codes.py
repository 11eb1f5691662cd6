"""Every page of the journeys speaks Chinese: with an application of every kind, in statuses across the life cycle, a
register entry of each register and the audit entries the journeys write, no field name of any kind's data, no
status code (of applications or of any register) and no `account:` reference appears in the visible text of any
page a person, an institution or a commission opens. And a crawler follows every link from each role's home: no
page it reaches answers 403, 404 or 500, or shows a machine's time or word (`None`, `true`, `…T…Z`). Attributes, scripts and styles are not visible text, and a
`<code>` block is where a page deliberately shows an API name (the batch upload's column reference)."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from webtest import TestApp

from models import Account, Application, PersonProfile, PhysicianRegistration
from pipeline.fields import field_specs
from pipeline.kinds import KINDS
from pipeline.lifecycle import Status
from pipeline.registers import institutions, nurses, physicians
from tests import factories
from tests import nurse_journeys as nj
from tests.journeys import login, page_session, person_account, staff_account

DIVISIONS = [("460000", "海南省", None), ("460100", "海口市", "460000"), ("460105", "秀英区", "460100")]
DIVISION = "460105"


def raw_tokens() -> set[str]:
    """Field names of every kind's data, every status code, and the account reference of audit entries."""
    tokens = {spec.name for kind in KINDS.values() for spec in field_specs(kind.data)}
    tokens |= {str(status) for status in Status}
    tokens |= set(physicians.STATUS_LABELS) | set(nurses.STATUS_LABELS) | set(institutions.STATUS_LABELS)
    return tokens


TOKENS = raw_tokens()
PATTERN = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(sorted(map(re.escape, TOKENS), key=len, reverse=True))
                     + r")(?![A-Za-z0-9_])|account:")


class VisibleText(HTMLParser):
    """The text a person reads: outside <script>, <style>, <code> and <template>, attributes left out."""

    HIDDEN = frozenset({"script", "style", "code", "template", "head"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def leaks(html: str) -> list[str]:
    text = visible_text(html)
    return sorted({match.group(0) for match in PATTERN.finditer(text)})


def test_the_scanner_sees_text_and_not_attributes_or_code():
    assert leaks('<p title="registered">注册</p><code>practice_scope</code><script>var status="filed"</script>') == []
    assert leaks("<td>registered</td>") == ["registered"]
    assert leaks("<td>account:12</td>") == ["account:"]
    assert leaks("<td>注册beds</td>") == ["beds"]  # Chinese next to a token is no word boundary to hide behind


# --- a world with one application of every kind -------------------------------------------------------------------

PNG = nj.PNG


def sample_data(kind_name: str, institution_id: int, other_id: int, person: dict, nurse: dict) -> dict:
    """Representative clean data of each kind (as it is stored)."""
    today = date.today()
    return {
        "physician.first_registration": {"certificate_no": person["certificate_no"], "practice_category": "临床",
                                         "practice_scope": ["内科专业"], "institution_id": institution_id},
        "physician.change": {"institution_id": other_id, "practice_category": "临床", "practice_scope": ["外科专业"]},
        "physician.multi_site_filing": {"institution_id": other_id},
        "physician.re_registration": {"institution_id": institution_id, "practice_category": "临床", "practice_scope": ["内科专业"]},
        "physician.info_change": {"photo": {"content_type": "image/png", "base64": nj.photo_base64(), "bytes": 72},
                                  "education": "本科", "school": "海南医学院", "title": "主治医师"},
        "physician.departure_filing": {"identifier": person.get("identifier") or "D460105202600000010", "reason": "transfer",
                                       "left_on": (today - timedelta(days=3)).isoformat(), "comment": "调往外省"},
        "physician.cancellation": {"identifier": person.get("identifier") or "D460105202600000010", "reason": "other",
                                   "occurred_on": (today - timedelta(days=3)).isoformat(), "comment": "本人申请"},
        "nurse.first_registration": {"certificate_no": nurse["certificate_no"], "institution_id": institution_id, "department": "内科"},
        "nurse.change": {"institution_id": other_id, "department": "外科"},
        "nurse.renewal": {},
        "nurse.re_registration": {"institution_id": institution_id, "department": "儿科"},
        "nurse.cancellation": {"reason": "离职出国", "identifier": nurse.get("identifier")},
        "nurse.info_change": {"education": "大专", "title": "护师", "department": "儿科"},
        "institution.practice_registration": {"uscc": "91460105MA5T000001", "phone": "0898-66668888", "name": "秀英测试医院",
                                              "type": "综合医院", "address": "海口市秀英区", "departments": ["内科", "外科"],
                                              "beds": 120, "legal_rep": "王法人", "principal": "李院长"},
        "institution.change": {"name": "秀英测试医院（新）", "beds": 150, "departments": ["内科", "外科", "儿科"]},
        "institution.verification": {"note": "本校验期内依法执业"},
        "institution.suspension": {"reason": "院区改造", "until": (today + timedelta(days=90)).isoformat()},
        "institution.resumption": {"note": "改造完成"},
        "institution.cancellation": {"reason": "机构合并"},
        "physician.qualification_backfill": {"name": person["name"], "id_type": "resident_id", "certificate_no": "201146010000001",
                                             "level": "执业医师", "category": "临床", "issued_on": "2011-12-01"},
        "physician.hmt_qualification_recognition": {"name": "陈港医", "id_type": "hk_macao_permit", "region": "香港",
                                                    "certificate_no": "HK2020000001", "level": "执业医师", "category": "临床",
                                                    "issued_on": "2020-06-01"},
        "physician.hmt_short_term_practice": {"name": "陈港医", "sex": "男", "birth_date": "1980-01-01", "id_type": "hk_macao_permit",
                                              "mobile": "13800000000", "region": "香港", "institution_id": institution_id,
                                              "start_date": today.isoformat(), "end_date": (today + timedelta(days=200)).isoformat()},
        "physician.foreign_short_term_practice": {"name": "史密斯", "sex": "男", "birth_date": "1975-05-05", "id_type": "passport",
                                                  "mobile": "13800000001", "nationality": "英国", "institution_id": institution_id,
                                                  "start_date": today.isoformat(), "end_date": (today + timedelta(days=100)).isoformat()},
        "nurse.pre2008_first_registration": {"name": "王老护", "sex": "女", "birth_date": "1970-02-02", "id_type": "resident_id",
                                             "mobile": "13800000002", "certificate_no": "N2005000000099", "passed_year": 2005,
                                             "institution_id": institution_id, "department": "内科"},
    }[kind_name]


# A status for each kind, so the pages show the life cycle's every step somewhere (with a history leading there).
PATHS: dict[str, list[str]] = {
    "pending_approval": ["submitted", "verifying", "awaiting_institution", "pending_approval"],
    "awaiting_institution": ["submitted", "verifying", "awaiting_institution"],
    "returned": ["submitted", "verifying", "awaiting_institution", "pending_approval", "returned"],
    "rejected": ["submitted", "verifying", "awaiting_institution", "pending_approval", "rejected"],
    "published": ["submitted", "verifying", "awaiting_institution", "pending_approval", "approved", "issued", "published"],
    "verification_failed": ["submitted", "verifying", "verification_failed"],
    "withdrawn": ["submitted", "verifying", "withdrawn"],
}
ACTORS = {"submitted": "申请人", "verifying": "核验服务", "verification_failed": "核验服务", "awaiting_institution": "核验服务",
          "pending_approval": "机构", "returned": "卫健委", "rejected": "卫健委", "approved": "卫健委", "issued": "国家赋码服务",
          "published": "公示服务", "withdrawn": "申请人"}


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    for code, name, parent in DIVISIONS:
        factories.division(session, code, name, parent)
    tag = uuid.uuid4().hex[:6]
    home = factories.institution(session, name=f"秀英人民医院{tag}", division=DIVISION)
    other = factories.institution(session, name=f"秀英中医院{tag}", division=DIVISION)
    session.commit()
    api = TestApp(wsgi_app)
    inst_user, com_user = f"xy-inst-{tag}", f"xy-com-{tag}"
    staff_account(session, "institution", inst_user, institution_id=home.id)
    staff_account(session, "commission", com_user, division=DIVISION)
    session.commit()
    person = person_account(session, settings, home.id, name=factories.unique_name("符"))
    session.commit()
    person["headers"] = login(api, person["mobile"])
    nurse = nj.nurse(api, session, settings, home.id, name=factories.unique_name("林"))
    nj.registered(session, nurse, home.id, commission=DIVISION)
    session.add(PersonProfile(person_id=nurse["person_id"], photo=PNG, photo_type="image/png", education="大专"))
    session.commit()
    # A physician register entry with a history (registered, then a change of status), as the registration page shows it.
    registration = factories.application(session, person["person_id"], person["account_id"], home.id, person["certificate_no"],
                                         "approved", DIVISION)
    entry = factories.issued(session, registration)
    person["identifier"] = entry.identifier
    physician = session.query(PhysicianRegistration).filter_by(person_id=person["person_id"]).one()
    physician.status, physician.status_reason = "filed", "transfer"
    physician.record("医师注册备案", "卫健委", {"status": ["registered", "filed"], "practice_scopes": [["内科专业"], []]}, "调离")
    session.commit()
    inst_account = session.query(Account).filter_by(username=inst_user).one()
    statuses = list(PATHS)
    made: dict[str, list[int]] = {"person": [], "nurse": [], "institution": []}
    for index, (name, kind) in enumerate(KINDS.items()):
        status = "published" if kind.counter else statuses[index % len(statuses)]
        if not kind.commission_approves and status in ("pending_approval", "returned", "rejected"):
            status = "awaiting_institution"
        if kind.profession == "institution":
            applicant, person_id, owner = inst_account.id, None, "institution"
        elif kind.profession == "nurse":
            applicant, person_id, owner = nurse["account_id"], nurse["person_id"], "nurse"
        else:
            applicant, person_id, owner = person["account_id"], person["person_id"], "person"
        if kind.submitted_by == "institution" or kind.counter:
            applicant = inst_account.id
        data = {key: value for key, value in sample_data(name, home.id, other.id, person, nurse).items() if value is not None}
        path = ["approved", "issued", "published"] if kind.counter else PATHS[status]
        item = Application(kind=name, status=path[-1], applicant_account_id=applicant, person_id=person_id,
                           institution_id=data.get("institution_id", home.id), data=data,
                           commission_code=DIVISION if "pending_approval" in path or kind.counter else None,
                           findings=["证件号码与资格库记录不一致"] if path[-1] == "verification_failed" else [])
        session.add(item)
        previous = None
        for step in path:
            item.record(ACTORS[step], previous, step, "测试安排")
            previous = step
        session.flush()
        made[owner].append(item.id)
    session.commit()
    # The audit entries the journeys write: a decision, an audited look at an ID number, an upload.
    commission = login(api, com_user)
    pending = next(i for i in made["person"] if session.get(Application, i).status == "pending_approval")
    api.post_json(f"/api/v1/commission/queue/{pending}", {"decision": "return", "comment": "请补充体检证明"}, headers=commission)
    api.post(f"/api/v1/applications/{pending}/id-number", headers=commission)
    yield {"tag": tag, "home": home.id, "person": person, "nurse": nurse, "made": made, "users": {
        "person": person["mobile"], "nurse": nurse["mobile"], "institution": inst_user, "commission": com_user}}
    session.close()


def pages_of(world) -> dict[str, list[str]]:
    made = world["made"]
    everything = made["person"] + made["nurse"] + made["institution"]
    return {
        "person": ["/me", "/me/apply", "/me/business", "/me/registration",
                   *(f"/me/applications/{i}" for i in made["person"])],
        "nurse": ["/me", "/me/nurse", "/me/registration", *(f"/me/applications/{i}" for i in made["nurse"])],
        "institution": ["/institution", "/institution/business", "/institution/profile", "/institution/staff",
                        "/institution/staff?profession=nurse", "/institution/notifications", "/institution/batches",
                        "/institution/scope-map", "/institution/verify", "/institution/assessments",
                        "/institution/staff-business/departure_filing", "/institution/staff-business/cancellation",
                        "/institution/nurse-cancellation",
                        *(f"/institution/tasks/{i}" for i in everything)],
        "commission": ["/commission", "/commission?status=all", "/commission/counter", "/commission/search?q=" + world["tag"],
                       "/commission/stats", "/commission/stats?group_by=status", "/commission/accounts", "/commission/audit",
                       "/commission/deliveries", "/commission/institutions/new",
                       *(f"/commission/queue/{i}" for i in everything)],
    }


def test_no_page_of_the_journeys_shows_a_raw_field_name_status_code_or_account_reference(wsgi_app, world):
    found: dict[str, list[str]] = {}
    opened = 0
    for role, paths in pages_of(world).items():
        app = page_session(wsgi_app, world["users"][role])
        for path in paths:
            response = app.get(path, expect_errors=True)
            if response.status_int == 404 and ("/tasks/" in path or "/queue/" in path):
                continue  # not in this desk's view (never routed to a commission, or not its institution's)
            assert response.status_int == 200, (role, path, response.status_int)
            opened += 1
            if bad := leaks(response.text):
                found[f"{role} {path}"] = bad
    assert opened > 60
    assert not found, "raw codes in visible text:\n" + "\n".join(f"{page}: {bad}" for page, bad in found.items())


# --- every page a role reaches by following links -------------------------------------------------------------------

# Not pages: the API, static files, leaving, downloads (PDFs, exports, attachments, an activation code's slip).
NOT_PAGES = re.compile(r"^/(api/|static/|logout)|\.pdf$|/export$|/attachments/\d+$|/activation-code$|/reject$")
# What a person must not read: a machine's time (ISO with T), Python's or JSON's words for nothing and yes/no, a
# template left unfilled.
MACHINE_WORDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:|(?<![A-Za-z])(None|True|False|true|false|null|undefined|NaN)(?![A-Za-z])"
                           r"|\{\{|\}\}")
A_ROUTE_AT_MOST = 8  # pages of one path (queries aside): enough for the filters and a few items, not every cursor


def crawl(app: TestApp, starts: list[str], most: int = 400) -> list[tuple[str, object]]:
    """Every page reached from `starts` by the links of the pages (<a href> on this site), breadth first:
    [(path, response)], a redirect answered as it is and followed."""
    from collections import Counter, deque
    from urllib.parse import urljoin, urlsplit

    seen: set[str] = set()
    queue, reached, per_path = deque(starts), [], Counter()
    while queue and len(reached) < most:
        path = queue.popleft()
        if path in seen or per_path[urlsplit(path).path] >= A_ROUTE_AT_MOST:
            continue
        seen.add(path)
        per_path[urlsplit(path).path] += 1
        response = app.get(path, expect_errors=True)
        reached.append((path, response))
        if response.status_int in (301, 302, 303):
            location = urlsplit(response.location)
            queue.append(location.path + (f"?{location.query}" if location.query else ""))
        elif "html" in (response.content_type or ""):
            for link in response.html.select("a[href]"):
                target = urlsplit(urljoin("http://localhost" + path, link["href"]))
                if target.hostname == "localhost" and not NOT_PAGES.search(target.path):
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return reached


def test_the_crawler_knows_a_machine_word_and_a_download():
    assert MACHINE_WORDS.search("提交于 2026-01-02T03:04:05Z") and MACHINE_WORDS.search("是否校验：True")
    assert MACHINE_WORDS.search("None") and not MACHINE_WORDS.search("Nonexistent 2026-01-02 03:04")
    assert NOT_PAGES.search("/applications/3/receipt.pdf") and not NOT_PAGES.search("/me/applications/3")


@pytest.mark.parametrize("role", ["person", "nurse", "institution", "commission", "anonymous"])
def test_every_page_a_role_reaches_by_its_links_answers_and_speaks_chinese(wsgi_app, world, role):
    """From the home and the role's own end, every link followed: no page answers 404, 403 or 500 (a link the page
    offers leads somewhere the role may go), a redirect leads to no login (the session holds), and no page shows a
    raw code, a machine's time or a machine's word for nothing."""
    app = TestApp(wsgi_app) if role == "anonymous" else page_session(wsgi_app, world["users"][role])
    own = {"person": ["/me"], "nurse": ["/me"], "institution": ["/institution"], "commission": ["/commission"],
           "anonymous": ["/public", "/login", "/signup", "/activate", "/password-reset"]}[role]
    reached = crawl(app, ["/", *own])
    problems: dict[str, list[str]] = {}
    for path, response in reached:
        bad = []
        if response.status_int >= 400:
            bad.append(f"HTTP {response.status_int}")
        elif response.status_int in (301, 302, 303):
            if "/login" in response.location and role != "anonymous":
                bad.append("sent to log in again")
        elif "html" in (response.content_type or ""):
            bad += leaks(response.text)
            bad += sorted({match.group(0) for match in MACHINE_WORDS.finditer(visible_text(response.text))})
            # On a phone a table.cards row is a card: a cell with words and no data-label reads as words from nowhere.
            bad += sorted({f"unlabelled cell: {td.get_text(' ', strip=True)[:20]}" for td in response.html.select("table.cards td")
                           if not td.get("data-label") and td.get_text(strip=True)
                           and not td.select("a.button, button") and td.get_text(strip=True) != "—"})
        if bad:
            problems[path] = bad
    assert len(reached) >= {"person": 20, "nurse": 15, "institution": 30, "commission": 20, "anonymous": 7}[role]
    assert not problems, "\n".join(f"{path}: {bad}" for path, bad in problems.items())


def test_a_missing_value_prints_as_nothing_on_any_page(wsgi_app):
    """The pages' jinja2 environment prints None as nothing (portal.pages.common.finalize): a template that forgets a
    value may be unknown shows a gap, never "None"."""
    from pyramid_jinja2 import IJinja2Environment

    environment = wsgi_app.registry.getUtility(IJinja2Environment, name=".jinja2")
    assert environment.from_string("调离（{{ since }}起）{{ 0 }}{{ '' }}").render(since=None) == "调离（起）0"


def test_form_hints_speak_to_a_person_not_to_a_program(wsgi_app, api, db, settings):
    """The photo field said how the API takes it (base64, a data: prefix); a new person's choices at the counter offered
    不变更 (unchanged) as if something were being changed; the counter's typed staff field said 本机构在册医师."""
    from tests.journeys import commission_desk, page_session, person_account

    clerk, _ = commission_desk(api, db, "110105")
    counter = page_session(wsgi_app, clerk).get("/commission/counter?kind=physician.first_registration")
    blanks = [option.text for option in counter.html.select("#counter-form select option") if not option.get("value")]
    assert blanks and "不变更" not in blanks
    assert "本机构在册" not in counter.text
    person = person_account(db, settings, factories.institution(db).id)
    db.commit()
    session = page_session(wsgi_app, person["mobile"])
    change = session.get("/me/business?kind=physician.info_change")
    assert "base64" not in change.text and "data:" not in change.text and "JPEG 或 PNG" in change.text
    # A person chose their own password at sign-up: it is no 初始密码 (only a handed-out account's is).
    assert "初始密码" not in session.get("/password").html.select_one("label[for=f-old_password]").text
    # An institution field has its own hint beside the search box: not the API's (公开查询结果中的机构编号).
    assert "公开查询结果中的机构编号" not in session.get("/me/business?kind=physician.change").text
