import pytest

from pipeline import codes
from pipeline.routing import approving_commission, division_level, in_jurisdiction, jurisdiction_prefix
from pipeline.verification import InstitutionFacts


def test_code_lists():
    assert codes.practice_categories() == ["临床", "口腔", "公共卫生", "中医"]
    assert set(codes.practice_categories()) == set(codes.QUALIFICATION_CATEGORIES)
    assert "医学检验、病理专业" in codes.practice_scopes("临床")
    assert codes.practice_scopes("口腔") == ["口腔专业"]
    assert codes.practice_scopes().count("全科医学专业") == 1
    assert {("全科医学专业", "临床"), ("全科医学专业", "中医")} <= codes.scope_category_pairs()
    assert codes.departments()[:3] == ["预防保健科", "全科医疗科", "内科"]
    assert len(codes.departments()) == 35
    assert "诊所" in codes.institution_types()


def test_default_scope_map_is_consistent():
    scope_map = codes.default_scope_map()
    assert scope_map["重症医学科"] == {"内科专业", "外科专业"}
    assert scope_map["民族医学科"] == {"蒙医专业", "藏医专业", "维医专业", "傣医专业"}
    assert set(scope_map) <= set(codes.departments())
    assert set().union(*scope_map.values()) <= set(codes.practice_scopes())
    scope_map["内科"] = frozenset()
    assert codes.default_scope_map()["内科"] == {"内科专业"}


def _inst(registered_by="110105"):
    return InstitutionFacts(1, "朝阳医院", "H11010520260000001X", "operating", "110105",
                            registered_by, frozenset(), {})


def test_approving_commission_is_registering_authority():
    assert approving_commission("physician.first_registration", _inst("110100")) == "110100"
    with pytest.raises(ValueError):
        approving_commission("physician.first_registration", _inst("11"))


@pytest.mark.parametrize("code,level,prefix", [
    ("000000", "national", ""), ("110000", "province", "11"),
    ("110100", "city", "1101"), ("110105", "county", "110105"),
])
def test_levels_and_prefixes(code, level, prefix):
    assert division_level(code) == level
    assert jurisdiction_prefix(code) == prefix


@pytest.mark.parametrize("commission,division,inside", [
    ("000000", "650102", True), ("110000", "110105", True), ("110000", "110000", True),
    ("110000", "120101", False), ("110100", "110105", True), ("110100", "110200", False),
    ("110105", "110105", True), ("110105", "110106", False), ("110105", "110100", False),
])
def test_in_jurisdiction(commission, division, inside):
    assert in_jurisdiction(commission, division) is inside


def test_bad_division_codes():
    for bad in ("11000", "1100000", "abcdef", ""):
        with pytest.raises(ValueError):
            division_level(bad)
    with pytest.raises(ValueError):
        in_jurisdiction("110000", "11")
