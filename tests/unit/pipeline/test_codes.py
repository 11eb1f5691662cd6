"""pipeline.codes: the code lists shipped under pipeline/data/."""

from pipeline import codes


def test_code_lists():
    assert codes.practice_categories() == ["临床", "口腔", "公共卫生", "中医"]
    assert set(codes.practice_categories()) == set(codes.QUALIFICATION_CATEGORIES)
    assert codes.QUALIFICATION_LEVELS == ("执业医师", "执业助理医师")
    assert "医学检验、病理专业" in codes.practice_scopes("临床")
    assert codes.practice_scopes("口腔") == ["口腔专业"]
    assert codes.practice_scopes().count("全科医学专业") == 1
    assert {("全科医学专业", "临床"), ("全科医学专业", "中医")} <= codes.scope_category_pairs()
    assert codes.departments()[:3] == ["预防保健科", "全科医疗科", "内科"]
    assert len(codes.departments()) == 35
    assert "诊所" in codes.institution_types()


def test_every_scope_belongs_to_a_category_and_every_department_has_a_code():
    pairs = codes.scope_category_pairs()
    assert {scope for scope, _ in pairs} == set(codes.practice_scopes())
    assert {category for _, category in pairs} == set(codes.practice_categories())
    department_codes = codes.department_codes()
    assert list(department_codes) == codes.departments()
    assert all(len(code) == 2 and code.isdigit() for code in department_codes.values())
    assert len(set(department_codes.values())) == len(department_codes)


def test_default_scope_map_is_consistent_and_a_fresh_copy():
    scope_map = codes.default_scope_map()
    assert scope_map["重症医学科"] == {"内科专业", "外科专业"}
    assert scope_map["民族医学科"] == {"蒙医专业", "藏医专业", "维医专业", "傣医专业"}
    assert set(scope_map) <= set(codes.departments())
    assert set().union(*scope_map.values()) <= set(codes.practice_scopes())
    scope_map["内科"] = frozenset()
    assert codes.default_scope_map()["内科"] == {"内科专业"}
