"""pipeline.fields: the checks, the field-type factories, DataModel, and how refusals get a reason and a code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import pytest
from pydantic import ConfigDict, ValidationError, ValidationInfo, model_validator

from pipeline.fields import (
    CODES,
    MAX_INT,
    REQUIRED,
    Choice,
    DataModel,
    Day,
    FieldError,
    Given,
    Loose,
    PositiveInt,
    RequestModel,
    Text,
    Widget,
    age_on,
    checked,
    choice,
    clean,
    field_specs,
    free_text,
    is_blank,
    iso_date,
    not_after,
    positive_int,
    require_one,
    text,
    titles,
    validate,
)
from tests.unit.pipeline.samples import TODAY, errors


def refusal(check, *args) -> tuple[str, str]:
    with pytest.raises(FieldError) as info:
        check(*args)
    assert info.value.code in CODES
    return str(info.value), info.value.code


def test_a_field_error_is_invalid_unless_told():
    assert FieldError("不对").code == "invalid"
    assert FieldError("太长", "too_long").code == "too_long"
    assert isinstance(FieldError("x"), ValueError)


def test_every_code_has_a_description():
    assert all(isinstance(text_, str) and text_ for text_ in CODES.values())
    assert REQUIRED == "必填"


# --- checks -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "clean_"), [("  张三 ", "张三"), ("ab", "ab"), ("abcd", "abcd")])
def test_text_is_stripped(value, clean_):
    assert text(value, 2, 4, "姓名") == clean_


@pytest.mark.parametrize("value", ["张\u202e三", "张\u2066三", "张\u200f三", "张\x0b三", "张\x1b三", "张\x7f三", "张\x85三",
                                   "张\u2028三", "张\n三", "张\t三", "张\r三"])
def test_text_refuses_control_and_direction_characters(value):
    with pytest.raises(FieldError) as refused:
        text(value, 2, 10, "姓名")
    assert str(refused.value) == "姓名不能含有控制字符、换行符或改变文字方向的字符" and refused.value.code == "format"


def test_free_text_keeps_line_breaks_but_not_other_controls():
    assert text("第一行\r\n第二行\t完", 2, 50, "注销原因", lines=True) == "第一行\r\n第二行\t完"
    for value in ("原因\u202e反", "原\x0b因", "原\u2028因"):
        with pytest.raises(FieldError, match="注销原因不能含有控制字符或改变文字方向的字符"):
            text(value, 2, 50, "注销原因", lines=True)
    # Letters of any script, marks, the middle dot of minority names and punctuation stay.
    assert text("阿依古丽·买买提", 2, 30, "姓名") == "阿依古丽·买买提"
    assert text("José Müller-O'Neil", 2, 30, "姓名") == "José Müller-O'Neil"


@pytest.mark.parametrize(("value", "reason", "code"), [
    (12, "姓名应为文本", "type"),
    (None, "姓名应为文本", "type"),
    ("   ", "必填", "required"),
    ("a", "姓名长度应为2至4个字符", "too_short"),
    (" a ", "姓名长度应为2至4个字符", "too_short"),
    ("abcde", "姓名长度应为2至4个字符", "too_long"),
])
def test_bad_text(value, reason, code):
    assert refusal(text, value, 2, 4, "姓名") == (reason, code)


def test_a_fixed_length_is_said_once_with_the_length_typed():
    """Not "长度应为19至19个字符": one number, and how many characters came."""
    assert refusal(text, "D1", 19, 19, "电子化注册识别码") == ("电子化注册识别码长度应为19个字符，现有2个", "too_short")
    assert refusal(text, "D" * 20, 19, 19, "电子化注册识别码") == ("电子化注册识别码长度应为19个字符，现有20个", "too_long")


def test_choice_from_a_sequence_is_exact():
    assert choice(" 临床 ", ["临床", "口腔"], "执业类别") == "临床"
    assert refusal(choice, "西医", ["临床", "口腔"], "执业类别") == ("执业类别应为以下之一：临床、口腔", "choice")
    assert refusal(choice, "abc", ["ABC"], "代码")[1] == "choice"


def test_choice_from_a_mapping_takes_spellings_and_lower_case():
    sexes = {"男": "男", "女": "女", "m": "男", "male": "男", "f": "女"}
    assert [choice(v, sexes, "性别") for v in ("男", "M", "Male", " f ")] == ["男", "男", "男", "女"]
    # the reason lists each clean value once
    assert refusal(choice, "未知", sexes, "性别") == ("性别应为以下之一：男、女", "choice")
    assert refusal(choice, 1, sexes, "性别")[1] == "choice"


@pytest.mark.parametrize(("value", "clean_"), [(1, 1), ("12", 12), (" 7 ", 7), (MAX_INT, MAX_INT), (str(MAX_INT), MAX_INT)])
def test_positive_int(value, clean_):
    assert positive_int(value, "数量") == clean_


@pytest.mark.parametrize("value", [0, -3, "0", "-1", "x", "1e3", "1 2", "1234567890123", True, False, 1.5, 2.0, None])
def test_not_a_positive_int(value):
    assert refusal(positive_int, value, "数量") == ("数量应为正整数", "type")


@pytest.mark.parametrize("value", [MAX_INT + 1, str(MAX_INT + 1)])
def test_a_positive_int_beyond_a_database_integer(value):
    assert refusal(positive_int, value, "数量") == ("数量超出允许范围", "out_of_range")


def test_a_positive_int_up_to_its_own_limit():
    assert positive_int(10, "份数", high=10) == 10
    assert refusal(positive_int, 11, "份数", 10) == ("份数超出允许范围", "out_of_range")


@pytest.mark.parametrize(("value", "day"), [
    ("2026-06-15", date(2026, 6, 15)), (" 2026-06-15 ", date(2026, 6, 15)), ("2024-02-29", date(2024, 2, 29)),
    ("1900-01-01", date(1900, 1, 1)), ("2999-12-31", date(2999, 12, 31)), (date(2026, 1, 2), date(2026, 1, 2)),
])
def test_iso_date(value, day):
    assert iso_date(value, "日期") == day


@pytest.mark.parametrize(("value", "reason", "code"), [
    ("2026/06/15", "日期格式应为YYYY-MM-DD", "format"),
    ("20260615", "日期格式应为YYYY-MM-DD", "format"),
    ("2026-6-15", "日期格式应为YYYY-MM-DD", "format"),
    (20260615, "日期格式应为YYYY-MM-DD", "format"),
    (None, "日期格式应为YYYY-MM-DD", "format"),
    (datetime(2026, 6, 15, 8, 0), "日期格式应为YYYY-MM-DD", "format"),  # a moment is not a day
    ("2026-02-30", "日期不是有效的日期", "date"),
    ("2025-02-29", "日期不是有效的日期", "date"),
    ("2026-13-01", "日期不是有效的日期", "date"),
    ("1899-12-31", "日期不是有效的日期", "date"),
    ("3000-01-01", "日期不是有效的日期", "date"),
])
def test_bad_iso_date(value, reason, code):
    assert refusal(iso_date, value, "日期") == (reason, code)


def test_not_after_today():
    assert not_after(TODAY, TODAY, "日期") == TODAY
    assert refusal(not_after, date(2026, 6, 16), TODAY, "日期") == ("日期不能晚于今天", "future")


@pytest.mark.parametrize(("birth", "today", "age"), [
    (date(2010, 6, 15), TODAY, 16),  # the birthday itself
    (date(2010, 6, 16), TODAY, 15),  # the day before it
    (date(2008, 2, 29), date(2026, 2, 28), 17),
    (date(2008, 2, 29), date(2026, 3, 1), 18),
    (TODAY, TODAY, 0),
])
def test_age_on(birth, today, age):
    assert age_on(birth, today) == age


@pytest.mark.parametrize(("value", "blank"), [
    (None, True), ("", True), ("  \t", True), ([], True), (0, False), (False, False), ("0", False), ({}, False), ([""], False),
])
def test_is_blank(value, blank):
    assert is_blank(value) is blank


# --- the field types, through a data model -------------------------------------------------------------------------


class Sample(DataModel):
    name: Annotated[str, Text("姓名", 2, 30)]
    code: Annotated[str, Text("编号", 3, 10, upper=True, description="三至十位")] | None = None
    colour: Annotated[str, Choice("颜色", {"red": "红", "blue": "蓝"}, aliases={"赤": "red"})] | None = None
    count: Annotated[int, PositiveInt("数量")] | None = None
    day: Annotated[date, Day("日期", not_future=True)] | None = None
    plain: int | None = None  # no Rule: pydantic's own check and error


def test_a_model_cleans_every_field():
    data = {"name": " 张三 ", "code": "ab1", "colour": "蓝", "count": "3", "day": "2026-06-15", "plain": 4}
    assert clean(Sample, data, today=TODAY) == {
        "name": "张三", "code": "AB1", "colour": "blue", "count": 3, "day": "2026-06-15", "plain": 4}
    assert validate(Sample, data, today=TODAY).day == date(2026, 6, 15)


@pytest.mark.parametrize("given", ["red", "红", "赤", " red "])
def test_a_choice_takes_its_value_its_label_and_aliases(given):
    assert clean(Sample, {"name": "张三", "colour": given})["colour"] == "red"


def refused(data: Any, **kwargs: Any) -> dict[str, tuple[str, str]]:
    return errors(lambda d: clean(Sample, d, **kwargs), data)


def test_a_choice_names_its_labels():
    assert refused({"name": "张三", "colour": "green"}) == {"colour": ("颜色应为以下之一：红、蓝", "choice")}


def test_a_day_not_in_the_future_follows_the_given_today():
    assert refused({"name": "张三", "day": "2026-06-16"}, today=TODAY) == {"day": ("日期不能晚于今天", "future")}
    assert clean(Sample, {"name": "张三", "day": "2026-06-16"}, today=date(2026, 6, 16))["day"] == "2026-06-16"


def test_blank_values_are_not_given():
    assert clean(Sample, {"name": "张三", "code": "  ", "colour": None, "count": [], "day": ""}) == {"name": "张三"}
    assert refused({"name": " "}) == {"name": ("必填", "required")}


def test_missing_unknown_and_mistyped_fields():
    assert refused({"code": "abc", "hobby": "x", "count": 0}) == {
        "name": ("必填", "required"), "count": ("数量应为正整数", "type"), "hobby": ("不支持的字段", "unknown_field")}


def test_a_pydantic_error_outside_the_codes_is_invalid():
    assert refused({"name": "张三", "plain": "x"}) == {"plain": ("格式不正确", "invalid")}


@pytest.mark.parametrize("data", [["张三"], "张三", 12, None])
def test_a_body_that_is_not_an_object(data):
    assert refused(data) == {"data": ("请求内容应为JSON对象", "not_object")}
    assert errors(lambda d: clean(Sample, d, whole="body"), data) == {"body": ("请求内容应为JSON对象", "not_object")}


def test_a_clean_model_is_frozen():
    model = validate(Sample, {"name": "张三"})
    with pytest.raises(ValidationError):
        model.name = "李四"
    assert model.name == "张三"


def _braces(value: Any) -> str:
    raise FieldError("应为{JSON}对象", "format")


def _same_as_first(value: Any, info: ValidationInfo) -> str:
    if value != info.data.get("first"):
        raise FieldError("两次输入不一致", "mismatch")
    return value


class Checked(DataModel):
    first: Annotated[str, Text("第一次", 1, 10)]
    again: Annotated[str, checked(_same_as_first, "第二次", schema={"type": "string"}, mode="info")]
    odd: Annotated[str, checked(_braces, "奇怪", schema={"type": "string"})] | None = None


def test_an_info_check_sees_the_fields_before_it():
    assert clean(Checked, {"first": "abc", "again": "abc"}) == {"first": "abc", "again": "abc"}
    assert errors(lambda d: clean(Checked, d), {"first": "abc", "again": "abd"}) == {"again": ("两次输入不一致", "mismatch")}


def test_a_reason_with_braces_is_kept_as_written():
    assert errors(lambda d: clean(Checked, d), {"first": "a", "again": "a", "odd": "x"}) == {"odd": ("应为{JSON}对象", "format")}


class Change(DataModel):
    school: Annotated[str, Text("学校", 2, 10)] | None = None
    title: Annotated[str, Text("职称", 2, 10)] | None = None

    @model_validator(mode="after")
    def _something(self) -> Change:
        require_one(self, "学校或职称")
        return self


def test_require_one():
    assert errors(lambda d: clean(Change, d), {}) == {"data": ("请至少填写一项要变更的信息：学校或职称", "required_one")}
    assert errors(lambda d: clean(Change, d), {"title": " "}) == {
        "data": ("请至少填写一项要变更的信息：学校或职称", "required_one")}
    assert clean(Change, {"title": "主任"}) == {"title": "主任"}


# --- reading a model's fields ------------------------------------------------------------------------------------


def test_titles_come_from_the_rules_or_the_field_name():
    assert titles(Sample) == {"name": "姓名", "code": "编号", "colour": "颜色", "count": "数量", "day": "日期", "plain": "plain"}


def test_field_specs():
    specs = {spec.name: spec for spec in field_specs(Sample)}
    assert [spec.name for spec in field_specs(Sample)] == ["name", "code", "colour", "count", "day", "plain"]
    assert {name for name, spec in specs.items() if spec.required} == {"name"}
    assert specs["colour"].widget == Widget("choice", (("red", "红"), ("blue", "蓝")))
    assert specs["count"].widget == Widget("number")
    assert specs["day"].widget == Widget("date")
    assert specs["name"].widget == Widget("text")
    assert specs["code"].description == "三至十位"
    assert specs["plain"].widget == Widget()


def test_the_json_schema_carries_the_rule():
    properties = Sample.model_json_schema()["properties"]
    assert properties["name"] == {"type": "string", "minLength": 2, "maxLength": 30, "title": "姓名"}
    assert Checked.model_json_schema()["properties"]["again"]["title"] == "第二次"


# --- request bodies: text as given, loose fields, a model's own reason for unknown fields -------------------


class Body(DataModel):
    unknown_field_reason: ClassVar[str] = "只能修改 secret"

    secret: Annotated[str, Given("口令", pattern="^[a-z ]+$")]
    items: Annotated[Any, Loose("条目", {"type": "array", "items": {"type": "integer"}, "minItems": 1})] = None


def body_errors(data):
    return errors(lambda d: clean(Body, d, whole="body"), data)


def test_given_text_is_not_stripped_and_a_loose_field_only_has_its_json_type_checked():
    assert validate(Body, {"secret": " a b ", "items": ["1", -2]}).model_dump() == {"secret": " a b ", "items": ["1", -2]}
    assert body_errors({"secret": 5, "items": "1"}) == {"secret": ("口令应为文本", "type"), "items": ("条目应为列表", "type")}
    assert body_errors({"secret": "  "}) == {"secret": ("必填", "required")}


def test_a_loose_integer_or_boolean_is_not_the_other():
    flag = Loose("开关", {"type": "boolean"})
    number = Loose("数量", {"type": "integer"})
    with pytest.raises(FieldError):
        flag.check(1)
    with pytest.raises(FieldError):
        number.check(True)
    assert flag.check(False) is False and number.check(3) == 3


def test_a_model_may_give_its_own_reason_for_unknown_fields():
    assert body_errors({"secret": "x", "other": 1}) == {"other": ("只能修改 secret", "unknown_field")}
    assert errors(lambda d: clean(Sample, d), {"name": "张三", "hobby": 1}) == {"hobby": ("不支持的字段", "unknown_field")}


def test_given_and_loose_fields_are_documented_in_full():
    schema = Body.model_json_schema()["properties"]
    assert schema["secret"] == {"type": "string", "pattern": "^[a-z ]+$", "title": "口令"}
    assert schema["items"]["items"] == {"type": "integer"} and schema["items"]["minItems"] == 1


def test_a_request_model_cannot_be_made_to_ignore_unknown_keys():
    """DataModel is the one place a body's unknown keys are refused: a subclass loosening it fails at import."""
    for base in (RequestModel, DataModel):
        for extra in ("ignore", "allow"):
            with pytest.raises(TypeError, match="unknown keys"):
                type("Loose", (base,), {"model_config": ConfigDict(extra=extra), "__annotations__": {"a": int}})
    assert Body.model_config["extra"] == "forbid"


