"""外国医师短期行医: at the counter, a foreign physician is registered at a host institution for up to one
year; the registration lapses by itself after its end date."""

from __future__ import annotations

from typing import Annotated

from pydantic import ValidationInfo, model_validator

from pipeline.errors import ValidationFailed
from pipeline.fields import Text, today_of
from pipeline.kinds import COMMISSION, Kind, PageHints
from pipeline.registers.physicians import ShortTermPractice, short_term_period


class Data(ShortTermPractice):
    nationality: Annotated[str, Text("国籍", 2, 50)]

    @model_validator(mode="after")
    def _document_and_period(self, info: ValidationInfo) -> Data:
        if self.id_type not in ("passport", "foreign_permanent"):
            raise ValidationFailed.one("id_type", "mismatch", "外国医师应使用护照或外国人永久居留身份证")
        short_term_period(self.start_date, self.end_date, max_days=365, most="一年", today=today_of(info))
        return self


KIND = Kind(
    name="physician.foreign_short_term_practice", label="外国医师短期行医", profession="physician",
    submitted_by=COMMISSION, data=Data, commission_approves=False,
    page=PageHints(intro="短期行医期限最长一年，期满次日注册自动注销。", submit="录入并批准"),
)
