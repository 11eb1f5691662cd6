"""The electronic licence 电子证照: a signed QR payload that verifies offline, drawn as PNG and PDF.

The payload is `MEDREG1.<fields>.<signature>`: the fields are canonical JSON (sorted keys, no spaces,
UTF-8) in URL-safe base64, the signature is Ed25519 over exactly those bytes (or SM2 with SM3, for a key of
that algorithm: then the fields also say `"alg": "SM2"`; publisher/sm2.py). The fields are the
licence's key facts — identifier, kind, version, name and what the licence attests — taken from the
public record only, plus the issue date and the id of the key that signed. Anyone holding the public
keys can check a scanned licence without asking the portal; the portal's check adds whether the
record is still valid now.
"""
from __future__ import annotations

import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidSignature

from publisher.fhir import ACTIVE_STATUSES
from publisher.licence_keys import ALGORITHM, Keyring, b64, unb64

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
    fields = licence_fields(record, keyring.signing_kid, issued_on)
    if keyring.signing_algorithm != ALGORITHM:  # Ed25519 payloads stay as they always were
        fields["alg"] = keyring.signing_algorithm
    body = canonical(fields)
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
    if fields.get("alg", ALGORITHM) != keyring.algorithm(fields["kid"]):  # the key decides, never the payload
        return Checked(fields, False, "签名无效：证照内容被篡改或伪造")
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


WIDTH, HEIGHT = 1400, 960  # the licence picture, in pixels; the PDF and OFD pages are A4 landscape
BACKGROUND = "#fffdf6"
TEXT_BOTTOM = 850  # the field lines end above this, clear of the footer
NOTO_ASCENT, NOTO_DESCENT = 1.16, 0.29  # of the em: where Pillow's anchors sit about the baseline in Noto Sans CJK
SIGNED_BY = "医疗机构、医师、护士电子化注册系统"


@dataclass(frozen=True)
class Frame:
    box: tuple[int, int, int, int]  # left, top, right, bottom; the line is drawn inside it
    colour: str
    width: int


@dataclass(frozen=True)
class Words:
    x: int
    y: int
    text: str
    size: int
    colour: str
    centred: bool = False  # (x, y) is the middle of the line; otherwise its left end at the ascender line


@dataclass(frozen=True)
class QrSpot:
    x: int
    y: int
    side: int


