"""GET /api/v1/docs in Chromium: Swagger UI renders every operation of the OpenAPI 3.1 document."""
from __future__ import annotations

from webtest import TestApp


def test_chromium_shows_every_operation_under_a_strict_content_security_policy(wsgi_app, portal_url, browser):
    """Swagger UI 5 renders the OpenAPI 3.1 document (the 4.x of `swagger-ui-bundle` refuses 3.1), with the
    policy a later security header may set, talking to the portal alone."""
    document = TestApp(wsgi_app).get("/api/v1/openapi.json").json
    operations = sum(1 for item in document["paths"].values() for verb in item if verb in {"get", "post", "put", "patch", "delete"})
    page = browser.new_page(locale="zh-CN")
    requested, complaints = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: complaints.append(message.text) if message.type in ("error", "warning") else None)

    def with_policy(route):
        response = route.fetch()
        policy = "default-src 'self'; script-src 'self'; img-src 'self' data:"
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page.route("**/api/v1/docs", with_policy)
    page.goto(f"{portal_url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.title() == "medreg 接口文档"
    assert page.locator(".info .title").inner_text().startswith(document["info"]["title"])
    assert page.locator(".opblock").count() == operations
    assert page.get_by_text("Unable to render this definition").count() == 0
    assert complaints == []
    assert requested and all(url.startswith(portal_url + "/") for url in requested), requested
