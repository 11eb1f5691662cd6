"""A one-page OFD document (GB/T 33190-2016, 电子文件存储与交换格式 版式文档) written with the standard library.

An OFD file is a ZIP container of XML parts in the namespace http://www.ofdspec.org/2016:

    OFD.xml                         ofd:OFD → DocBody → DocInfo (DocID, Title, …, CustomDatas) and DocRoot
    Doc_0/Document.xml              CommonData (MaxUnitID, PageArea/PhysicalBox, PublicRes, DocumentRes) and Pages
    Doc_0/PublicRes.xml             the fonts (ofd:Font), not embedded: a reader substitutes its own of that name
    Doc_0/DocumentRes.xml           the images (ofd:MultiMedia), their files under Doc_0/Res/
    Doc_0/Pages/Page_0/Content.xml  one layer of PathObject, TextObject and ImageObject

Every length is in millimetres, the origin at the page's top left, y downwards (as in the standard). Every object
gets an ID unique in the document; MaxUnitID is the largest. The output is the same bytes for the same input (fixed
ZIP timestamps, a DocID derived from the content), so a rendered document can be cached and compared.
"""
from __future__ import annotations

import hashlib
import io
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import date

NS = "http://www.ofdspec.org/2016"
MEDIA_TYPE = "application/ofd"
DOC_ROOT = "Doc_0/Document.xml"
PAGE_LOC = "Pages/Page_0/Content.xml"
ASCENT, DESCENT = 0.88, 0.12  # of the em, where a reader puts a line of CJK text about its baseline

ET.register_namespace("ofd", NS)


def tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def num(value: float) -> str:
    """A length as the standard writes it: decimal, at most three places, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def box(x: float, y: float, width: float, height: float) -> str:
    return " ".join(num(v) for v in (x, y, width, height))


def colour(hex_colour: str) -> str:
    """`#9b1c1c` → `155 28 28` (CT_Color in the default RGB colour space)."""
    raw = hex_colour.lstrip("#")
    return " ".join(str(int(raw[i : i + 2], 16)) for i in (0, 2, 4))


def advance(character: str) -> float:
    """A character's advance in ems: full width for CJK and full-width forms, half width otherwise (as 宋体 draws
    Latin letters and digits)."""
    return 1.0 if unicodedata.east_asian_width(character) in ("W", "F") else 0.5


def text_width(text: str, size: float) -> float:
    return sum(advance(c) for c in text) * size


@dataclass(frozen=True)
class Text:
    """One line of text; (x, baseline) is where its first character sits."""

    x: float
    baseline: float
    text: str
    size: float
    colour: str = "#000000"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    stroke: str | None = None
    line_width: float = 0.353
    fill: str | None = None


@dataclass(frozen=True)
class Image:
    """A PNG drawn into the box (x, y, width, height)."""

    x: float
    y: float
    width: float
    height: float
    png: bytes
    name: str = "image.png"


@dataclass
class Document:
    title: str
    page_width: float = 297.0
    page_height: float = 210.0
    font_name: str = "宋体"
    author: str = ""
    subject: str = ""
    created: date | None = None
    creator: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    objects: list[Text | Rect | Image] = field(default_factory=list)


class Ids:
    def __init__(self) -> None:
        self.last = 0

    def next(self) -> str:
        self.last += 1
        return str(self.last)


def sub(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag(name), attributes)
    if text is not None:
        element.text = text
    return element


def xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")


def text_object(layer: ET.Element, ids: Ids, font_id: str, item: Text) -> None:
    width = max(text_width(item.text, item.size), item.size * 0.5)
    top = item.baseline - ASCENT * item.size
    element = sub(layer, "TextObject", ID=ids.next(), Boundary=box(item.x, top, width, (ASCENT + DESCENT) * item.size),
                  Font=font_id, Size=num(item.size))
    sub(element, "FillColor", Value=colour(item.colour))
    code = sub(element, "TextCode", item.text, X="0", Y=num(ASCENT * item.size))
    if len(item.text) > 1:  # where each next character starts: the layout holds whatever font the reader has
        code.set("DeltaX", " ".join(num(advance(c) * item.size) for c in item.text[:-1]))


def rect_object(layer: ET.Element, ids: Ids, item: Rect) -> None:
    # The path is drawn inside the boundary; the stroke is centred on it, so the boundary grows by half a line.
    half = item.line_width / 2 if item.stroke else 0.0
    element = sub(layer, "PathObject", ID=ids.next(),
                  Boundary=box(item.x - half, item.y - half, item.width + 2 * half, item.height + 2 * half),
                  LineWidth=num(item.line_width), Stroke="true" if item.stroke else "false",
                  Fill="true" if item.fill else "false")
    if item.fill:
        sub(element, "FillColor", Value=colour(item.fill))
    if item.stroke:
        sub(element, "StrokeColor", Value=colour(item.stroke))
    start, far_x, far_y = num(half), num(half + item.width), num(half + item.height)
    sub(element, "AbbreviatedData", f"M {start} {start} L {far_x} {start} L {far_x} {far_y} L {start} {far_y} C")


def render(document: Document) -> bytes:
    """The OFD file (a ZIP) of a one-page document."""
    ids = Ids()
    font_id = ids.next()
    images = [item for item in document.objects if isinstance(item, Image)]
    media_ids = {id(item): ids.next() for item in images}
    page_id = ids.next()

    page = ET.Element(tag("Page"))
    layer = sub(sub(page, "Content"), "Layer", ID=ids.next(), Type="Body")
    for item in document.objects:
        if isinstance(item, Text):
            text_object(layer, ids, font_id, item)
        elif isinstance(item, Rect):
            rect_object(layer, ids, item)
        else:
            sub(layer, "ImageObject", ID=ids.next(), Boundary=box(item.x, item.y, item.width, item.height),
                CTM=f"{num(item.width)} 0 0 {num(item.height)} 0 0", ResourceID=media_ids[id(item)])

    public_res = ET.Element(tag("Res"), BaseLoc="Res")
    sub(sub(public_res, "Fonts"), "Font", ID=font_id, FontName=document.font_name, FamilyName=document.font_name)
    document_res = ET.Element(tag("Res"), BaseLoc="Res")
    medias = sub(document_res, "MultiMedias")
    for item in images:
        media = sub(medias, "MultiMedia", ID=media_ids[id(item)], Type="Image", Format="PNG")
        sub(media, "MediaFile", item.name)

    doc = ET.Element(tag("Document"))
    common = sub(doc, "CommonData")
    sub(common, "MaxUnitID", str(ids.last))
    sub(sub(common, "PageArea"), "PhysicalBox", box(0, 0, document.page_width, document.page_height))
    sub(common, "PublicRes", "PublicRes.xml")
    sub(common, "DocumentRes", "DocumentRes.xml")
    sub(sub(doc, "Pages"), "Page", ID=page_id, BaseLoc=PAGE_LOC)

    parts = {
        DOC_ROOT: xml(doc),
        "Doc_0/PublicRes.xml": xml(public_res),
        "Doc_0/DocumentRes.xml": xml(document_res),
        f"Doc_0/{PAGE_LOC}": xml(page),
        **{f"Doc_0/Res/{item.name}": item.png for item in images},
    }
    digest = hashlib.sha256(b"".join(parts[name] for name in sorted(parts)) + document.title.encode()).digest()

    root = ET.Element(tag("OFD"), Version="1.0", DocType="OFD")
    body = sub(root, "DocBody")
    info = sub(body, "DocInfo")
    sub(info, "DocID", uuid.UUID(bytes=digest[:16]).hex)  # 32 characters, as the standard asks of a UUID
    sub(info, "Title", document.title)
    if document.author:
        sub(info, "Author", document.author)
    if document.subject:
        sub(info, "Subject", document.subject)
    if document.created:
        sub(info, "CreationDate", document.created.isoformat())
    if document.creator:
        sub(info, "Creator", document.creator)
    if document.custom:
        customs = sub(info, "CustomDatas")
        for name, value in document.custom.items():
            sub(customs, "CustomData", value, Name=name)
    sub(body, "DocRoot", DOC_ROOT)

    stamp = (document.created or date(2000, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in {"OFD.xml": xml(root), **parts}.items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return out.getvalue()
