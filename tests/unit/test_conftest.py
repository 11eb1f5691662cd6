"""The `unit` marker lands on every test under tests/unit/ and on nothing else."""

from pathlib import Path

from tests.unit.conftest import UNIT


def test_this_test_is_marked_unit(request):
    assert request.node.get_closest_marker("unit") is not None


def test_only_tests_under_unit_are_marked(request):
    for item in request.session.items:
        inside = Path(item.path).resolve().is_relative_to(UNIT)
        assert (item.get_closest_marker("unit") is not None) is inside, item.nodeid


def test_the_marker_is_registered(pytestconfig):
    assert any(line.startswith("unit:") for line in pytestconfig.getini("markers"))
