"""/api/v1/openapi.json: valid OpenAPI 3.1, describes exactly what the app serves, and the shapes it answers."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from pyramid.static import static_view

from pipeline import codes
from pipeline.kinds import KINDS
from tests import factories
from tests.journeys import PASSWORD, activate, login, physician_signup, staff_account

IGNORED_METHODS = {"HEAD", "OPTIONS"}
PLACEHOLDER = re.compile(r"\{(\w+)(?::([^{}]+))?\}")


@pytest.fixture(scope="module")
def document(wsgi_app):
    from webtest import TestApp

    return TestApp(wsgi_app).get("/api/v1/openapi.json").json


def openapi_paths(pattern: str) -> list[str]:
    """A Pyramid route pattern as OpenAPI paths: `{id:\\d+}` → `{id}`, `{kind:a|b}` → one path per literal."""
    match = PLACEHOLDER.search(pattern)
    if match is None:
        return [pattern]
    name, regex = match.groups()
    head, tail = pattern[: match.start()], pattern[match.end() :]
    if regex and re.fullmatch(r"\w+(\|\w+)*", regex):
        return [path for literal in regex.split("|") for path in openapi_paths(head + literal + tail)]
    return [head + "{" + name + "}" + path for path in openapi_paths(tail)]


def served_operations(settings) -> set[tuple[str, str]]:
    """(path, METHOD) of every view on a route under /api/v1, read from Pyramid's introspector."""
    from portal import make_config

    config = make_config({}, settings)
    config.commit()
    introspector = config.registry.introspector
    patterns = {item["introspectable"]["name"]: item["introspectable"]["pattern"] for item in introspector.get_category("routes")}
    served = set()
    for item in introspector.get_category("views"):
        view = item["introspectable"]
        if isinstance(view["callable"], static_view):
            continue  # static files (Swagger UI's under /api/v1/docs/static/) are no operations of the API
        pattern = patterns.get(view["route_name"] or "")
        if pattern is None or not ("/" + pattern.lstrip("/")).startswith("/api/v1/"):
            continue
        methods = view["request_methods"]
        methods = ["ANY"] if methods is None else [methods] if isinstance(methods, str) else list(methods)
        served |= {(path, method) for path in openapi_paths(pattern) for method in methods if method not in IGNORED_METHODS}
    return served


def described_operations(document: dict) -> set[tuple[str, str]]:
    verbs = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
    return {(path, verb.upper()) for path, item in document["paths"].items() for verb in item if verb in verbs}


def test_the_served_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_served_route_and_method_is_described_and_nothing_else(document, settings):
    served, described = served_operations(settings), described_operations(document)
    assert served, "no API views found by introspection"
    assert not served - described, f"served but not in openapi.json: {sorted(served - described)}"
    assert not described - served, f"in openapi.json but not served: {sorted(described - served)}"


def test_every_kind_is_offered_and_first_registration_data_follows_the_code_lists(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["Submission"]["discriminator"]["mapping"]) == set(KINDS)
    data = schemas["Data.physician.first_registration"]
    assert data["properties"]["practice_category"]["enum"] == codes.practice_categories()
    assert set(data["required"]) == {"certificate_no", "practice_category", "practice_scope", "institution_id"}
    submit = conforms_to(document, {"$ref": "#/components/schemas/Submission"})
    good = {"kind": "physician.first_registration", "data": {
        "certificate_no": "201111000000001", "practice_category": "临床", "practice_scope": ["内科专业", "儿科专业"], "institution_id": 3}}
    assert submit(good) == []
    assert submit({**good, "data": {**good["data"], "practice_scope": "火星医学专业"}})
    assert submit({**good, "data": {**good["data"], "ward": "3"}})
    assert submit({**good, "kind": "physician.time_travel"})


# --- the answers the app really gives match the document ----------------------------------------


