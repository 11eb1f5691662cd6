"""pipeline.kinds: the registry of kinds — each one complete, named after its module — and what `problems()` catches."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import replace
from pathlib import Path

import pytest

import pipeline.kinds as kinds
from pipeline.errors import ValidationFailed
from pipeline.fields import DataModel
from pipeline.kinds import KINDS, MODULES, ORDER, Kind, PageHints, TimeLimit, check_registry, get_kind, kinds_where, problems

COUNTER = {"physician.qualification_backfill", "physician.hmt_qualification_recognition",
           "physician.hmt_short_term_practice", "physician.foreign_short_term_practice", "nurse.pre2008_first_registration"}
# The facts models/facts.py knows how to load (a rule naming another one could never run).
FACTS = {"data", "person", "qualification", "exam", "institution", "institution_id", "physician", "nurse", "uscc_holder",
         "today", "renewal_window_days"}


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_is_complete(name):
    assert problems(KINDS[name]) == []


def test_the_registry_passes_its_start_up_check():
    assert check_registry() is None


@pytest.mark.parametrize("module", MODULES)
def test_every_name_matches_its_module(module):
    kind = importlib.import_module(f"pipeline.kinds.{module}").KIND
    assert kind.name.replace(".", "_") == module
    assert KINDS[kind.name] is kind


def test_every_kind_module_is_registered_once_and_in_order():
    here = Path(inspect.getfile(kinds)).parent
    on_disk = {path.stem for path in here.glob("*.py") if path.stem != "__init__"}
    assert on_disk == set(MODULES) and len(MODULES) == len(set(MODULES)) == len(KINDS) == 24
    assert [name.replace(".", "_") for name in KINDS] == list(MODULES)
    assert list(ORDER) == list(KINDS) and sorted(ORDER.values()) == list(range(len(KINDS)))


def test_the_api_kinds_are_all_there():
    assert set(KINDS) == {
        "physician.first_registration", "physician.change", "physician.multi_site_filing",
        "physician.re_registration", "physician.info_change", "physician.departure_filing",
        "physician.cancellation", "nurse.first_registration", "nurse.change", "nurse.renewal",
        "nurse.re_registration", "nurse.cancellation", "nurse.info_change",
        "institution.practice_registration", "institution.change", "institution.verification",
        "institution.suspension", "institution.resumption", "institution.cancellation",
    } | COUNTER


@pytest.mark.parametrize("name", list(KINDS))
def test_a_rule_asks_only_for_facts_that_can_be_loaded(name):
    kind = KINDS[name]
    assert set(kind.facts) <= FACTS
    assert kind.facts == (tuple(inspect.signature(kind.refuse).parameters) if kind.refuse else ())
    assert issubclass(kind.data, DataModel) and kind.label


def test_who_takes_part():
    assert get_kind("physician.departure_filing").submitted_by == "institution"
    assert not get_kind("nurse.info_change").commission_approves
    assert not get_kind("physician.info_change").commission_approves
    assert get_kind("nurse.cancellation").applicants == {"person", "institution"}
    assert get_kind("physician.change").applicants == {"person"}
    assert get_kind("nurse.renewal").short_name == "renewal"
    assert get_kind("institution.practice_registration").short_name == "practice_registration"
    assert {name for name, kind in KINDS.items() if kind.counter} == COUNTER
    assert all(kind.counter == (kind.submitted_by == "commission") for kind in KINDS.values())
    assert get_kind("nurse.change").time_limit == TimeLimit(7, "《护士执业注册管理办法》：变更注册7个工作日内办理")


def test_an_unknown_kind():
    with pytest.raises(ValidationFailed) as info:
        get_kind("physician.teleport")
    assert (info.value.fields, info.value.codes) == ({"kind": "不支持的业务类型：physician.teleport"}, {"kind": "choice"})
    # Not a name at all: said so, never echoed as Python shows it ("['physician.change']", "None").
    for name in (None, 3, ["physician.change"], {"a": 1}):
        with pytest.raises(ValidationFailed) as info:
            get_kind(name)
        assert (info.value.fields, info.value.codes) == ({"kind": "业务类型应为文本（业务类型名称）"}, {"kind": "type"})
    # A long name is echoed cut short: enough to spot a typo, not a document sent back.
    with pytest.raises(ValidationFailed) as info:
        get_kind("x" * 3000)
    assert info.value.fields["kind"] == "不支持的业务类型：" + "x" * 60 + "…"


def test_kinds_where():
    names = lambda found: [kind.name for kind in found]  # noqa: E731
    assert names(kinds_where(profession="institution")) == [
        "institution.practice_registration", "institution.change", "institution.verification",
        "institution.suspension", "institution.resumption", "institution.cancellation"]
    assert names(kinds_where(profession="nurse", submitted_by="institution")) == ["nurse.cancellation"]
    assert names(kinds_where(profession="physician", submitted_by="institution")) == [
        "physician.departure_filing", "physician.cancellation"]
    assert set(names(kinds_where(counter=True))) == COUNTER
    assert names(kinds_where(profession="nurse", counter=True)) == ["nurse.pre2008_first_registration"]
    assert names(kinds_where()) == list(KINDS)
    assert kinds_where(profession="dentist") == []


def test_a_form_leaves_out_hidden_fields():
    kind = get_kind("nurse.change")
    assert [spec.name for spec in kind.fields()] == ["institution_id", "department"]
    hidden = replace(kind, page=PageHints(hidden=("department",)))
    assert [spec.name for spec in hidden.fields()] == ["institution_id"]


# --- what problems() catches ------------------------------------------------------------------------------------


class Empty(DataModel):
    pass


def _rule(person, institution):
    return []


BASE = Kind(name="nurse.example", label="示例", profession="nurse", submitted_by="person", data=Empty, refuse=_rule,
            time_limit=TimeLimit(20, "示例"))


def test_the_sample_kind_is_complete():
    assert problems(BASE) == []
    assert BASE.facts == ("person", "institution")


@pytest.mark.parametrize(("changes", "problem"), [
    ({"refuse": None}, "no verification rule"),
    ({"time_limit": None}, "no time limit"),
    ({"label": ""}, "no label"),
    ({"profession": "dentist", "name": "dentist.example"}, "unknown profession 'dentist'"),
    ({"submitted_by": "robot"}, "unknown party 'robot'"),
    ({"data": dict}, "no data model"),
    ({"data": None}, "no data model"),
    ({"submitted_by": "commission", "institution_confirms": True}, "counter business cannot wait for an institution"),
    ({"prefill": lambda setup, submitted: {}}, "only an institution's own kind is pre-filled"),
    ({"name": "physician.example"}, "its name does not start with its profession"),
])
def test_a_broken_kind_is_reported(changes, problem):
    assert problems(replace(BASE, **changes)) == [problem]


def test_what_a_kind_may_lack():
    # the commission does not approve: no time limit needed; counter business: no rule needed
    assert problems(replace(BASE, time_limit=None, commission_approves=False)) == []
    assert problems(replace(BASE, submitted_by="commission", refuse=None, time_limit=None)) == []
    assert problems(replace(BASE, submitted_by="institution", prefill=lambda setup, submitted: {})) == []


def test_every_problem_is_reported_at_once():
    broken = replace(BASE, label="", refuse=None, time_limit=None, name="x.example")
    assert problems(broken) == ["no label", "no verification rule", "no time limit",
                                "its name does not start with its profession"]


def test_the_start_up_check_refuses_a_broken_kind(monkeypatch):
    monkeypatch.setitem(KINDS, "nurse.change", replace(KINDS["nurse.change"], refuse=None, time_limit=None))
    with pytest.raises(RuntimeError) as info:
        check_registry()
    assert "nurse.change" in str(info.value) and "no verification rule" in str(info.value)
    assert "no time limit" in str(info.value)
