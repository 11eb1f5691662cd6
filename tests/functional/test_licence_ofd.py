"""The electronic licence 电子证照 as OFD (GB/T 33190, `format=ofd`): a ZIP whose OFD.xml leads through DocRoot to
the document and its page, the page shows the holder's name and identifier as text, the QR image decodes to the
signed payload and the payload in CustomData verifies at /api/v1/public/verify-licence; a format it does not know
is refused naming the field."""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest
import zxingcpp
from PIL import Image
from webtest import TestApp

from publisher.licence_keys import new_keyring_document
from tests import public_records
from tests.journeys import portal_with

DIVISION = "650604"
NS = {"ofd": "http://www.ofdspec.org/2016"}
KEYS = new_keyring_document("ofd-2026")


@pytest.fixture(scope="module")
def portal(settings) -> TestApp:
    return portal_with(settings, licence_keys=json.dumps(KEYS))


@pytest.fixture(scope="module")
def records(settings) -> list[dict]:
    return public_records.licence_holders(settings, DIVISION, "伊宁版式测试医院", 41, ("physician", "nurse", "institution"))


def part(archive: zipfile.ZipFile, name: str) -> ET.Element:
    return ET.fromstring(archive.read(name))


def test_the_ofd_licence_is_a_zip_with_its_parts_linked_and_the_holder_on_the_page(portal, records):
    for record in records:
        answer = portal.get(f"/api/v1/public/records/{record['identifier']}/licence", params={"format": "ofd"})
        assert answer.content_type == "application/ofd"
        assert answer.headers["Content-Disposition"] == f'inline; filename="licence-{record["identifier"]}.ofd"'
        archive = zipfile.ZipFile(io.BytesIO(answer.body))
        assert archive.testzip() is None
        root = part(archive, "OFD.xml")
        assert root.tag == "{http://www.ofdspec.org/2016}OFD" and root.get("DocType") == "OFD"
        doc_root = root.findtext("ofd:DocBody/ofd:DocRoot", namespaces=NS)
        assert doc_root in archive.namelist()
        info = root.find("ofd:DocBody/ofd:DocInfo", NS)
        assert record["identifier"] in info.findtext("ofd:Title", namespaces=NS)
        custom = {c.get("Name"): c.text for c in info.findall("ofd:CustomDatas/ofd:CustomData", NS)}
        assert custom["证照标识"] == record["identifier"] and custom["持证者"] == record["name"]
        assert custom["签名数据"] == answer.headers["X-Medreg-Licence-Payload"]
        base = doc_root.rsplit("/", 1)[0]
        document = part(archive, doc_root)
        assert document.findtext("ofd:CommonData/ofd:PageArea/ofd:PhysicalBox", namespaces=NS) == "0 0 297 210"
        page = part(archive, f"{base}/{document.find('ofd:Pages/ofd:Page', NS).get('BaseLoc')}")
        texts = [code.text for code in page.iter("{http://www.ofdspec.org/2016}TextCode")]
        assert record["name"] in texts and record["identifier"] in texts
        assert ("机构名称：" if record["kind"] == "institution" else "姓名：") in texts


def test_the_qr_image_and_the_custom_data_of_the_ofd_verify(portal, records):
    record = records[0]
    answer = portal.get(f"/api/v1/public/records/{record['identifier']}/licence", params={"format": "ofd"})
    archive = zipfile.ZipFile(io.BytesIO(answer.body))
    resources = part(archive, "Doc_0/DocumentRes.xml")
    page = part(archive, "Doc_0/Pages/Page_0/Content.xml")
    image = page.find(".//ofd:ImageObject", NS)
    media = next(m for m in resources.iter("{http://www.ofdspec.org/2016}MultiMedia") if m.get("ID") == image.get("ResourceID"))
    picture = archive.read(f"Doc_0/{resources.get('BaseLoc')}/{media.findtext('ofd:MediaFile', namespaces=NS)}")
    codes = [c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(picture))) if c.format == zxingcpp.BarcodeFormat.QRCode]
    custom = {c.get("Name"): c.text for c in part(archive, "OFD.xml").iter("{http://www.ofdspec.org/2016}CustomData")}
    assert codes == [custom["签名数据"]]
    verdict = portal.get("/api/v1/public/verify-licence", params={"payload": custom["签名数据"]}).json
    assert (verdict["authentic"], verdict["valid_now"], verdict["key_id"]) == (True, True, "ofd-2026")
    assert verdict["licence"]["identifier"] == record["identifier"]
    # The same bytes again: drawn once and cached, like the PDF and the PNG.
    assert portal.get(f"/api/v1/public/records/{record['identifier']}/licence", params={"format": "OFD"}).body == answer.body


def test_an_unknown_format_is_refused_naming_the_field_and_the_formats(portal, records):
    for wrong in ("doc", "docx", "ofdx"):
        refused = portal.get(f"/api/v1/public/records/{records[0]['identifier']}/licence", params={"format": wrong}, status=400).json
        assert refused["error"]["fields"] == {"format": "只能是 pdf、png 或 ofd"}