def test_free_text_is_stripped_optional_and_limited():
    assert free_text(None, 5, "说明") == "" and free_text("  a b  ", 5, "说明") == "a b"
    assert free_text(" " + "字" * 5 + " ", 5, "说明") == "字" * 5
    with pytest.raises(FieldError) as too_long:
        free_text("字" * 6, 5, "说明")
    assert (str(too_long.value), too_long.value.code) == ("说明不能超过5个字符（现有6个）", "too_long")
    with pytest.raises(FieldError) as not_text:
        free_text(5, 5, "说明")
    assert (str(not_text.value), not_text.value.code) == ("说明应为文本", "type")


@pytest.mark.parametrize("value", ["原因\x1b[31m红", "材料\u202e不全", "不符合\u2028条件", "原因\x07", "北京\x00"])
def test_free_text_refuses_control_and_direction_characters(value):
    with pytest.raises(FieldError) as refused:
        free_text(value, 500, "意见")
    assert (str(refused.value), refused.value.code) == ("意见不能含有控制字符或改变文字方向的字符", "format")


def test_free_text_keeps_line_breaks_and_tabs_unless_told_not_to():
    assert free_text("第一行\n第二行\t完", 500, "意见") == "第一行\n第二行\t完"
    with pytest.raises(FieldError) as refused:
        free_text("第一行\n第二行", 50, "关键词", lines=False)
    assert (str(refused.value), refused.value.code) == ("关键词不能含有控制字符、换行符或改变文字方向的字符", "format")


def test_a_refused_body_names_each_field_in_chinese_in_its_message():
    """The message a person reads says 姓名, not `name`; optional fields (Annotated[…] | None) are named too."""
    from pipeline.accounts import SignUp
    from pipeline.errors import ValidationFailed
    from pipeline.fields import validate
    from pipeline.kinds.physician_info_change import Data

    with pytest.raises(ValidationFailed) as caught:
        validate(SignUp, {"profession": "physician", "extra": 1}, whole="body")
    assert caught.value.message.startswith("提交的内容有误：姓名：必填；性别：必填；")
    assert "extra：不支持的字段" in caught.value.message and "name" not in caught.value.message
    with pytest.raises(ValidationFailed) as caught:
        validate(Data, {"title": "主管护师"})
    assert caught.value.message == "提交的内容有误：职称：职称应为以下之一：医士、医师、主治医师、副主任医师、主任医师"


def test_escaped_writes_control_and_direction_characters_as_escapes_and_keeps_line_breaks():
    from pipeline.fields import escaped

    assert escaped("内科;\x1b[31m红\u202e科\x07") == "内科;\\x1b[31m红\\u202e科\\x07"
    assert escaped("第一行\n第二行\t[bold]") == "第一行\n第二行\t[bold]"
