"""The messages medreg sends people: one template per kind of message, each with its variables named.

Chinese carriers only deliver SMS from registered templates: a gateway gets the template's code and the values
of its variables, a development backend the rendered text. The inbox shows the same text. Variables marked
secret (codes, passwords) are stored encrypted until the message is sent (models/messages.py).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

SIGNATURE = "【电子化注册】"


@dataclass(frozen=True)
class Message:
    name: str
    code: str  # the template's code at the SMS gateway (a site registers its templates under these codes)
    template: str  # the text, with {variable} for each variable
    secret: frozenset[str] = frozenset()

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(field for _, field, _, _ in string.Formatter().parse(self.template) if field)

    def render(self, params: Mapping[str, object]) -> str:
        """The text (as the inbox shows it); ValueError unless `params` names exactly the template's variables."""
        given = frozenset(params)
        if given != self.variables:
            raise ValueError(f"message {self.name}: variables {sorted(self.variables)}, given {sorted(given)}")
        return self.template.format(**{key: str(value) for key, value in params.items()})

    def sms(self, params: Mapping[str, object]) -> str:
        """The text of the SMS: the system's signature, then the message."""
        return SIGNATURE + self.render(params)


MESSAGES: dict[str, Message] = {message.name: message for message in (
    Message("activation_code", "MEDREG_ACTIVATION", "您的账号激活码为 {code}，{hours}小时内有效。", frozenset({"code"})),
    Message("password_reset_code", "MEDREG_RESET_CODE",
            "您正在重置登录密码，验证码为 {code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。", frozenset({"code"})),
    Message("institution_account", "MEDREG_INSTITUTION_ACCOUNT",
            "{institution}医疗机构端账号已开通。用户名：{username}，初始密码：{password}。首次登录须修改密码，请勿将密码告知他人。",
            frozenset({"password"})),
    Message("password_reset_by_commission", "MEDREG_PASSWORD_RESET",
            "账号 {username} 的密码已重置，新密码为 {password}，请登录后立即修改。", frozenset({"password"})),
    Message("signup_refused", "MEDREG_SIGNUP_REFUSED",
            "有人使用您的{what}申请注册个人账号，因该{what}已登记账号，未予办理。如系本人操作，请直接登录或通过短信验证码重置密码。"),
    Message("signup_rejected", "MEDREG_SIGNUP_REJECTED",
            "您以{institution}为执业机构提交的个人账号注册申请未获该机构确认，账号未开通。如有疑问请联系该机构。"),
    Message("verification_failed", "MEDREG_VERIFICATION_FAILED", "您的{kind}申请（编号 {id}）未通过核验：{reason}"),
    Message("returned", "MEDREG_RETURNED", "您的{kind}申请（编号 {id}）已被退回：{reason}。请修改后重新提交。"),
    Message("rejected", "MEDREG_REJECTED", "您的{kind}申请（编号 {id}）未获批准：{reason}"),
    Message("published", "MEDREG_PUBLISHED", "您的{kind}申请（编号 {id}）已办结并公示，电子化注册识别码 {identifier}。"),
    Message("filed_about_you", "MEDREG_FILED", "{institution}已为您提交{kind}申请（编号 {id}），经卫生健康委审批后生效。"),
    Message("nurse_expiring", "MEDREG_NURSE_EXPIRING",
            "您在{institution}的护士执业注册将于{until}有效期届满（不足{days}天），请在届满前申请延续注册。"),
    Message("nurse_expired", "MEDREG_NURSE_EXPIRED", "您的护士执业注册已于{until}有效期届满，状态为已过期；继续执业请办理重新注册。"),
)}


def message(name: str) -> Message:
    return MESSAGES[name]
