"""The commission's audit log page reads in Chinese for every action the code records: each action, found by reading
the source for its audit calls, has a label and a choice in the 操作 filter; actors, targets and details are named,
and no cell shows a code or falls back to 其他."""
from __future__ import annotations

import ast
import re
import uuid
from pathlib import Path

import pytest

from models.audit import audit
from pipeline.kinds import KINDS
from pipeline.lifecycle import Actor, transitions
from portal.services.audit_log import ACTION_LABELS
from tests import factories
from tests.journeys import page_session, person_account, staff_account

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("models", "pipeline", "publisher", "workers", "portal")
DIVISIONS = [("530000", "云南省", None), ("530100", "昆明市", "530000"), ("530102", "五华区", "530100")]
DIVISION = "530102"
# Actions whose name is formatted: what each prefix is completed with.
DECISIONS = {"institution_": ("confirm", "return"), "commission_": ("approve", "reject", "return")}
SERVICES = {"system_issued": "国家赋码服务", "system_published": "公示服务"}  # the rest: 核验服务 (workers/)
SYSTEM_MOVES = {f"system_{target}" for kind in KINDS for (_, target), actors in transitions(kind).items()
                if Actor.system.value in actors}


def _names(node: ast.expr, where: str, assigned: dict[str, list[ast.expr]]) -> set[str]:
    """The action names an expression can be: a string, either branch of a conditional, a formatted name, or a
    variable assigned one of these in the same module."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _names(node.body, where, assigned) | _names(node.orelse, where, assigned)
    if isinstance(node, ast.Name) and assigned.get(node.id):
        return {name for value in assigned[node.id] for name in _names(value, where, assigned)}
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        prefix = node.values[0].value
        if prefix == "system_":
            return SYSTEM_MOVES
        if prefix in DECISIONS:
            return {prefix + decision for decision in DECISIONS[prefix]}
    raise AssertionError(f"{where}: an audit action this test cannot read ({ast.unparse(node)}); teach it")


def recorded_actions() -> set[str]:
    """Every action an audit call of the application writes: audit(session, actor, action, …) and
    write_audit(…), and AuditEntry(action=…) or insert(AuditEntry).values(action=…)."""
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "models" / "audit.py":  # audit() itself passes its action on
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            assigned: dict[str, list[ast.expr]] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, []).append(node.value)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if name in ("audit", "write_audit") and len(node.args) >= 3:
                    found |= _names(node.args[2], where, assigned)
                elif name in ("AuditEntry", "values", "audit", "write_audit"):
                    found |= {n for k in node.keywords if k.arg == "action" for n in _names(k.value, where, assigned)}
    return found


def test_the_scan_finds_the_actions_of_each_kind_of_call():
    actions = recorded_actions()
    assert {"login", "search_by_id_number", "system_routed", "system_published", "import", "export_register",
            "commission_approve", "institution_return", "create_account", "publish"} <= actions


def test_every_recorded_action_has_a_chinese_label():
    assert sorted(recorded_actions() - set(ACTION_LABELS)) == []
    assert all(not re.search(r"[a-z_]", label) for label in ACTION_LABELS.values())


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    """A commission of its own with one entry of every recorded action, written as the code writes it."""
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    for code, name, parent in DIVISIONS:
        factories.division(session, code, name, parent)
    number = uuid.uuid4().int % 10**8
    desk = staff_account(session, "commission", f"审计{number}", division=DIVISION)
    other = staff_account(session, "commission", f"科员{number}", division=DIVISION)
    institution = factories.institution(session, name=f"五华审计医院{number}", division=DIVISION)
    institution_desk = staff_account(session, "institution", f"机构{number}", institution_id=institution.id)
    session.commit()
    person = person_account(session, settings, institution.id, name=factories.unique_name("审"))
    session.commit()
    a, p, i = f"account:{desk.id}", f"account:{person['account_id']}", f"account:{institution_desk.id}"
    application, place = "application:1", f"institution:{institution.id}"
    moved = {"kind": "physician.first_registration", "identifier": "D53010220260000001X"}
    samples: dict[str, list[tuple[str, str, dict]]] = {
        "signup": [(f"person:{person['account_id']}", p, {})],
        "signup_refused": [("anonymous", f"person:{person['person_id']}", {"reason": "id_number"}),
                           ("anonymous", f"person:{person['person_id']}", {"reason": "mobile"})],
        "activation_code": [(f"institution:{institution_desk.id}", p, {})],
        "signup_rejected": [(f"institution:{institution_desk.id}", p, {})],
        "signup_expired": [("anonymous", p, {})],
        "activate": [(f"person:{person['account_id']}", p, {})],
        "login": [(a, a, {"via": "page"}), (a, a, {"via": "api"})],
        "login_failed": [("client:10.0.0.8", "login", {"reason": reason})
                         for reason in ("unauthorized", "invalid", "locked", "rate_limited", "not_activated", "disabled")],
        "logout": [(a, a, {"via": "page"})],
        "password_change": [(i, i, {})],
        "password_reset_requested": [(p, p, {"client": "10.0.0.8"})],
        "password_reset": [(p, p, {"client": "10.0.0.8"})],
        "totp_enrol": [(a, a, {})],
        "totp_enrolled": [(a, a, {}), ("cli:root", a, {"replaced": True})],
        "submit": [(p, application, {"kind": "physician.first_registration"})],
        "counter": [(a, application, {"kind": "nurse.renewal"})],
        "batch_upload": [(i, "batch:7", {"rows": 12})],
        "attach_material": [(p, application, {"material": "health_certificate", "attachment_id": 3, "sha256": "ab" * 32, "size": 2048})],
        "withdraw": [(p, application, {})],
        "resubmit": [(p, application, {})],
        "reveal_id_number": [(a, f"person:{person['person_id']}", {"application_id": 1, "name": person["name"]}),
                             (a, "persons", {"persons": [person["person_id"]]})],
        **{f"institution_{d}": [(i, application, {})] for d in DECISIONS["institution_"]},
        **{f"commission_{d}": [(a, application, {})] for d in DECISIONS["commission_"]},
        **{move: [(f"system:{SERVICES.get(move, '核验服务')}", application, moved)] for move in SYSTEM_MOVES},
        "system_routed": [("system:分派服务", application, {})],
        "publish": [("system:publisher", "physician:D53010220260000001X", {"version": 2, "status": "filed"}),
                    ("system:publisher", f"institution:J{DIVISION}20260000001X", {"version": 1, "status": "operating"})],
        "nurse_registration_expired": [("system:expiry", "nurse:N53010220260000001X", {"until": "2026-01-01"})],
        "short_term_practice_lapsed": [("system:expiry", "physician:57", {})],
        "institution_verification_state": [("system:校验提醒服务", place, {"state": "due", "was": ""}),
                                           ("system:校验提醒服务", place, {"state": "overdue", "was": "due"})],
        "import": [("command:medreg import", f"register:{kind}", {"loaded": 10, "refused": 1, "published": 9, "applied": True})
                   for kind in ("physician-qualifications", "assessments", "physicians")],
        "upload_assessments": [(a, "assessments", {"loaded": 3, "refused": 0, "filename": "定期考核结果.CSV"})],
        "export_register": [(a, "register:nurses", {"register": "nurses", "format": "xlsx", "rows": 5})],
        "institution_handout": [(a, place, {"account_id": institution_desk.id, "sent_to": "138****0064"})],
        "institution_info_update": [(i, place, {"changed": ["phone", "beds"]})],
        "institution_scope_map": [(i, place, {"map": {"内科": ["内科专业", "全科医学专业"]}})],
        "institution_webhook": [(i, place, {"url": "https://hook.example.org/medreg"})],
        "institution_webhook_removed": [(i, place, {})],
        "search": [(a, "persons", {"query": "武清", "results": 5})],
        "search_by_id_number": [(a, "persons", {"query": "11**************34", "results": 1})],
        "create_account": [("cli:root", f"account:{other.id}", {"role": "commission", "username": other.username, "admin": True,
                                                               "totp": False})],
        "create_staff_account": [(a, f"account:{other.id}", {"username": other.username, "admin": False})],
        "enable_account": [(a, f"account:{other.id}", {"username": other.username})],
        "disable_account": [(a, f"account:{other.id}", {"username": other.username})],
        "reset_password": [(a, f"account:{other.id}", {"username": other.username, "sent_to": "138****0064"})],
        "reset_password_requested": [(a, f"account:{other.id}", {"username": other.username, "sent_to": "138****0064",
                                                                 "request_id": 4})],
        "reset_password_approved": [(a, f"account:{other.id}", {"request_id": 4, "requested_by": other.id})],
    }
    for action, entries in samples.items():
        for actor, target, detail in entries:
            audit(session, actor, action, target, DIVISION, **detail)
    session.commit()
    app = page_session(wsgi_app, desk.username)  # its login is one more entry
    yield {"app": app, "samples": samples, "names": {desk.username, other.username, institution_desk.username, person["name"],
                                                     institution.name}}
    session.close()


def test_the_world_writes_every_recorded_action(world):
    assert set(world["samples"]) == recorded_actions()


def table(page) -> list[dict[str, str]]:
    return [{td["data-label"]: td.text.strip() for td in row.select("td")} for row in page.html.select("table.audit tbody tr")]


def test_no_cell_shows_a_code_or_an_unknown(world):
    rows = table(world["app"].get("/commission/audit"))
    assert len(rows) == sum(map(len, world["samples"].values())) + 1
    # What a person typed or an operating system named stays as it is: the operator `root`, the webhook's address.
    typed = re.compile(r"\(root\)|（root）|https://hook\.example\.org/medreg")
    found = {f"#{row['编号']} {label}: {text}" for row in rows for label, text in row.items()
             if re.search(r"[a-z_]{3,}", typed.sub("", text)) or "其他" in text or "account:" in text}
    assert not found, "\n".join(sorted(found))


def test_actors_targets_and_details_are_named(world):
    rows = table(world["app"].get("/commission/audit"))
    by_action: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_action.setdefault(row["操作"], []).append(row)
    published = by_action["推送公示"][0]
    assert published["操作者"] == "系统（公示服务）" and published["对象"] == "申请 #1"
    assert published["详情"] == "业务类型：医师首次注册；识别码：D53010220260000001X"
    assert {r["操作者"] for r in by_action["发布公示版本"]} == {"系统（公示服务）"}
    assert {r["对象"] for r in by_action["发布公示版本"]} == {"医师注册 D53010220260000001X", f"医疗机构 J{DIVISION}20260000001X"}
    assert "登记状态：备案（非在册）" in by_action["发布公示版本"][-1]["详情"]
    assert {r["操作者"] for r in by_action["绑定动态口令"]} >= {"命令行（root）"}
    assert by_action["导入数据"][0]["操作者"] == "命令行（数据导入）"
    assert by_action["综合查询"][0] == {**by_action["综合查询"][0], "对象": "人员信息", "详情": "查询内容：武清；查到条数：5"}
    assert {r["详情"] for r in by_action["登录"]} >= {"登录方式：网页", "登录方式：接口"}
    assert by_action["登录失败"][0]["操作者"] == "未登录访问者（10.0.0.8）"
    assert by_action["拒绝实名注册"][0]["操作者"] == "未登录访问者"
    assert "原因：用户名、密码或动态口令错误" in {r["详情"] for r in by_action["登录失败"]}
    assert by_action["导出登记名册"][0]["对象"] == "护士注册名册" and "文件格式：XLSX" in by_action["导出登记名册"][0]["详情"]
    assert by_action["医疗机构校验到期提醒"][0]["详情"] == "校验提醒：已逾期；原校验提醒：即将到期"


def test_the_filter_offers_every_recorded_action_by_its_label(world):
    page = world["app"].get("/commission/audit")
    options = {o["value"]: o.text for o in page.html.select("#f-action option") if o["value"]}
    assert set(options) >= recorded_actions()
    assert options["search_by_id_number"] == "按证件号码查询"
    filtered = table(world["app"].get("/commission/audit", params={"action": "search_by_id_number"}))
    assert [row["操作"] for row in filtered] == ["按证件号码查询"]


def test_the_page_tells_the_clerk_what_to_do_not_an_operators_command(world):
    """The heading named `medreg audit verify`, a command a clerk has no shell to run (docs/operations.md keeps it)."""
    html = world["app"].get("/commission/audit").html
    note = html.select_one("#chain-note").text
    html.select_one("table.audit").decompose()  # the entries themselves hold what was recorded (a webhook's address)
    assert not re.search(r"medreg|celery", html.text) and html.select("code") == []
    assert "联系系统运维人员" in note


def test_the_division_reads_by_its_name_with_its_code(world):
    """The 行政区划 column showed a bare six-digit code; the statistics name it 五华区（530102）, and so does this page."""
    name = next(name for code, name, _ in DIVISIONS if code == DIVISION)
    assert {row["行政区划"] for row in table(world["app"].get("/commission/audit"))} == {f"{name}（{DIVISION}）"}


def test_a_refused_filter_lists_nothing_rather_than_the_whole_log(wsgi_app, api, db):
    """Under a refused filter the unfiltered log would read as the filter's result: nothing is listed, the reason is
    beside the field and the page offers to clear the filter."""
    from tests.journeys import commission_desk, page_session

    clerk, _ = commission_desk(api, db, "110105")
    page = page_session(wsgi_app, clerk).get("/commission/audit", {"since": "abc", "until": "2026-02-30"}, status=400)
    assert page.html.select_one("#filter-refused") is not None and not page.html.select("table.audit")
    assert "共" not in page.html.select_one("h1").text
    assert "如 2026-01-31" in page.text