def conforms_to(document: dict, schema: dict):
    """A function giving the validation errors of an instance against `schema` (refs into the document)."""
    validator = OAS31Validator({**schema, "components": document["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER)
    return lambda instance: [error.message for error in validator.iter_errors(instance)]


def response_schema(document: dict, path: str, method: str, status: int) -> dict:
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, which the document does not list"
    response = responses[str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


class Checked:
    """WebTest calls whose answers must be listed under their operation and match its schema."""

    def __init__(self, api, document: dict) -> None:
        self.api, self.document = api, document

    def __call__(self, method: str, template: str, status: int, headers: dict | None = None, body: dict | None = None, **values):
        url = template.format(**values)
        if method == "GET":
            response = self.api.get(url, headers=headers or {}, status=status)
        else:
            response = self.api.post_json(url, body or {}, headers=headers or {}, status=status)
        errors = conforms_to(self.document, response_schema(self.document, template.split("?")[0], method, status))(response.json)
        assert errors == [], f"{method} {url} → {status} does not match the document: {errors}"
        return response.json


def test_answers_of_a_journey_match_the_document(api, db, settings, document):
    check = Checked(api, document)
    hospital = factories.institution(db, name="海淀文档医院", division="110108")
    staff_account(db, "institution", "openapi-hospital", institution_id=hospital.id)
    staff_account(db, "commission", "openapi-haidian", division="110108")
    db.commit()

    check("POST", "/api/v1/signup", 400, body={"profession": "physician"})
    check("POST", "/api/v1/login", 401, body={"username": "nobody", "password": PASSWORD})
    check("GET", "/api/v1/applications", 401)
    person = physician_signup(api, hospital.id, name="文档医生")
    hospital_headers = login(api, "openapi-hospital")
    check("GET", "/api/v1/institution/accounts", 200, headers=hospital_headers)
    activate(api, hospital_headers, person)
    check("POST", "/api/v1/institution/accounts/{id}/activation-code", 409, headers=hospital_headers, id=person["account_id"])
    me = {"Authorization": "Bearer " + check("POST", "/api/v1/login", 200, body={"username": person["mobile"], "password": PASSWORD})["token"]}

    # A genuine qualification keeps the application open and withdrawable even if workers of another test run.
    certificate_no = factories.qualification(db, settings, person["name"], person["id_number"])
    db.commit()
    submission = {"kind": "physician.first_registration", "data": {
        "certificate_no": certificate_no, "practice_category": "临床", "practice_scope": "内科专业", "institution_id": hospital.id}}
    check("POST", "/api/v1/applications", 400, headers=me, body={"kind": "physician.first_registration", "data": {}})
    created = check("POST", "/api/v1/applications", 201, headers=me, body=submission)
    check("POST", "/api/v1/applications", 409, headers=me, body=submission)
    check("GET", "/api/v1/applications", 200, headers=me)
    check("GET", "/api/v1/applications/{id}", 200, headers=me, id=created["id"])
    check("GET", "/api/v1/me/registration", 200, headers=me)
    check("GET", "/api/v1/me/notifications", 200, headers=me)
    check("GET", "/api/v1/institution/tasks", 403, headers=me)
    check("GET", "/api/v1/institution/tasks", 200, headers=hospital_headers)
    check("POST", "/api/v1/applications/{id}/resubmit", 409, headers=me, body={"data": submission["data"]}, id=created["id"])
    check("POST", "/api/v1/applications/{id}/withdraw", 200, headers=me, id=created["id"])

    commission = login(api, "openapi-haidian")
    check("GET", "/api/v1/commission/queue", 200, headers=commission)
    check("GET", "/api/v1/commission/queue?status=nonsense", 400, headers=commission)
    check("GET", "/api/v1/commission/queue/{id}", 404, headers=commission, id=created["id"])

    check("GET", "/api/v1/public/institutions?limit=0", 400)
    check("GET", "/api/v1/public/physicians?name=" + quote("文档"), 200)
    check("GET", "/api/v1/public/records/{identifier}", 404, identifier="D11010820269999999X")
    check("GET", "/api/v1/public/feed?limit=5", 200)


# --- one source: the kinds and the request models of the views are what the document refers to -------------


def reachable(document: dict, name: str) -> set[str]:
    """The component schemas `name` refers to, directly or through others (itself included)."""
    schemas, seen, todo = document["components"]["schemas"], set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        text = str(schemas[current])
        todo += re.findall(r"#/components/schemas/([^'\"]+)", text)
    return seen


def test_every_kind_has_its_data_schema_reachable_from_the_submission_schemas(document):
    schemas = document["components"]["schemas"]
    data = {f"Data.{name}" for name in KINDS}
    assert data <= set(schemas)
    assert {name for name in reachable(document, "Submission") if name.startswith("Data.")} == data
    counter = {f"Data.{name}" for name, kind in KINDS.items() if kind.counter}
    assert counter and {name for name in reachable(document, "CounterEntry") if name.startswith("Data.")} == counter
    for name, kind in KINDS.items():
        assert schemas[f"Data.{name}"]["title"] == kind.label
        assert set(schemas[f"Data.{name}"]["properties"]) == set(kind.data.model_fields)


BODY_OF = re.compile(r"body_of\(request, ([\w.]+)")


def view_request_models(settings) -> dict[tuple[str, str], type]:
    """(path, METHOD) → the model the view validates its JSON body with (`body_of(request, Model)`)."""
    import inspect

    from portal import make_config

    config = make_config({}, settings)
    config.commit()
    introspector = config.registry.introspector
    patterns = {item["introspectable"]["name"]: item["introspectable"]["pattern"] for item in introspector.get_category("routes")}
    found = {}
    for item in introspector.get_category("views"):
        view = item["introspectable"]
        pattern = patterns.get(view["route_name"] or "")
        if pattern is None or not pattern.startswith("/api/v1/") or isinstance(view["callable"], static_view):
            continue
        source = inspect.getsource(view["callable"])
        assert "json_body(" not in source, f"{view['callable'].__name__} reads its body without a model (use body_of)"
        for name in BODY_OF.findall(source):
            model = view["callable"].__globals__[name.split(".")[0]]
            for part in name.split(".")[1:]:
                model = getattr(model, part)
            methods = view["request_methods"]
            for path in openapi_paths(pattern):
                for method in [methods] if isinstance(methods, str) else methods:
                    found[(path, method)] = model
    return found


def test_every_request_model_of_a_view_is_the_request_body_of_its_operation(document, settings):
    models = view_request_models(settings)
    assert len(models) >= 20, models
    for (path, method), model in models.items():
        body = document["paths"][path][method.lower()].get("requestBody")
        assert body is not None, f"{method} {path} validates its body with {model.__name__}, but the document shows no body"
        assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}
        assert model.__module__.startswith("pipeline."), f"{model.__name__}: request models live in pipeline/"
        assert model.__name__ in document["components"]["schemas"]
    described = {(path, verb.upper()) for path, item in document["paths"].items() for verb, op in item.items()
                 if "application/json" in op.get("requestBody", {}).get("content", {})}
    assert described == set(models), "a JSON request body in the document that no view validates with its model"


def test_the_public_records_of_the_document_are_the_allow_list(document):
    from publisher.allowlist import NESTED_FIELDS, PUBLIC_FIELDS

    schemas = document["components"]["schemas"]
    for kind, name in (("physician", "PhysicianRecord"), ("nurse", "NurseRecord"), ("institution", "InstitutionRecord")):
        assert set(schemas[name]["properties"]) == PUBLIC_FIELDS[kind], name
        assert schemas[name]["additionalProperties"] is False
    assert set(schemas["PracticePlace"]["properties"]) == NESTED_FIELDS["institutions"]
    assert set(schemas["RegisteringAuthority"]["properties"]) == NESTED_FIELDS["registering_authority"]


def test_optional_answer_fields_are_nullable_only_where_the_server_may_say_null(document):
    schemas = document["components"]["schemas"]
    login = schemas["LoginResult"]
    assert {"type": "null"} in login["properties"]["institution_id"]["anyOf"]  # required, and null for a commission
    assert "institution_id" in login["required"]
    assert "name" not in login["required"] and "anyOf" not in login["properties"]["name"]  # left out, never null
    signup = schemas["SignUp"]
    assert "anyOf" not in str(signup)  # a request field is described as what it takes when given
