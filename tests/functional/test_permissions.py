"""Who may call what: every JSON API endpoint × every role.

The table must name every view of portal/api (compared with ROUTES and the registered views), so an endpoint
added without a line here fails. For each role the call must answer as the table says — 401 anonymous on a
private endpoint, 403 for a role the endpoint is not for, 404 for another's application, account or task —
and no response may carry data of a person the role has no business seeing.

Calls an allowed role makes are shaped to change nothing (an invalid decision, a closed application, an id
that does not exist), so every role sees the same world.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from webtest import TestApp

from portal.api import ROUTES
from tests import factories
from tests.journeys import login, person_account, staff_account, unique_username

ROLES = ("anonymous", "person_a", "person_b", "person_c", "inst_x", "inst_y", "com_chaoyang", "com_xuhui", "com_beijing")
ROLE_KIND = {"anonymous": None, "person_a": "person", "person_b": "person", "person_c": "person", "inst_x": "institution",
             "inst_y": "institution", "com_chaoyang": "commission", "com_xuhui": "commission", "com_beijing": "commission"}
# Whose personal data each role may see: persons a, b (active) and d (awaiting activation) work at X in Chaoyang
# (110105), c at Y in Xuhui (310104); Beijing (110000) is Chaoyang's parent commission.
MAY_SEE = {"anonymous": set(), "person_a": {"a"}, "person_b": {"b"}, "person_c": {"c"}, "inst_x": {"a", "b", "d"},
           "inst_y": {"c"}, "com_chaoyang": {"a", "b", "d"}, "com_xuhui": {"c"}, "com_beijing": {"a", "b", "d"}}
NOWHERE = 999_999_999
OK = "ok"  # any answer but 401, 403 and 5xx: the caller got past authorisation


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    path: str
    audience: str  # public | authenticated | person | institution | commission
    body: object = None
    expect: dict[str, int | str | tuple] = field(default_factory=dict)  # per-role answers beyond the audience rule

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


def own(owner: str, status: int = 200, **others: int) -> dict:
    """An object of `owner`: the owner gets `status`, every other role of the same kind 404."""
    kind = ROLE_KIND[owner]
    answers = {role: 404 for role, role_kind in ROLE_KIND.items() if role_kind == kind and role != owner}
    return {**answers, owner: status, **others}


APP_A_VIEWERS = {"person_a": 200, "person_b": 404, "person_c": 404, "inst_x": 200, "inst_y": 404,
                 "com_chaoyang": 200, "com_beijing": 200, "com_xuhui": 404}
# Withdrawing or resubmitting: the filer alone; whoever else can read it 403, whoever cannot 404.
CLOSED_APP_OF_A = {"person_a": 409, "person_b": 404, "person_c": 404, "inst_x": 403, "inst_y": 404,
                   "com_chaoyang": 403, "com_xuhui": 404, "com_beijing": 403}

NOT_ADMIN = {"com_chaoyang": 403, "com_xuhui": 403, "com_beijing": 403}

CASES = [
    # public end and account entry points: everyone gets the same answer
    Case("api.login", "POST", "/api/v1/login", "public", {"username": "{spare_login}", "password": "{password}"}, dict.fromkeys(ROLES, 200)),
    Case("api.signup", "POST", "/api/v1/signup", "public", {}, dict.fromkeys(ROLES, 400)),
    Case("api.activate", "POST", "/api/v1/activate", "public", {}, dict.fromkeys(ROLES, 400)),
    Case("api.password_reset.request", "POST", "/api/v1/password-reset/request", "public", {}),
    Case("api.password_reset.confirm", "POST", "/api/v1/password-reset/confirm", "public", {}),
    Case("api.public.search", "GET", "/api/v1/public/physicians?name={name_a}", "public", None, dict.fromkeys(ROLES, 200)),
    Case("api.public.record", "GET", "/api/v1/public/records/{x_identifier}", "public"),
    Case("api.public.history", "GET", "/api/v1/public/records/{x_identifier}/history", "public"),
    Case("api.public.licence", "GET", "/api/v1/public/records/{x_identifier}/licence", "public"),
    Case("api.public.verify_licence", "GET", "/api/v1/public/verify-licence", "public"),
    Case("api.public.licence_keys", "GET", "/api/v1/public/licence-keys", "public", None, dict.fromkeys(ROLES, 200)),
    Case("api.public.feed", "GET", "/api/v1/public/feed", "public", None, dict.fromkeys(ROLES, 200)),
    Case("api.public.bulk", "GET", "/api/v1/public/bulk", "public"),
    Case("api.public.bulk_file", "GET", "/api/v1/public/bulk/no-such-file.csv", "public"),
    Case("api.openapi", "GET", "/api/v1/openapi.json", "public", None, dict.fromkeys(ROLES, 200)),
    Case("api.docs", "GET", "/api/v1/docs", "public", None, dict.fromkeys(ROLES, 200)),
    # every logged-in account
    Case("api.password", "POST", "/api/v1/password", "authenticated", {}),
    # Ends every token of the caller: the test logs each role in again afterwards.
    Case("api.logout", "POST", "/api/v1/logout", "authenticated", {}),
    # Staff bind their own second factor; with no password (enrol) or nothing pending (confirm) nothing changes.
    Case("api.totp.enrol", "POST", "/api/v1/totp/enrol", "authenticated", {}, {f"person_{k}": 403 for k in "abc"}),
    Case("api.totp.confirm", "POST", "/api/v1/totp/confirm", "authenticated", {"otp": "123456"}, {f"person_{k}": 403 for k in "abc"}),
    Case("api.applications", "GET", "/api/v1/applications", "authenticated", None, {r: 200 for r in ROLES if r != "anonymous"}),
    Case("api.applications", "POST", "/api/v1/applications", "authenticated",
         {"kind": "physician.first_registration", "data": {}},
         {"person_a": 400, "person_b": 400, "person_c": 400, "inst_x": 403, "inst_y": 403,
          "com_chaoyang": 403, "com_xuhui": 403, "com_beijing": 403}),
    Case("api.application", "GET", "/api/v1/applications/{app_a}", "authenticated", None, APP_A_VIEWERS),
    Case("api.application.withdraw", "POST", "/api/v1/applications/{app_a_closed}/withdraw", "authenticated", {}, CLOSED_APP_OF_A),
    Case("api.application.resubmit", "POST", "/api/v1/applications/{app_a_closed}/resubmit", "authenticated", {"data": {}}, CLOSED_APP_OF_A),
    # an application's materials, printed documents and the audited ID number: scoped like the application
    Case("api.application.attachments", "GET", "/api/v1/applications/{app_a}/attachments", "authenticated", None, APP_A_VIEWERS),
    Case("api.application.attachments", "POST", "/api/v1/applications/{app_a}/attachments", "authenticated", {},
         {**{r: 404 for r in ROLES if r != "anonymous"}, "person_a": 400}),
    Case("api.application.attachment", "GET", f"/api/v1/applications/{{app_a}}/attachments/{NOWHERE}", "authenticated", None,
         {r: 404 for r in ROLES if r != "anonymous"}),
    Case("api.application.receipt", "GET", "/api/v1/applications/{app_a}/receipt", "authenticated", None, APP_A_VIEWERS),
    Case("api.application.decision", "GET", "/api/v1/applications/{app_a_closed}/decision", "authenticated", None,
         {role: 409 if status == 200 else status for role, status in APP_A_VIEWERS.items()}),
    Case("api.application.id_number", "POST", "/api/v1/applications/{app_a}/id-number", "authenticated", {},
         {**APP_A_VIEWERS, "person_a": 404}),
    Case("api.me.notifications", "GET", "/api/v1/me/notifications", "authenticated", None, {r: 200 for r in ROLES if r != "anonymous"}),
    # personal end
    Case("api.me.registration", "GET", "/api/v1/me/registration", "person", None, {"person_a": 200, "person_b": 200, "person_c": 200}),
    # institution end
    Case("api.institution.accounts", "GET", "/api/v1/institution/accounts", "institution", None, {"inst_x": 200, "inst_y": 200}),
    Case("api.institution.activation_code", "POST", "/api/v1/institution/accounts/{account_a}/activation-code", "institution", {},
         {"inst_x": 409, "inst_y": 404}),
    Case("api.institution.reject_signup", "POST", "/api/v1/institution/accounts/{account_a}/reject", "institution", {},
         {"inst_x": 409, "inst_y": 404}),
    Case("api.institution.tasks", "GET", "/api/v1/institution/tasks", "institution", None, {"inst_x": 200, "inst_y": 200}),
    Case("api.institution.task", "POST", "/api/v1/institution/tasks/{app_b}", "institution", {"decision": "maybe"},
         {"inst_x": 400, "inst_y": 404}),
    Case("api.institution.assessments", "GET", "/api/v1/institution/assessments", "institution"),
    Case("api.institution.profile", "GET", "/api/v1/institution/profile", "institution", None, {"inst_x": 200, "inst_y": 200}),
    Case("api.institution.profile", "PATCH", "/api/v1/institution/profile", "institution", {"phone": []}),
    Case("api.institution.history", "GET", "/api/v1/institution/history", "institution"),
    Case("api.institution.staff", "GET", "/api/v1/institution/staff?profession=physician", "institution", None, {"inst_x": 200, "inst_y": 200}),
    Case("api.institution.staff", "POST", "/api/v1/institution/staff", "institution", {}),
    Case("api.institution.staff_member", "PATCH", f"/api/v1/institution/staff/{NOWHERE}", "institution", {}, {"inst_x": 404, "inst_y": 404}),
    Case("api.institution.staff_member", "DELETE", f"/api/v1/institution/staff/{NOWHERE}", "institution", None, {"inst_x": 404, "inst_y": 404}),
    Case("api.institution.scope_map", "GET", "/api/v1/institution/scope-map", "institution", None, {"inst_x": 200, "inst_y": 200}),
    Case("api.institution.scope_map", "PUT", "/api/v1/institution/scope-map", "institution", {"map": "不是对象"}),
    Case("api.institution.webhook", "PUT", "/api/v1/institution/webhook", "institution", {}),
    Case("api.institution.webhook", "DELETE", "/api/v1/institution/webhook", "institution"),
    Case("api.institution.batches", "POST", "/api/v1/institution/batches", "institution", {}),
    Case("api.institution.batches", "GET", "/api/v1/institution/batches", "institution"),
    Case("api.institution.batch", "GET", f"/api/v1/institution/batches/{NOWHERE}", "institution", None, {"inst_x": 404, "inst_y": 404}),
    Case("api.verify.physician_qualification", "GET", "/api/v1/verify/physician-qualification?certificate_no={cert_other}&name={name_other}",
         "institution", None, {"inst_x": 200, "inst_y": 200}),
    Case("api.verify.registration", "GET", "/api/v1/verify/registration?identifier={x_identifier}", "institution"),
    Case("api.verify.institutions", "GET", "/api/v1/verify/institutions?name={x_name}", "institution"),
    # commission end
    Case("api.commission.queue", "GET", "/api/v1/commission/queue", "commission", None,
         {"com_chaoyang": 200, "com_xuhui": 200, "com_beijing": 200}),
    Case("api.commission.item", "GET", "/api/v1/commission/queue/{app_a}", "commission", None,
         {"com_chaoyang": 200, "com_beijing": 200, "com_xuhui": 404}),
    Case("api.commission.item", "POST", "/api/v1/commission/queue/{app_a}", "commission", {"decision": "maybe"},
         {"com_chaoyang": 400, "com_beijing": 403, "com_xuhui": 404}),
    Case("api.commission.decisions", "POST", "/api/v1/commission/queue/decisions", "commission", {}),
    Case("api.commission.counter", "POST", "/api/v1/commission/counter", "commission", {}),
    Case("api.commission.institutions", "POST", "/api/v1/commission/institutions", "commission", {}),
    # Institution X already has its account (inst_x): its commissions get 409 and nothing changes; Xuhui's is told nothing.
    Case("api.commission.institution.account", "POST", "/api/v1/commission/institutions/{x_id}/account", "commission",
         {"mobile": "13800000000"}, {"com_chaoyang": 409, "com_beijing": 409, "com_xuhui": 404}),
    Case("api.commission.follow_ups", "GET", "/api/v1/commission/follow-ups", "commission"),
    Case("api.commission.accounts", "GET", "/api/v1/commission/accounts", "commission"),
    # Staff accounts are for commission administrators only; none of these commission accounts is one.
    Case("api.commission.accounts", "POST", "/api/v1/commission/accounts", "commission", {},
         {"com_chaoyang": 403, "com_xuhui": 403, "com_beijing": 403}),
    # Only administrators manage accounts (docs/security.md); the commission roles here are not administrators.
    Case("api.commission.account.disable", "POST", f"/api/v1/commission/accounts/{NOWHERE}/disable", "commission", {},
         NOT_ADMIN),
    Case("api.commission.account.enable", "POST", "/api/v1/commission/accounts/{account_inst_x}/enable", "commission", {},
         NOT_ADMIN),
    Case("api.commission.account.password_reset", "POST", f"/api/v1/commission/accounts/{NOWHERE}/password-reset", "commission", {},
         NOT_ADMIN),
    Case("api.commission.account_requests", "GET", "/api/v1/commission/account-requests", "commission", None, NOT_ADMIN),
    Case("api.commission.account_request.approve", "POST", f"/api/v1/commission/account-requests/{NOWHERE}/approve", "commission",
         {}, NOT_ADMIN),
    # Person a works in Chaoyang: Chaoyang and Beijing find them (with the ID number), Xuhui gets an empty answer.
    Case("api.commission.search", "GET", "/api/v1/commission/search?q={name_a}", "commission", None,
         {"com_chaoyang": 200, "com_xuhui": 200, "com_beijing": 200}),
    Case("api.commission.stats", "GET", "/api/v1/commission/stats?group_by=status", "commission"),
    Case("api.commission.stats.registers", "GET", "/api/v1/commission/stats/registers", "commission"),
    Case("api.commission.stats.processing", "GET", "/api/v1/commission/stats/processing", "commission"),
    Case("api.commission.stats.backlog", "GET", "/api/v1/commission/stats/backlog", "commission"),
    Case("api.commission.export", "GET", "/api/v1/commission/export", "commission"),
    # The register of the caller's jurisdiction (no ID numbers, no mobiles): Xuhui's holds nothing of Chaoyang's.
    Case("api.commission.register_export", "GET", "/api/v1/commission/registers/export?register=physicians", "commission",
         None, {"com_chaoyang": 200, "com_xuhui": 200, "com_beijing": 200}),
    Case("api.commission.assessments", "POST", "/api/v1/commission/assessments", "commission", {"file": "不是上传的文件"}),
    Case("api.commission.audit", "GET", "/api/v1/commission/audit", "commission"),
    Case("api.commission.deliveries", "GET", "/api/v1/commission/deliveries", "commission"),
]


def registered_views(wsgi_app) -> set[tuple[str, str]]:
    """(route, method) of every JSON API view the portal registers."""
    views = set()
    for item in wsgi_app.registry.introspector.get_category("views"):
        view = item["introspectable"]
        route = view["route_name"]
        if route and route.startswith("api."):
            methods = view["request_methods"] or ("GET",)
            for method in (methods,) if isinstance(methods, str) else methods:
                views.add((route, method))
    return views


def test_the_table_covers_every_endpoint(wsgi_app):
    covered = {(case.route, case.method) for case in CASES}
    assert {case.route for case in CASES} == {name for name, _ in ROUTES}
    assert registered_views(wsgi_app) - covered == set(), "endpoints without a permission test"
    assert covered - registered_views(wsgi_app) == set(), "table rows for endpoints that do not exist"


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    """Two institutions, three commissions, four persons and their applications, written directly."""
    from models.db import session_factory

    db = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    x = factories.institution(db, name=factories.unique_name("权限甲院"), division="110105")
    y = factories.institution(db, name=factories.unique_name("权限乙院"), division="310104")
    persons = {key: person_account(db, settings, inst.id) for key, inst in (("a", x), ("b", x), ("c", y))}
    persons["d"] = person_account(db, settings, x.id, status="pending_activation")
    a, b, c = persons["a"], persons["b"], persons["c"]
    app_a = factories.application(db, a["person_id"], a["account_id"], x.id, a["certificate_no"], "pending_approval", "110105")
    app_a_closed = factories.application(db, a["person_id"], a["account_id"], x.id, a["certificate_no"], "rejected", "110105")
    app_b = factories.application(db, b["person_id"], b["account_id"], x.id, b["certificate_no"], "awaiting_institution")
    factories.application(db, c["person_id"], c["account_id"], y.id, c["certificate_no"], "pending_approval", "310104")
    name_other = factories.unique_name("王")
    cert_other = factories.qualification(db, settings, name_other, factories.resident_id())
    usernames = {role: unique_username(role) for role in ("inst_x", "inst_y", "com_chaoyang", "com_xuhui", "com_beijing", "spare")}
    inst_x = staff_account(db, "institution", usernames["inst_x"], institution_id=x.id)
    staff_account(db, "institution", usernames["inst_y"], institution_id=y.id)
    for role, division in (("com_chaoyang", "110105"), ("com_xuhui", "310104"), ("com_beijing", "110000"), ("spare", "310104")):
        staff_account(db, "commission", usernames[role], division=division)
    db.commit()
    def log_in_all() -> dict:
        return {"anonymous": {}, **{f"person_{k}": login(api, persons[k]["mobile"]) for k in "abc"},
                **{role: login(api, usernames[role]) for role in ROLES if role in usernames}}

    headers = log_in_all()
    values = {
        "app_a": app_a.id, "app_a_closed": app_a_closed.id, "app_b": app_b.id, "account_a": a["account_id"],
        "account_inst_x": inst_x.id, "x_id": x.id, "x_identifier": x.identifier, "x_name": x.name, "name_a": a["name"],
        "name_other": name_other, "cert_other": cert_other, "spare_login": usernames["spare"], "password": "Passw0rd-2026",
    }
    markers = {key: [p["name"], p["mobile"], p["id_number"]] + ([p["certificate_no"]] if p["certificate_no"] else [])
               for key, p in persons.items()}
    yield {"api": api, "headers": headers, "values": values, "markers": markers, "log_in_all": log_in_all}
    db.close()


def fill(template: object, values: dict, in_url: bool = False) -> object:
    if isinstance(template, str):
        return template.format(**{k: quote(str(v)) for k, v in values.items()} if in_url else values)
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    return template


def call(api: TestApp, case: Case, headers: dict, values: dict):
    path, body = fill(case.path, values, in_url=True), fill(case.body, values)
    if case.method == "GET":
        return api.get(path, headers=headers, expect_errors=True)
    if case.method == "DELETE":
        return api.delete(path, headers=headers, expect_errors=True)
    send = {"POST": api.post_json, "PUT": api.put_json, "PATCH": api.patch_json}[case.method]
    return send(path, body if body is not None else {}, headers=headers, expect_errors=True)


def expected(case: Case, role: str):
    if role in case.expect:
        return case.expect[role]
    if case.audience == "public":
        return OK
    if role == "anonymous":
        return 401
    if case.audience == "authenticated" or ROLE_KIND[role] == case.audience:
        return OK
    return 403


def matches(status: int, wanted) -> bool:
    if wanted == OK:
        return status not in (401, 403) and status < 500
    if isinstance(wanted, tuple):
        return status in wanted
    return status == wanted


def readable(response) -> str:
    """The answer as text to look for personal data in: JSON as Chinese, a PDF's text, anything else decoded."""
    if response.content_type == "application/json":
        return json.dumps(response.json, ensure_ascii=False)
    if response.content_type == "application/pdf":
        from pypdf import PdfReader

        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.body)).pages)
    return response.body.decode("utf-8", errors="replace")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_endpoint_answers_each_role_as_it_should(world, case):
    wrong, leaks, public_answers = [], [], set()
    for role in ROLES:
        response = call(world["api"], case, world["headers"][role], world["values"])
        if not matches(response.status_int, expected(case, role)):
            wrong.append(f"{role}: {response.status_int}, expected {expected(case, role)}: {response.text[:200]}")
        text = readable(response)
        for person, markers in world["markers"].items():
            if person not in MAY_SEE[role] and any(marker in text for marker in markers):
                leaks.append(f"{role} sees data of person {person}")
        if case.audience == "public":
            public_answers.add(response.status_int)
    if case.route == "api.logout":
        world["headers"] = world["log_in_all"]()
    assert wrong == [] and leaks == []
    assert len(public_answers) <= 1, f"a public endpoint answers differently by role: {public_answers}"