def layout(fields: dict) -> list[Frame | Words | QrSpot]:
    """What the licence shows and where, in the picture's pixels: the one layout of the PNG, the PDF and the OFD."""
    items: list[Frame | Words | QrSpot] = [
        Frame((20, 20, WIDTH - 20, HEIGHT - 20), "#9b1c1c", 6),
        Frame((36, 36, WIDTH - 36, HEIGHT - 36), "#c9a227", 2),
        Words(WIDTH // 2, 100, TITLES.get(fields["kind"], "电子证照"), 60, "#9b1c1c", centred=True),
    ]
    shown = [(label, wrap(value, 15)) for label, value in lines_of(fields)]
    # 50 px a line while everything fits above the footer (y 890); a long record (an institution's name and address)
    # gets its lines closer together instead of running into it.
    rows = sum(len(chunks) for _, chunks in shown)
    step = min(50, (TEXT_BOTTOM - 190 - 6 * len(shown)) // max(rows, 1))
    y = 190
    for label, chunks in shown:
        items.append(Words(90, y, f"{label}：", 30, "#555555"))
        for chunk in chunks:
            items.append(Words(360, y, chunk, 32, "#111111"))
            y += step
        y += 6
    side = 440
    items.append(QrSpot(WIDTH - side - 80, 200, side))
    items.append(Words(WIDTH - side // 2 - 80, 200 + side + 30, "扫码核验（可离线验证签名）", 26, "#333333", centred=True))
    footer = f"签名密钥：{fields['kid']} · {algorithm_shown(fields)} 数字签名"
    items.append(Words(WIDTH // 2, HEIGHT - 70, footer, 22, "#777777", centred=True))
    return items


def algorithm_shown(fields: dict) -> str:
    return "SM2/SM3" if fields.get("alg") == "SM2" else ALGORITHM


def fields_of(payload: str) -> dict:
    return json.loads(unb64(payload.split(".")[1]))


def qr_picture(payload: str, side: int):
    from PIL import Image

    return qr_image(payload).resize((side, side), Image.Resampling.NEAREST)


def png(payload: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    fonts: dict[int, ImageFont.FreeTypeFont] = {}
    for item in layout(fields_of(payload)):
        if isinstance(item, Frame):
            draw.rectangle(item.box, outline=item.colour, width=item.width)
        elif isinstance(item, Words):
            if item.size not in fonts:
                fonts[item.size] = ImageFont.truetype(str(FONT_PATH), item.size, index=FONT_INDEX_SC)
            draw.text((item.x, item.y), item.text, font=fonts[item.size], fill=item.colour, anchor="mm" if item.centred else "la")
        else:
            image.paste(qr_picture(payload, item.side), (item.x, item.y))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def wrap(text: str, width: float) -> list[str]:
    """Lines of at most `width` ems: a CJK character takes one, any other about 0.6 in Noto Sans CJK (so an identifier
    or a credit code stays on one line)."""
    lines, line, used = [], "", 0.0
    for character in text:
        step = 1.0 if unicodedata.east_asian_width(character) in ("W", "F") else 0.6
        if line and used + step > width:
            lines.append(line)
            line, used = "", 0.0
        if not line and lines and character == " ":
            continue  # a wrapped line does not start with a space
        line, used = line + character, used + step
    return [*lines, line] if line or not lines else lines


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

    fields = fields_of(payload)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page_width, page_height = landscape(A4)
    sheet = canvas.Canvas(out, pagesize=(page_width, page_height))
    sheet.setTitle(f"{TITLES.get(fields['kind'], '电子证照')} {fields['identifier']}")
    sheet.setAuthor(SIGNED_BY)
    picture_height = page_width * HEIGHT / WIDTH
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


def ofd(payload: str) -> bytes:
    """The licence as an OFD document (GB/T 33190): the PDF's A4 landscape page, drawn as vector text, frames and the
    QR code image, so it is searchable and prints sharp. DocInfo names the licence (the registration identifier is
    its identifier: the project issues no separate GB/T 36904 licence number) and CustomData carries the licence's
    metadata and the signed payload, which verifies like the QR code (`GET /api/v1/public/verify-licence`)."""
    from publisher import ofd as doc

    fields = fields_of(payload)
    title = TITLES.get(fields["kind"], "电子证照")
    page_width, page_height = 297.0, 210.0
    scale = page_width / WIDTH  # millimetres per pixel of the picture
    top = (page_height - HEIGHT * scale) / 2
    document = doc.Document(
        title=f"{title} {fields['identifier']}", page_width=page_width, page_height=page_height,
        author=fields.get("authority") or SIGNED_BY, subject=title, created=date.fromisoformat(fields["issued_on"]),
        creator=SIGNED_BY,
        custom={name: value for name, value in (
            ("证照标识", fields["identifier"]), ("证照名称", title), ("持证者", fields["name"]),
            ("发证机关", fields.get("authority") or ""), ("签发日期", fields["issued_on"]),
            ("有效期至", fields.get("valid_until") or ""), ("签名算法", algorithm_shown(fields)), ("签名密钥编号", fields["kid"]),
            ("签名数据", payload),
        ) if value},
    )
    document.objects.append(doc.Rect(0, top, page_width, HEIGHT * scale, fill=BACKGROUND))
    for item in layout(fields):
        if isinstance(item, Frame):
            left, upper, right, lower = item.box
            inset = item.width / 2  # Pillow draws the line inside the box; OFD centres it on the path
            document.objects.append(doc.Rect((left + inset) * scale, top + (upper + inset) * scale,
                                             (right - left - item.width) * scale, (lower - upper - item.width) * scale,
                                             stroke=item.colour, line_width=item.width * scale))
        elif isinstance(item, Words):
            size = item.size * scale
            if item.centred:
                x = item.x * scale - doc.text_width(item.text, size) / 2
                baseline = top + (item.y + (NOTO_ASCENT - NOTO_DESCENT) / 2 * item.size) * scale
            else:
                x, baseline = item.x * scale, top + (item.y + NOTO_ASCENT * item.size) * scale
            document.objects.append(doc.Text(x, baseline, item.text, size, item.colour))
        else:
            picture = io.BytesIO()
            qr_picture(payload, item.side).save(picture, format="PNG")
            document.objects.append(doc.Image(item.x * scale, top + item.y * scale, item.side * scale, item.side * scale,
                                              picture.getvalue(), name="qrcode.png"))
    return doc.render(document)
