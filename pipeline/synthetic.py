"""A synthetic national register for tests and benchmarks (`medreg generate`): every import kind, over the real
GB/T 2260 divisions of pipeline/data/divisions.csv, deterministic for a seed.

`Country(scale, seed)` yields the rows of each kind (`rows(kind)`), the columns of pipeline/imports.py:

- **divisions**: the 31 mainland provinces, their prefectures and counties, as shipped (from python-stdnum's
  `stdnum/cn/loc.dat`, the entries in force: see docs/import-formats.md).
- **institutions**: `INSTITUTIONS × scale`, spread over the counties of each province in proportion to its
  population (2020 census), of a realistic mix of types (village clinics, clinics, township and community health
  centres, hospitals), with a valid unified social credit code (GB 11714 organisation code and GB 32100 check
  character), registered by their county's commission (some by the city's or the province's).
- **physicians** (`PHYSICIANS × scale`) and **nurses** (`NURSES × scale`): Chinese names from Faker's zh_CN lists,
  a resident ID number (GB 11643 MOD 11-2) whose birth date and sex agree with the row, unique by construction,
  working mostly at hospitals; each with its **physician qualification** or **nurse exam** record (the same name,
  ID number and certificate), and a physician's **assessment** result; a few qualified persons are not registered.

Pure: no files, no database; memory stays small at any scale (the institutions are kept as compact arrays).
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from datetime import date, timedelta

from pipeline import clock, codes
from pipeline.imports import COLUMNS
from pipeline.persons import resident_id_check_character
from pipeline.registers.nurses import first_valid_until, years_later

INSTITUTIONS, PHYSICIANS, NURSES = 1_070_000, 4_800_000, 5_600_000
# 2020 census, millions, by province code.
POPULATION: dict[str, float] = {
    "11": 21.9, "12": 13.9, "13": 74.6, "14": 34.9, "15": 24.0, "21": 42.6, "22": 24.1, "23": 31.9, "31": 24.9,
    "32": 84.7, "33": 64.6, "34": 61.0, "35": 41.5, "36": 45.2, "37": 101.5, "41": 99.4, "42": 57.8, "43": 66.4,
    "44": 126.0, "45": 50.1, "46": 10.1, "50": 32.1, "51": 83.7, "52": 38.6, "53": 47.2, "54": 3.6, "61": 39.5,
    "62": 25.0, "63": 5.9, "64": 7.2, "65": 25.9,
}
# Institution types: (type, share of institutions, class): class 0 hospital, 1 primary care centre, 2 small clinic.
TYPES: tuple[tuple[str, float, int], ...] = (
    ("村卫生室", 0.56, 2), ("诊所", 0.24, 2), ("门诊部", 0.03, 2), ("社区卫生服务中心", 0.034, 1), ("乡镇卫生院", 0.032, 1),
    ("综合医院", 0.02, 0), ("中医医院", 0.005, 0), ("中西医结合医院", 0.001, 0), ("专科医院", 0.01, 0),
    ("妇幼保健院", 0.003, 0), ("急救中心", 0.001, 1), ("疗养院", 0.001, 1), ("护理院", 0.002, 1), ("其他", 0.017, 2),
)
# Where staff work, by institution class.
STAFF_SHARE = {"physician": (0.6, 0.15, 0.25), "nurse": (0.75, 0.15, 0.10)}
QUALIFIED_NOT_REGISTERED = 0.05
BIRTH_FIRST = date(1955, 1, 1)
BIRTH_DAYS = (date(2001, 12, 31) - BIRTH_FIRST).days + 1
# A person's index gives a unique (birth date, sequence) pair up to this many; past it the area code is a
# prefecture's, never a county's, so numbers stay unique.
ID_SPACE = BIRTH_DAYS * 500
ID_STRIDE = 1_000_003  # a prime that does not divide ID_SPACE: index → (birth date, sequence) is one-to-one
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


# --- check characters -------------------------------------------------------------------------------------------


def organisation_check(body8: str) -> str:
    """GB 11714 check character of an organisation code's 8 characters (digits here)."""
    value = 11 - sum(int(c) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True)) % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def uscc_check(body17: str) -> str:
    """GB 32100 check character of the first 17 characters of a unified social credit code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total) % 31]


def uscc_of(index: int, division: str, private: bool) -> str:
    """A unique, valid code for institution `index`: 12 (public institution) or 52 (private non-enterprise)."""
    organisation = f"{(index * 7_919 + 10_000_000) % 100_000_000:08d}"
    body = ("52" if private else "12") + division + organisation + organisation_check(organisation)
    return body + uscc_check(body)


def resident_id(area: str, birth: date, sequence: int) -> str:
    """A GB 11643 number: area, birth date, 3-digit sequence (odd for a man), MOD 11-2 check character."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + resident_id_check_character(body)


