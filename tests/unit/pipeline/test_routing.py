"""pipeline.routing: the approving commission, division levels and jurisdictions (GB/T 2260)."""

from dataclasses import replace

import pytest

from pipeline.errors import ValidationFailed
from pipeline.routing import approving_commission, division_level, in_jurisdiction, jurisdiction_prefix
from tests.unit.pipeline.samples import INST


def test_approving_commission_is_the_registering_authority():
    assert approving_commission("physician.first_registration", replace(INST, registered_by="110100")) == "110100"
    assert approving_commission("institution.change", INST) == "110105"
    with pytest.raises(ValueError):
        approving_commission("physician.first_registration", replace(INST, registered_by="11"))
    with pytest.raises(ValidationFailed):
        approving_commission("physician.teleport", INST)


@pytest.mark.parametrize(("code", "level", "prefix"), [
    ("000000", "national", ""), ("110000", "province", "11"),
    ("110100", "city", "1101"), ("110105", "county", "110105"),
])
def test_levels_and_prefixes(code, level, prefix):
    assert division_level(code) == level
    assert jurisdiction_prefix(code) == prefix


@pytest.mark.parametrize(("commission", "division", "inside"), [
    ("000000", "650102", True), ("110000", "110105", True), ("110000", "110000", True),
    ("110000", "120101", False), ("110100", "110105", True), ("110100", "110200", False),
    ("110105", "110105", True), ("110105", "110106", False), ("110105", "110100", False),
])
def test_in_jurisdiction(commission, division, inside):
    assert in_jurisdiction(commission, division) is inside


@pytest.mark.parametrize("bad", ["11000", "1100000", "abcdef", "", None, 110000, "１１００００"])
def test_bad_division_codes(bad):
    with pytest.raises(ValueError):
        division_level(bad)
    with pytest.raises(ValueError):
        in_jurisdiction("110000", bad)
