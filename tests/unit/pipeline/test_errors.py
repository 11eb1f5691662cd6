"""pipeline.errors: a refused field's reason and code, and the other errors' messages."""

import pytest

from pipeline.errors import INVALID, Conflict, Forbidden, NotFound, TransitionRefused, ValidationFailed


def test_a_field_without_a_code_gets_invalid():
    failed = ValidationFailed({"name": "必填", "mobile": "格式不对"}, {"name": "required", "other": "format"})
    assert failed.codes == {"name": "required", "mobile": INVALID}
    assert INVALID == "invalid"


def test_a_field_refused_as_missing_without_a_code_gets_required():
    """The views that check query parameters or a body by hand refuse a missing one with "必填" and no code: it was
    "invalid" there and "required" from the request models, for the same absence."""
    failed = ValidationFailed({"certificate_no": "必填", "name": "必填", "mobile": "格式不对"}, {"name": "too_short"})
    assert failed.codes == {"certificate_no": "required", "name": "too_short", "mobile": INVALID}


def test_messages_name_every_field_in_order():
    failed = ValidationFailed({"name": "必填", "mobile": "格式不对"})
    assert failed.message == "提交的内容有误：name：必填；mobile：格式不对"
    assert str(failed) == "name：必填；mobile：格式不对"


def test_messages_name_a_field_by_its_chinese_label_where_known():
    failed = ValidationFailed({"name": "必填", "extra": "不支持的字段"}, labels={"name": "姓名"})
    assert failed.message == "提交的内容有误：姓名：必填；extra：不支持的字段"
    assert failed.fields == {"name": "必填", "extra": "不支持的字段"}  # the keys a program reads stay the fields'


def test_one_field():
    failed = ValidationFailed.one("kind", "choice", "不支持的业务类型：x")
    assert (failed.fields, failed.codes) == ({"kind": "不支持的业务类型：x"}, {"kind": "choice"})


@pytest.mark.parametrize("error", [TransitionRefused, Conflict, Forbidden])
def test_plain_errors_carry_their_message(error):
    assert error("不能这样做").message == str(error("不能这样做")) == "不能这样做"


def test_not_found_never_tells_missing_from_hidden():
    assert NotFound().message == "记录不存在或无权查看"
    assert str(NotFound("申请")) == "申请不存在或无权查看"
