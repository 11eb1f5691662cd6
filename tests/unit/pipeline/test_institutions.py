"""pipeline.institutions: what an institution changes itself — phone and fax, other staff, scope map, webhook."""

from pipeline.fields import validate
from pipeline.institutions import ProfileChange, ScopeMapChange, StaffMember, StaffMemberChange, Webhook
from tests.unit.pipeline.samples import errors


def refused(model, data):
    return errors(lambda d: validate(model, d, whole="body"), data)


def test_a_profile_change_takes_phone_and_fax_only_and_an_empty_one_clears_it():
    assert validate(ProfileChange, {"phone": "", "fax": None}).model_dump(exclude_unset=True) == {"phone": "", "fax": None}
    assert refused(ProfileChange, {"name": "改名医院", "phone": "电话"}) == {
        "name": ("只能直接修改联系电话（phone）和传真（fax）；其他登记事项请申请变更登记", "unknown_field"),
        "phone": ("联系电话只能包含数字、空格和 + - ( )，长度5至30", "format")}
    assert refused(ProfileChange, {}) == {"body": ("请填写要修改的 phone 或 fax", "required_one")}
    assert refused(ProfileChange, {"phone": []}) == {"phone": ("联系电话应为文本", "type")}


def test_other_staff():
    assert validate(StaffMember, {"name": " 李某某 ", "sex": "f", "post": "护工"}).model_dump(exclude_unset=True) == {
        "name": "李某某", "sex": "女", "post": "护工"}
    assert refused(StaffMember, {"name": "", "sex": "x"}) == {
        "name": ("必填", "required"), "sex": ("性别应为以下之一：男、女", "choice"), "post": ("必填", "required")}
    unknown = refused(StaffMember, {"name": "李某某", "sex": "女", "post": "护工", "mobile": "1"})
    assert unknown == {"mobile": ("不支持的字段", "unknown_field")}
    # A change may clear the title; it need not name anything (the service answers 404 for another's staff first).
    assert validate(StaffMemberChange, {"title": ""}).title == ""
    assert validate(StaffMemberChange, {}).model_fields_set == set()


def test_a_staff_title_is_text_or_cleared_never_a_falsy_value_taken_as_blank():
    assert validate(StaffMemberChange, {"title": "  "}).title == ""
    assert validate(StaffMemberChange, {"title": " 主管护师 "}).title == "主管护师"
    for value in (0, False, [], {}, 5, True):
        assert refused(StaffMemberChange, {"title": value}) == {"title": ("职称应为文本", "type")}, value
    assert refused(StaffMemberChange, {"title": "长" * 51}) == {"title": ("职称长度应为1至50个字符", "too_long")}


def test_the_scope_map_and_the_webhook_are_checked_in_full_by_the_service():
    assert validate(ScopeMapChange, {"map": {"火星科": ["x"]}}).map == {"火星科": ["x"]}
    assert refused(ScopeMapChange, {"map": "不是对象"}) == {"map": ("诊疗科目与执业范围对照应为对象", "type")}
    assert validate(Webhook, {"url": "ftp://x", "secret": "short"}).url == "ftp://x"
    unknown = refused(Webhook, {"url": "https://x", "secret": "s" * 16, "events": "all"})
    assert unknown == {"events": ("不支持的字段", "unknown_field")}
