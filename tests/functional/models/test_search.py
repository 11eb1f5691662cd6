"""models.search: the gram functions the name indexes are built on. They must give, as a set, exactly the grams
pipeline.search.grams gives (what every query asks the index for), whatever the characters — otherwise a name
is indexed under keys no query asks for, and a search misses it."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from pipeline.search import DIVISION_PREFIX_LENGTHS, grams

NAMES = ["", "李", "张三", "欧阳娜娜", "王王王", "𠀀𠀁甲", "Anna·李", "北京协和医院（东单院区）", "a'b\\c%_"]


@pytest.mark.parametrize("name", NAMES)
def test_a_name_is_indexed_under_its_characters_and_their_pairs(db, name):
    held = db.execute(text("SELECT medreg_grams(:name)"), {"name": name}).scalar_one()
    assert set(held) == set(grams(name))


@pytest.mark.parametrize("name", NAMES)
def test_a_public_record_is_indexed_under_its_name_and_its_division_prefixes(db, name):
    held = db.execute(text("SELECT medreg_record_grams(:name, '650110')"), {"name": name}).scalar_one()
    assert set(held) == set(grams(name)) | {"@" + "650110"[:n] for n in DIVISION_PREFIX_LENGTHS}


def test_no_name_gives_no_grams(db):
    assert db.execute(text("SELECT medreg_grams(NULL), medreg_record_grams(NULL, '650110')")).one() == (None, None)