# --- divisions -------------------------------------------------------------------------------------------------


def divisions() -> list[dict[str, str]]:
    """The shipped GB/T 2260 divisions (code, name, parent_code), provinces first."""
    return [dict(row) for row in codes._rows("divisions.csv")]


class Country:
    """The rows of every kind of a synthetic country of `scale` (1.0: the whole country)."""

    def __init__(self, scale: float = 1.0, seed: int = 2026, today: date | None = None) -> None:
        self.scale, self.seed = scale, seed
        self.today = today or clock.today()
        self.divisions = divisions()
        self.names = {row["code"]: row["name"] for row in self.divisions}
        self.counties = [row["code"] for row in self.divisions if not row["code"].endswith("00")]
        self.prefectures = [row["code"] for row in self.divisions if row["code"].endswith("00") and not row["code"].endswith("0000")]
        self.institutions = max(1, round(INSTITUTIONS * scale))
        self.physicians = max(1, round(PHYSICIANS * scale))
        self.nurses = max(1, round(NURSES * scale))
        self._layout()

    # institutions ---------------------------------------------------------------------------------------------

    def _layout(self) -> None:
        """Each institution's county, type and registering commission, as compact arrays (same for every seed's
        files, so the register files can refer to the institutions)."""
        rng = random.Random(f"{self.seed}:layout")
        by_province: dict[str, list[str]] = {}
        for county in self.counties:
            by_province.setdefault(county[:2], []).append(county)
        provinces = sorted(p for p in POPULATION if p in by_province)
        weights = [POPULATION[p] / len(by_province[p]) for p in provinces for _ in by_province[p]]
        counties = [c for p in provinces for c in by_province[p]]
        self.county_codes = counties
        type_weights = [share for _, share, _ in TYPES]
        self.inst_county = array("H")
        self.inst_type = bytearray()
        self.inst_level = bytearray()  # 0 county, 1 prefecture, 2 province registers it
        self.by_class: tuple[array, array, array] = (array("I"), array("I"), array("I"))
        county_choice = rng.choices(range(len(counties)), weights=weights, k=self.institutions)
        type_choice = rng.choices(range(len(TYPES)), weights=type_weights, k=self.institutions)
        for index in range(self.institutions):
            kind = type_choice[index]
            self.inst_county.append(county_choice[index])
            self.inst_type.append(kind)
            klass = TYPES[kind][2]
            self.inst_level.append(0 if klass else rng.choices((0, 1, 2), (0.6, 0.3, 0.1))[0])
            self.by_class[klass].append(index)
        if not all(self.by_class):  # a tiny country: make sure every class has somewhere to work
            for klass, held in enumerate(self.by_class):
                if not held:
                    held.append(klass % self.institutions)

    def institution(self, index: int) -> tuple[str, str, str]:
        """(uscc, county, registering commission) of institution `index`."""
        county = self.county_codes[self.inst_county[index]]
        level = self.inst_level[index]
        registered_by = county if level == 0 else self._above(county, level)
        return uscc_of(index, county, TYPES[self.inst_type[index]][2] == 2), county, registered_by

    def _above(self, county: str, level: int) -> str:
        prefecture = county[:4] + "00"
        if level == 1 and prefecture in self.names:
            return prefecture
        return county[:2] + "0000"

    def institution_rows(self) -> Iterator[dict[str, str]]:
        rng = random.Random(f"{self.seed}:institutions")
        departments = codes.departments()
        names = NamePool(rng)
        for index in range(self.institutions):
            uscc, county, registered_by = self.institution(index)
            kind, _, klass = TYPES[self.inst_type[index]]
            place = self.names[county]
            if klass == 0:
                beds = rng.randint(100, 1500)
                chosen = sorted(rng.sample(departments, rng.randint(6, 14)), key=departments.index)
            elif klass == 1:
                beds = rng.randint(10, 99)
                chosen = ["预防保健科", "全科医疗科", *rng.sample(("内科", "外科", "中医科", "妇产科", "儿科", "口腔科"), 2)]
            else:
                beds = 0
                chosen = rng.sample(("全科医疗科", "内科", "中医科", "口腔科"), 1)
            yield {
                "uscc": uscc, "name": f"{place}第{index + 1}{kind}", "type": kind, "division_code": county,
                "registered_by": registered_by, "address": f"{self._province(county)}{place}健康路{rng.randint(1, 999)}号",
                "beds": str(beds), "departments": ";".join(chosen), "legal_rep": names.name(rng.random() < 0.6),
                "principal": names.name(rng.random() < 0.6), "phone": f"0{rng.randint(10, 999)}-{rng.randint(10**7, 10**8 - 1)}",
            }

    def _province(self, code: str) -> str:
        return self.names.get(code[:2] + "0000", "")

    def _workplace(self, rng: random.Random, profession: str) -> int:
        klass = rng.choices((0, 1, 2), STAFF_SHARE[profession])[0]
        held = self.by_class[klass]
        return held[rng.randrange(len(held))]

    # persons --------------------------------------------------------------------------------------------------

    def person(self, index: int, male: bool, near: str, rng: random.Random) -> tuple[str, date]:
        """A unique resident ID number for person `index` (and its birth date), issued near `near` mostly."""
        offset, sequence = divmod(index * ID_STRIDE % ID_SPACE, 500)
        birth = BIRTH_FIRST + timedelta(days=offset % BIRTH_DAYS)
        if index < ID_SPACE:
            area = near if rng.random() < 0.8 else self.counties[rng.randrange(len(self.counties))]
        else:
            area = self.prefectures[(index // ID_SPACE + rng.randrange(len(self.prefectures))) % len(self.prefectures)]
        return resident_id(area, birth, sequence * 2 + (1 if male else 0)), birth

    def _registered_on(self, birth: date, rng: random.Random) -> date:
        """From the 24th birthday to today (BIRTH_DAYS ends early enough for that)."""
        start = min(years_later(birth, 24), self.today)
        return start + timedelta(days=rng.randint(0, (self.today - start).days))

    def physician_rows(self) -> Iterator[tuple[dict[str, str], dict[str, str], dict[str, str] | None]]:
        """(qualification, assessment, register row or None) per qualified physician."""
        rng = random.Random(f"{self.seed}:physicians")
        names = NamePool(rng)
        categories = ("临床", "中医", "口腔", "公共卫生")
        scopes = {category: codes.practice_scopes(category) for category in categories}
        extra = round(self.physicians * QUALIFIED_NOT_REGISTERED)
        for index in range(self.physicians + extra):
            registered = index < self.physicians
            workplace = self._workplace(rng, "physician")
            uscc, county, registered_by = self.institution(workplace)
            male = rng.random() < 0.55
            person_index = index if registered else self.nurses + index
            number, birth = self.person(person_index, male, county, rng)
            name = names.name(male)
            category = rng.choices(categories, (0.7, 0.15, 0.08, 0.07))[0]
            level = "执业医师" if rng.random() < 0.85 else "执业助理医师"
            registered_on = self._registered_on(birth, rng)
            issued = registered_on - timedelta(days=rng.randint(0, 365))
            if issued <= birth:
                issued = registered_on
            certificate = f"{issued.year}{county[:2]}{index + 1:010d}"
            qualification = {"certificate_no": certificate, "name": name, "id_number": number, "level": level,
                             "category": category, "issued_on": issued.isoformat()}
            assessed = date(min(self.today.year - 1, 2024), 11, 30)
            assessment = {"certificate_no": certificate, "period": f"{assessed.year - 2}-{assessed.year}",
                          "result": rng.choices(("合格", "基本合格", "不合格"), (0.95, 0.04, 0.01))[0],
                          "assessed_on": assessed.isoformat(), "assessor": f"{self.names[county]}医师定期考核委员会"}
            row = None
            if registered:
                chosen = rng.sample(scopes[category], min(len(scopes[category]), rng.choice((1, 1, 2))))
                row = {"id_number": number, "name": name, "sex": "男" if male else "女", "birth_date": birth.isoformat(),
                       "certificate_no": certificate, "level": level, "category": category, "practice_category": category,
                       "practice_scopes": ";".join(chosen), "institution_uscc": uscc, "registered_on": registered_on.isoformat(),
                       "registered_by": registered_by}
            yield qualification, assessment, row

    def nurse_rows(self) -> Iterator[tuple[dict[str, str], dict[str, str] | None]]:
        """(exam record, register row or None) per nurse who passed the exam."""
        rng = random.Random(f"{self.seed}:nurses")
        names = NamePool(rng)
        departments = ("内科", "外科", "妇产科", "儿科", "急诊科", "手术室", "重症医学科", "门诊", "中医科", "康复医学科")
        extra = round(self.nurses * QUALIFIED_NOT_REGISTERED)
        extra_physicians = round(self.physicians * QUALIFIED_NOT_REGISTERED)
        for index in range(self.nurses + extra):
            registered = index < self.nurses
            workplace = self._workplace(rng, "nurse")
            uscc, county, registered_by = self.institution(workplace)
            male = rng.random() < 0.03
            person_index = self.physicians + index if registered else self.physicians + extra_physicians + index
            number, birth = self.person(person_index, male, county, rng)
            name = names.name(male)
            registered_on = self._registered_on(birth, rng)
            passed = max(min(registered_on.year, self.today.year), birth.year + 18)
            certificate = f"N{passed}{county[:2]}{index + 1:010d}"
            exam = {"certificate_no": certificate, "name": name, "id_number": number, "passed_year": str(min(passed, self.today.year))}
            row = None
            if registered:
                valid_until = first_valid_until(registered_on)
                while valid_until < self.today:
                    valid_until = years_later(valid_until)
                if rng.random() < 0.03:  # did not renew in time
                    valid_until = years_later(valid_until, -5)
                if valid_until <= registered_on:
                    valid_until = first_valid_until(registered_on)
                row = {"id_number": number, "name": name, "sex": "男" if male else "女", "birth_date": birth.isoformat(),
                       "certificate_no": certificate, "passed_year": exam["passed_year"], "institution_uscc": uscc,
                       "department": rng.choice(departments), "registered_on": registered_on.isoformat(),
                       "valid_until": valid_until.isoformat(), "registered_by": registered_by}
            yield exam, row

    # every kind -----------------------------------------------------------------------------------------------

    def rows(self, kind: str) -> Iterator[dict[str, str]]:
        """The rows of one kind (a physician- or nurse-related kind walks the same persons in the same order)."""
        if kind == "divisions":
            yield from self.divisions
        elif kind == "institutions":
            yield from self.institution_rows()
        elif kind in ("physician-qualifications", "assessments", "physicians"):
            for qualification, assessment, row in self.physician_rows():
                if kind == "physicians":
                    if row is not None:
                        yield row
                else:
                    yield qualification if kind == "physician-qualifications" else assessment
        elif kind in ("nurse-exams", "nurses"):
            for exam, row in self.nurse_rows():
                if kind == "nurse-exams":
                    yield exam
                elif row is not None:
                    yield row
        else:
            raise KeyError(kind)


class NamePool:
    """Chinese names drawn with the frequencies of Faker's zh_CN lists."""

    def __init__(self, rng: random.Random) -> None:
        from faker.providers.person.zh_CN import Provider

        self.rng = rng
        self.last = list(Provider.last_names)
        self.last_weights = list(Provider.last_names.values())
        self.male = list(Provider.first_names_male)
        self.female = list(Provider.first_names_female)
        self._buffer: list[str] = []

    def name(self, male: bool) -> str:
        if not self._buffer:
            self._buffer = self.rng.choices(self.last, self.last_weights, k=1024)
        given = self.rng.choice(self.male if male else self.female)
        if len(given) == 1 and self.rng.random() < 0.5:
            given += self.rng.choice(self.male if male else self.female)[0]
        return self._buffer.pop() + given


__all__ = ["COLUMNS", "Country", "organisation_check", "resident_id", "uscc_check", "uscc_of"]
