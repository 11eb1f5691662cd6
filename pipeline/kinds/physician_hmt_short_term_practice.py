"""港澳台医师短期行医: at the counter, a physician from Hong Kong, Macao or Taiwan is registered at a host
institution for up to three years; the registration lapses by itself after its end date."""

from __future__ import annotations

from typing import Annotated

from pydantic import ValidationInfo, model_validator

from pipeline.fields import Choice, today_of
from pipeline.kinds import COMMISSION, Kind, PageHints
from pipeline.registers.physicians import HMT_REGIONS, ShortTermPractice, region_matches_id_type, short_term_period


class Data(ShortTermPractice):
    region: Annotated[str, Choice("地区", list(HMT_REGIONS))]

    @model_validator(mode="after")
    def _permit_and_period(self, info: ValidationInfo) -> Data:
        region_matches_id_type(self.region, self.id_type)
        short_term_period(self.start_date, self.end_date, max_days=3 * 365 + 1, most="三年", today=today_of(info))
        return self


KIND = Kind(
    name="physician.hmt_short_term_practice", label="港澳台医师短期行医", profession="physician",
    submitted_by=COMMISSION, data=Data, commission_approves=False,
    page=PageHints(intro="短期行医期限最长三年，期满次日注册自动注销。", submit="录入并批准"),
)
