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


def test_no_shipped_code_list_holds_an_entry_twice():
    """Each list under pipeline/data holds each entry once: a name or a code twice would show twice in a choice."""
    categories = codes.practice_categories()
    assert len(set(categories)) == len(categories)
    rows = codes._rows("practice_scopes.csv")
    pairs = [(row["name"], row["category"]) for row in rows]
    assert len(set(pairs)) == len(pairs)
    for filename, key in (("departments.csv", "name"), ("departments.csv", "code"), ("practice_categories.csv", "name"),
                          ("practice_categories.csv", "code"), ("institution_types.csv", "name"),
                          ("institution_types.csv", "code"), ("divisions.csv", "code"), ("holidays.csv", "date")):
        values = [row[key] for row in codes._rows(filename)]
        assert len(set(values)) == len(values), (filename, key, sorted({v for v in values if values.count(v) > 1}))
    mapping = [(row["department"], row["scope"]) for row in codes._rows("department_scopes.csv")]
    assert len(set(mapping)) == len(mapping)
    assert len(set(codes.departments())) == len(codes.departments())
    assert len(set(codes.institution_types())) == len(codes.institution_types())


def test_the_scope_choice_lists_each_scope_once_naming_all_its_categories():
    groups = codes.scope_groups()
    shown = [scope for _, options in groups for scope, _ in options]
    assert sorted(shown) == sorted(codes.practice_scopes()) and len(shown) == len(set(shown))
    texts = dict(option for _, options in groups for option in options)
    assert texts["全科医学专业"] == "全科医学专业（临床、中医）"
    assert texts["内科专业"] == "内科专业" and texts["中医专业"] == "中医专业"
    assert [category for category, _ in groups] == codes.practice_categories()
    assert dict(groups)["临床"][10] == ("全科医学专业", "全科医学专业（临床、中医）")
    assert "全科医学专业" not in [scope for scope, _ in dict(groups)["中医"]]
