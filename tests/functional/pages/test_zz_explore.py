from tests.functional.pages.test_no_raw_codes import visible_text, world  # noqa: F401
from tests.journeys import page_session


def test_explore(wsgi_app, world):
    app = page_session(wsgi_app, world["users"]["person"])
    text = visible_text(app.get("/me/registration").text)
    i = text.find("None")
    open("/tmp/pages-explore/none.txt", "w").write(text[max(0, i - 400): i + 200])
