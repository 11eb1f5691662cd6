"""The electronic licence 电子证照: a signed QR payload that verifies offline, drawn as PNG and PDF.

The payload is `MEDREG1.<fields>.<signature>`: the fields are canonical JSON (sorted keys, no spaces,
UTF-8) in URL-safe base64, the signature is Ed25519 over exactly those bytes. The fields are the
licence's key facts — identifier, kind, version, name and what the licence attests — taken from the
public record only, plus the issue date and the id of the key that signed. Anyone holding the public
keys can check a scanned licence without asking the portal; the portal's check adds whether the
record is still valid now.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidSignature

from publisher.fhir import ACTIVE_STATUSES
from publisher.licence_keys import Keyring, b64, unb64

PREFIX = "MEDREG1"
FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_INDEX_SC = 2  # Noto Sans CJK SC inside the collection
TITLES = {"physician": "医师执业电子证照", "nurse": "护士执业电子证照", "institution": "医疗机构执业电子证照"}
FIELD_LABELS = {
    "identifier": "电子化注册识别码",
    "name": "姓名",
    "sex": "性别",
    "level": "医师级别",
    "practice_category": "执业类别",
    "practice_scopes": "执业范围",
    "department": "执业科室",
    "institution": "主要执业机构",
    "uscc": "统一社会信用代码",
    "type": "机构类别",
    "address": "地址",
    "departments": "诊疗科目",
    "valid_until": "有效期至",
    "authority": "发证机关",
    "registered_on": "注册日期",
    "issued_on": "签发日期",
}
KIND_FIELDS = {
    "physician": ("sex", "level", "practice_category", "practice_scopes", "institution"),
    "nurse": ("sex", "department", "institution", "valid_until"),
    "institution": ("uscc", "type", "address", "departments", "valid_until"),
}


class PayloadError(ValueError):
    """The text is not a licence payload at all (as opposed to a payload whose signature fails)."""


def licence_fields(record: dict, kid: str, issued_on: date) -> dict:
    """What the licence attests, from the public record only (so it is as privacy-filtered as the record)."""
    main = next((place for place in record.get("institutions") or [] if place.get("main")), None)
    facts = {
        "sex": record.get("sex"),
        "level": record.get("level"),
        "practice_category": record.get("practice_category"),
        "practice_scopes": record.get("practice_scopes"),
        "department": record.get("department"),
        "institution": main["name"] if main else None,
        "uscc": record.get("uscc"),
        "type": record.get("type"),
        "address": record.get("address") if record["kind"] == "institution" else None,
        "departments": record.get("departments") if record["kind"] == "institution" else None,
        "valid_until": record.get("valid_until"),
    }
    fields = {
        "kid": kid,
        "identifier": record["identifier"],
        "kind": record["kind"],
        "version": record["version"],
        "name": record["name"],
        "authority": (record.get("registering_authority") or {}).get("name") or "",
        "registered_on": record.get("registered_on"),
        "issued_on": issued_on.isoformat(),
    }
    fields.update({key: facts[key] for key in KIND_FIELDS.get(record["kind"], ()) if facts[key] not in (None, "", [])})
    return {key: value for key, value in fields.items() if value is not None}


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(keyring: Keyring, record: dict, issued_on: date) -> str:
    body = canonical(licence_fields(record, keyring.signing_kid, issued_on))
    return f"{PREFIX}.{b64(body)}.{b64(keyring.signing_key.sign(body))}"


@dataclass(frozen=True)
class Checked:
    fields: dict
    authentic: bool
    reason: str = ""


def check(keyring: Keyring, payload: str) -> Checked:
    """Whether the payload was signed by one of our keys, offline. PayloadError if it is no payload at all."""
    parts = payload.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise PayloadError(f"不是电子证照二维码内容（应以 {PREFIX}. 开头，由两个“.”分成三段）")
    try:
        body, signature = unb64(parts[1]), unb64(parts[2])
        fields = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("二维码内容已损坏，无法解码") from None
    if not isinstance(fields, dict) or not isinstance(fields.get("identifier"), str) or not isinstance(fields.get("kid"), str):
        raise PayloadError("二维码内容缺少识别码或密钥编号")
    key = keyring.public_keys.get(fields["kid"])
    if key is None:
        return Checked(fields, False, f"签名密钥 {fields['kid']} 不是本系统的密钥")
    try:
        key.verify(signature, body)
    except InvalidSignature:
        return Checked(fields, False, "签名无效：证照内容被篡改或伪造")
    return Checked(fields, True)


def still_valid(checked: Checked, current: dict | None) -> tuple[bool, str]:
    """Whether the licence holds today: authentic, and the record still published and active."""
    if not checked.authentic:
        return False, checked.reason
    if current is None:
        return False, "签名有效，但公示记录中没有这个识别码"
    if current["status"] not in ACTIVE_STATUSES:
        label = current.get("status_label") or current["status"]
        return False, f"签名有效，但该记录当前状态为“{label}”（自 {current.get('status_since') or '—'} 起），证照已失效"
    if current["version"] != checked.fields.get("version"):
        return True, f"签名有效，记录仍然有效；公示信息已更新至第 {current['version']} 版，请以当前公示为准"
    return True, "签名有效，记录当前有效"


# --- drawing -----------------------------------------------------------------------------------------


def lines_of(fields: dict) -> list[tuple[str, str]]:
    order = ("name", "identifier", *KIND_FIELDS.get(fields["kind"], ()), "registered_on", "authority", "issued_on")
    if fields["kind"] == "institution":
        labels = {**FIELD_LABELS, "name": "机构名称"}
    else:
        labels = FIELD_LABELS
    shown = []
    for key in order:
        value = fields.get(key)
        if value in (None, "", []):
            continue
        shown.append((labels[key], "、".join(value) if isinstance(value, list) else str(value)))
    return shown


def qr_image(payload: str):
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=2)
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def png(payload: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    fields = json.loads(unb64(payload.split(".")[1]))
    width, height = 1400, 960
    image = Image.new("RGB", (width, height), "#fffdf6")
    draw = ImageDraw.Draw(image)
    font = lambda size: ImageFont.truetype(str(FONT_PATH), size, index=FONT_INDEX_SC)  # noqa: E731
    draw.rectangle((20, 20, width - 20, height - 20), outline="#9b1c1c", width=6)
    draw.rectangle((36, 36, width - 36, height - 36), outline="#c9a227", width=2)
    title = TITLES.get(fields["kind"], "电子证照")
    draw.text((width // 2, 100), title, font=font(60), fill="#9b1c1c", anchor="mm")
    y, label_font, value_font = 190, font(30), font(32)
    for label, value in lines_of(fields):
        draw.text((90, y), f"{label}：", font=label_font, fill="#555555")
        for chunk in wrap(value, 15):
            draw.text((360, y), chunk, font=value_font, fill="#111111")
            y += 50
        y += 6
    code = qr_image(payload)
    side = 440
    code = code.resize((side, side), Image.Resampling.NEAREST)
    image.paste(code, (width - side - 80, 200))
    draw.text((width - side // 2 - 80, 200 + side + 30), "扫码核验（可离线验证签名）", font=font(26), fill="#333333", anchor="mm")
    draw.text((width // 2, height - 70), f"签名密钥：{fields['kid']} · Ed25519 数字签名", font=font(22), fill="#777777", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def pdf(payload: str) -> bytes:
    """The same picture as the PNG on an A4 landscape page, with the text also as a (hidden) text layer.

    reportlab cannot embed Noto CJK (CFF outlines), so the visible page is the Pillow drawing and the
    searchable text uses the standard CID font STSong-Light.
    """
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    fields = json.loads(unb64(payload.split(".")[1]))
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page_width, page_height = landscape(A4)
    sheet = canvas.Canvas(out, pagesize=(page_width, page_height))
    sheet.setTitle(f"{TITLES.get(fields['kind'], '电子证照')} {fields['identifier']}")
    sheet.setAuthor("医疗机构、医师、护士电子化注册系统")
    picture_height = page_width * 960 / 1400
    sheet.drawImage(ImageReader(io.BytesIO(png(payload))), 0, (page_height - picture_height) / 2, page_width, picture_height)
    text = sheet.beginText(40, page_height - 40)
    text.setTextRenderMode(3)  # invisible: for search and copy only
    text.setFont("STSong-Light", 10)
    text.textLine(TITLES.get(fields["kind"], "电子证照"))
    for label, value in lines_of(fields):
        text.textLine(f"{label}：{value}")
    text.textLine(payload)
    sheet.drawText(text)
    sheet.showPage()
    sheet.save()
    return out.getvalue()
