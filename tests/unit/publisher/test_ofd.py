"""The OFD writer (publisher/ofd.py) and the licence layout it is fed (publisher/licence.py): a ZIP of the parts the
standard names, each referring to the next by its location, unique object IDs up to MaxUnitID, lengths in
millimetres, the same bytes for the same input; and the licence's lines wrapped by width, so identifiers stay whole."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from datetime import date

from publisher import licence, ofd
from publisher.licence_keys import new_keyring_document, parse_keyring

NS = {"ofd": ofd.NS}
RECORD = {"identifier": "D65060120260000031X", "kind": "physician", "version": 1, "name": "张三丰",
          "registering_authority": {"name": "伊宁市卫生健康委员会"}, "registered_on": "2026-01-02", "sex": "男",
          "level": "执业医师", "practice_category": "临床", "practice_scopes": ["内科专业", "外科专业", "儿科专业", "妇产科专业"],
          "institutions": [{"main": True, "name": "伊犁测试医院"}]}


def test_lengths_colours_and_advances_are_written_as_the_standard_reads_them():
    assert [ofd.num(v) for v in (0, 297, 3.1706, -0.0001, 12.5)] == ["0", "297", "3.171", "0", "12.5"]
    assert ofd.colour("#9b1c1c") == "155 28 28"
    assert (ofd.advance("张"), ofd.advance("："), ofd.advance("D"), ofd.advance("0")) == (1.0, 1.0, 0.5, 0.5)
    assert ofd.text_width("识别码D1", 10) == 40


def test_a_document_is_a_zip_whose_parts_refer_to_each_other():
    png = b"\x89PNG\r\n\x1a\nfake"
    document = ofd.Document(title="样例 X1", created=date(2026, 5, 1), custom={"证照标识": "X1", "签名数据": "MEDREG1.a.b"},
                            objects=[ofd.Rect(10, 10, 100, 50, stroke="#9b1c1c", line_width=1), ofd.Text(20, 30, "姓名：张三", 5),
                                     ofd.Image(150, 20, 40, 40, png, name="qr.png")])
    data = ofd.render(document)
    assert data == ofd.render(document)  # deterministic: cacheable, comparable
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist()[0] == "OFD.xml"
    root = ET.fromstring(archive.read("OFD.xml"))
    assert root.tag == f"{{{ofd.NS}}}OFD" and root.get("DocType") == "OFD"
    info = root.find("ofd:DocBody/ofd:DocInfo", NS)
    assert len(info.findtext("ofd:DocID", namespaces=NS)) == 32
    assert (info.findtext("ofd:Title", namespaces=NS), info.findtext("ofd:CreationDate", namespaces=NS)) == ("样例 X1", "2026-05-01")
    assert {c.get("Name"): c.text for c in info.findall("ofd:CustomDatas/ofd:CustomData", NS)} == document.custom
    doc_root = root.findtext("ofd:DocBody/ofd:DocRoot", namespaces=NS)
    doc = ET.fromstring(archive.read(doc_root))
    base = doc_root.rsplit("/", 1)[0]
    common = doc.find("ofd:CommonData", NS)
    assert common.findtext("ofd:PageArea/ofd:PhysicalBox", namespaces=NS) == "0 0 297 210"
    fonts = ET.fromstring(archive.read(f"{base}/{common.findtext('ofd:PublicRes', namespaces=NS)}"))
    font_ids = {font.get("ID") for font in fonts.iter(f"{{{ofd.NS}}}Font")}
    assert [font.get("FontName") for font in fonts.iter(f"{{{ofd.NS}}}Font")] == ["宋体"]
    res = ET.fromstring(archive.read(f"{base}/{common.findtext('ofd:DocumentRes', namespaces=NS)}"))
    media = {m.get("ID"): m.findtext("ofd:MediaFile", namespaces=NS) for m in res.iter(f"{{{ofd.NS}}}MultiMedia")}
    page = ET.fromstring(archive.read(f"{base}/{doc.find('ofd:Pages/ofd:Page', NS).get('BaseLoc')}"))
    text = page.find(".//ofd:TextObject", NS)
    assert text.get("Font") in font_ids and text.find("ofd:TextCode", NS).text == "姓名：张三"
    assert text.get("Boundary") == "20 25.6 25 5" and text.find("ofd:TextCode", NS).get("DeltaX") == "5 5 5 5"
    image = page.find(".//ofd:ImageObject", NS)
    assert archive.read(f"{base}/{res.get('BaseLoc')}/{media[image.get('ResourceID')]}") == png
    path = page.find(".//ofd:PathObject", NS)
    assert path.get("Boundary") == "9.5 9.5 101 51" and path.findtext("ofd:AbbreviatedData", namespaces=NS).endswith(" C")
    ids = [element.get("ID") for part in (fonts, res, doc, page) for element in part.iter() if element.get("ID")]
    assert len(ids) == len(set(ids)) and max(map(int, ids)) == int(common.findtext("ofd:MaxUnitID", namespaces=NS))


def test_the_licence_ofd_has_the_layout_of_the_picture_and_carries_its_payload():
    payload = licence.sign(parse_keyring(new_keyring_document("unit-1")), RECORD, date(2026, 12, 3))
    archive = zipfile.ZipFile(io.BytesIO(licence.ofd(payload)))
    info = ET.fromstring(archive.read("OFD.xml")).find("ofd:DocBody/ofd:DocInfo", NS)
    assert info.findtext("ofd:Title", namespaces=NS) == "医师执业电子证照 D65060120260000031X"
    custom = {c.get("Name"): c.text for c in info.findall("ofd:CustomDatas/ofd:CustomData", NS)}
    assert (custom["证照标识"], custom["持证者"], custom["签名数据"], custom["签名密钥编号"]) == (
        "D65060120260000031X", "张三丰", payload, "unit-1")
    page = ET.fromstring(archive.read("Doc_0/Pages/Page_0/Content.xml"))
    texts = [code.text for code in page.iter(f"{{{ofd.NS}}}TextCode")]
    drawn = [item.text for item in licence.layout(licence.fields_of(payload)) if isinstance(item, licence.Words)]
    assert texts == drawn and "D65060120260000031X" in texts and "张三丰" in texts
    for text in page.iter(f"{{{ofd.NS}}}TextObject"):  # everything on the A4 landscape page
        x, y, width, height = map(float, text.get("Boundary").split())
        assert x >= 0 and x + width <= 297 and y >= 0 and y + height <= 210


def test_lines_wrap_by_width_so_codes_stay_whole():
    assert licence.wrap("D65060120260000031X", 15) == ["D65060120260000031X"]
    assert licence.wrap("内科专业、外科专业、儿科专业、妇产科专业", 15) == ["内科专业、外科专业、儿科专业、", "妇产科专业"]
    assert licence.wrap("", 15) == [""] and licence.wrap("a" * 30, 15) == ["a" * 25, "a" * 5]


def test_a_long_record_gets_closer_lines_instead_of_running_into_the_footer():
    institution = {"identifier": "J65060120260000043X", "kind": "institution", "version": 1, "name": "伊宁市第一人民医院（伊犁州立医院分院）",
                   "registering_authority": {"name": "伊宁市卫生健康委员会"}, "registered_on": "2026-01-02",
                   "uscc": "12654002MB1234567X", "type": "综合医院", "address": "新疆维吾尔自治区伊犁哈萨克自治州伊宁市斯大林街 1 号 某楼",
                   "departments": ["内科", "外科", "儿科"], "valid_until": "2031-01-01"}
    keyring = parse_keyring(new_keyring_document("unit-1"))
    for record, step in ((RECORD, 50), (institution, None)):
        fields = licence.fields_of(licence.sign(keyring, record, date(2026, 12, 3)))
        values = [item for item in licence.layout(fields) if isinstance(item, licence.Words) and item.x == 360]
        assert values[-1].y + 40 <= licence.TEXT_BOTTOM
        if step:
            assert values[1].y - values[0].y == step + 6  # one line, then the gap between fields
    assert licence.wrap("斯大林街 1 号 某楼", 6.8) == ["斯大林街 1 号", "某楼"]  # no wrapped line starts with a space
