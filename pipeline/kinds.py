"""The kinds of application (业务类型) and who takes part in each (design.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import ValidationFailed

# Kinds that a second party may also submit: nurse cancellation is submitted by the nurse
# (then the institution confirms) or by the institution itself (no confirmation step).
ALSO_SUBMITTED_BY: dict[str, str] = {"nurse.cancellation": "institution"}


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    profession: str  # physician | nurse | institution
    submitted_by: str  # person | institution | commission
    institution_confirms: bool
    commission_approves: bool
    counter: bool

    @property
    def applicants(self) -> frozenset[str]:
        """Every actor that may submit, resubmit or withdraw this kind."""
        extra = ALSO_SUBMITTED_BY.get(self.name)
        return frozenset({self.submitted_by, extra} - {None})


def _person(name: str, label: str, profession: str, approves: bool = True) -> Kind:
    return Kind(name, label, profession, "person", True, approves, False)


def _by_institution(name: str, label: str, profession: str) -> Kind:
    return Kind(name, label, profession, "institution", False, True, False)


def _counter(name: str, label: str, profession: str) -> Kind:
    return Kind(name, label, profession, "commission", False, False, True)


_ALL: tuple[Kind, ...] = (
    _person("physician.first_registration", "医师首次注册", "physician"),
    _person("physician.change", "医师变更注册", "physician"),
    _person("physician.multi_site_filing", "医师多机构执业备案", "physician"),
    _person("physician.re_registration", "医师重新注册", "physician"),
    _person("physician.info_change", "医师个人信息变更", "physician", approves=False),
    _by_institution("physician.departure_filing", "医师注册备案", "physician"),
    _by_institution("physician.cancellation", "医师注销注册", "physician"),
    _person("nurse.first_registration", "护士首次注册", "nurse"),
    _person("nurse.change", "护士变更注册", "nurse"),
    _person("nurse.renewal", "护士延续注册", "nurse"),
    _person("nurse.re_registration", "护士重新注册", "nurse"),
    _person("nurse.cancellation", "护士注销注册", "nurse"),
    _person("nurse.info_change", "护士个人信息变更", "nurse", approves=False),
    _by_institution("institution.practice_registration", "医疗机构执业登记", "institution"),
    _by_institution("institution.change", "医疗机构变更登记", "institution"),
    _by_institution("institution.verification", "医疗机构校验", "institution"),
    _by_institution("institution.suspension", "医疗机构停业", "institution"),
    _by_institution("institution.resumption", "医疗机构解除停业", "institution"),
    _by_institution("institution.cancellation", "医疗机构注销登记", "institution"),
    # Counter-only business (窗口业务), entered by commission staff as approved.
    _counter("physician.qualification_backfill", "医师资格补录", "physician"),
    _counter("physician.hmt_qualification_recognition", "港澳台医师资格认定", "physician"),
    _counter("physician.hmt_short_term_practice", "港澳台医师短期行医", "physician"),
    _counter("physician.foreign_short_term_practice", "外国医师短期行医", "physician"),
    _counter("nurse.pre2008_first_registration", "2008年前通过考试护士首次注册", "nurse"),
)

KINDS: dict[str, Kind] = {kind.name: kind for kind in _ALL}


def get_kind(name: str) -> Kind:
    """The kind called `name`, or ValidationFailed on field "kind"."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise ValidationFailed({"kind": f"不支持的业务类型：{name}"})
    return kind
