"""The OpenAPI description of the physician business after the first registration and of the physician counter
kinds (merged into portal/api/spec.py's document)."""
from __future__ import annotations

from pipeline import codes
from pipeline.nurse_schemas import EDUCATIONS, MAX_PHOTO_BYTES
from pipeline.physician_schemas import CANCELLATION_REASONS, DEPARTURE_REASONS, HMT_REGIONS, PHYSICIAN_TITLES

PHYSICIAN_DESCRIBED_KINDS = (
    "physician.change", "physician.multi_site_filing", "physician.re_registration", "physician.info_change",
    "physician.departure_filing", "physician.cancellation", "physician.qualification_backfill",
    "physician.hmt_qualification_recognition", "physician.hmt_short_term_practice",
    "physician.foreign_short_term_practice",
)
IDENTIFIER = "^D[0-9]{17}[0-9A-Z]$"


class _SpecBuilders:
    """spec.py's builders, looked up when first used (spec.py imports this module while it is being built)."""

    def __getattr__(self, name: str):
        from portal.api import spec

        return getattr(spec, name)


sp = _SpecBuilders()


def _coded(options: dict[str, str], what: str) -> dict:
    return sp.enum([*options, *options.values()], f"{what}：代码或中文皆可（" + sp.labelled(options) + "）")


def _scope() -> dict:
    item = sp.enum(codes.practice_scopes())
    return {"description": "执业范围：一个或非空列表，须属于执业类别，并在执业机构诊疗科目对应的执业范围内（核验阶段检查）",
            "oneOf": [item, {"type": "array", "items": item, "minItems": 1}]}


def _practice(extra: dict, required: tuple[str, ...], description: str) -> dict:
    return sp.obj(
        {"institution_id": sp.institution_id_schema("执业机构编号（须已取得识别码且在执业状态）"),
         "practice_category": sp.enum(codes.practice_categories(), "执业类别（须与医师资格类别一致）"),
         "practice_scope": _scope(), **extra},
        ["institution_id", "practice_category", "practice_scope", *required], additionalProperties=False,
        description=description,
    )


def _person(origin: dict) -> dict:
    return {"name": sp.string(minLength=2, maxLength=30), "id_type": sp.string("证件类型，同实名注册"),
            "id_number": sp.string("证件号码（只保存加密值与查找用散列，不在申请内容中保存明文）"), **origin}


def _qualification(origin: dict, description: str) -> dict:
    return sp.obj(
        {**_person(origin), "certificate_no": sp.string("医师资格证书编号（不得已在医师资格库中，否则409）", minLength=5, maxLength=30),
         "level": sp.enum(codes.QUALIFICATION_LEVELS), "category": sp.enum(codes.QUALIFICATION_CATEGORIES),
         "issued_on": sp.string("资格取得日期，不晚于今天", format="date")},
        ["name", "id_type", "id_number", "certificate_no", "level", "category", "issued_on", *origin],
        additionalProperties=False, description=description,
    )


def _short_term(origin: dict, limit: str, description: str) -> dict:
    return _practice(
        {**_person(origin), "sex": sp.string("男或女"), "birth_date": sp.string(format="date"),
         "mobile": sp.string("手机号码（可选）", pattern="^1[3-9][0-9]{9}$"),
         "licence_no": sp.string("境外医师执业证书编号", minLength=3, maxLength=30),
         "start_date": sp.string(format="date"), "end_date": sp.string(f"结束日期：晚于开始日期、不早于今天，期限不超过{limit}", format="date")},
        ("name", "id_type", "id_number", "sex", "birth_date", "licence_no", "start_date", "end_date", *origin),
        description + "执业机构须在本卫健委辖区内（否则400 institution_id）。期满次日由定时任务自动注销并公示新状态。",
    )


def physician_data_schemas() -> dict:
    photo = sp.string(f"照片：base64 编码（可为 data: URL）的 JPEG 或 PNG，按文件头识别，不超过 {MAX_PHOTO_BYTES // 1024 // 1024}MB")
    identifier = sp.string("该医师的电子化注册识别码", pattern=IDENTIFIER)
    region = {"region": sp.enum(HMT_REGIONS, "地区（香港、澳门居民用港澳居民来往内地通行证，台湾居民用台湾居民来往大陆通行证）")}
    return {
        "Data.physician.change": _practice({}, (), "医师变更注册：新的执业机构（可不变）、执业类别和执业范围。由新机构确认，新机构的登记机关审批；识别码不变。"),
        "Data.physician.multi_site_filing": sp.obj(
            {"institution_id": sp.institution_id_schema("增加的执业机构编号")}, ["institution_id"], additionalProperties=False,
            description="医师多机构执业备案：为已注册医师增加执业机构；由增加的机构确认，其登记机关审批。医师的执业范围须在该机构诊疗科目范围内。"),
        "Data.physician.re_registration": _practice(
            {"statement": sp.string("情况说明：备案或注销的原因已消除", minLength=2, maxLength=500)}, ("statement",),
            "医师重新注册：注册为备案（非在册）或注销的医师，原因消除后申请。因死亡注销的不能重新注册；因受刑事处罚或吊销执业证书注销的，满二年后方可申请。识别码不变。"),
        "Data.physician.info_change": sp.obj(
            {"photo": photo, "education": sp.enum(EDUCATIONS, "学历"), "school": sp.string("毕业学校", minLength=2, maxLength=100),
             "title": sp.enum(PHYSICIAN_TITLES, "职称")},
            additionalProperties=False, minProperties=1,
            description="医师个人信息变更：至少一项。主要执业机构确认即生效（无卫健委审批）。"),
        "Data.physician.departure_filing": sp.obj(
            {"identifier": identifier, "reason": _coded(DEPARTURE_REASONS, "备案原因"),
             "left_on": sp.string("离岗日期，不晚于今天", format="date"), "comment": sp.string(maxLength=200)},
            ["identifier", "reason", "left_on"], additionalProperties=False,
            description="医师注册备案（机构提交，卫健委审批）：主要执业机构备案后注册状态为 filed（非在册）；多机构备案的机构备案只结束在该机构的执业。"),
        "Data.physician.cancellation": sp.obj(
            {"identifier": identifier, "reason": _coded(CANCELLATION_REASONS, "注销原因"),
             "occurred_on": sp.string("发生日期，不晚于今天", format="date"),
             "comment": sp.string("说明（原因为“其他”时必填）", maxLength=200)},
            ["identifier", "reason", "occurred_on"], additionalProperties=False,
            description="医师注销注册（主要执业机构提交，卫健委审批）：注册状态为 cancelled。"),
        "Data.physician.qualification_backfill": _qualification(
            {}, "补录“老人”资格（窗口录入，POST /api/v1/commission/counter）：在医师资格库中增加一条资格记录；不赋注册识别码。"),
        "Data.physician.hmt_qualification_recognition": _qualification(
            region, "港澳台医师资格认定（窗口录入）：在医师资格库中增加一条资格记录；不赋注册识别码。"),
        "Data.physician.hmt_short_term_practice": _short_term(region, "三年", "港澳台医师短期行医（窗口录入）：新注册记录赋码并公示。"),
        "Data.physician.foreign_short_term_practice": _short_term(
            {"nationality": sp.string("国籍", minLength=2, maxLength=50)}, "一年",
            "外国医师短期行医（窗口录入，证件为护照或外国人永久居留身份证）：新注册记录赋码并公示。"),
    }
