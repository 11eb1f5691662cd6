"""The synthetic country: valid check characters, unique resident ID numbers that agree with the row, determinism."""
from __future__ import annotations

from collections import Counter
from datetime import date

from stdnum.cn import ric, uscc

from pipeline.imports import ORDER, Cleaner
from pipeline.synthetic import Country, organisation_check, resident_id, uscc_check, uscc_of

TODAY = date(2026, 6, 1)


def test_check_characters_agree_with_python_stdnum():
    for index in range(0, 200_000, 997):
        code = uscc_of(index, "110105", index % 2 == 0)
        assert uscc.is_valid(code) and code[-1] == uscc_check(code[:17])
    assert organisation_check("12345678") == "8"  # GB 11714's worked example: 12345678-8
    number = resident_id("110105", date(1985, 6, 12), 131)
    assert ric.is_valid(number) and number == "11010519850612131X"


def test_every_row_of_a_small_country_is_clean_and_people_are_unique():
    country = Country(0.0005, seed=3, today=TODAY)
    for kind in ORDER:
        cleaner = Cleaner(kind, TODAY)
        rows = list(country.rows(kind))
        assert rows, kind
        for row in rows:
            cleaner.clean(row)  # raises on any bad cell
    numbers = Counter(row["id_number"] for kind in ("physicians", "nurses") for row in country.rows(kind))
    assert numbers and max(numbers.values()) == 1
    qualified = {row["certificate_no"]: row for row in country.rows("physician-qualifications")}
    for row in country.rows("physicians"):
        record = qualified[row["certificate_no"]]
        assert (record["name"], record["id_number"], record["category"]) == (row["name"], row["id_number"], row["category"])


def test_the_same_seed_makes_the_same_country_and_another_seed_another():
    first, again, other = Country(0.0002, 11, TODAY), Country(0.0002, 11, TODAY), Country(0.0002, 12, TODAY)
    assert list(first.rows("physicians")) == list(again.rows("physicians"))
    assert list(first.rows("institutions")) != list(other.rows("institutions"))


def test_institutions_follow_population_over_real_counties():
    country = Country(0.002, seed=1, today=TODAY)
    provinces = Counter(row["division_code"][:2] for row in country.rows("institutions"))
    assert provinces["44"] > provinces["11"] > provinces["54"]  # 广东 > 北京 > 西藏
    assert all(not row["division_code"].endswith("00") for row in country.rows("institutions"))
