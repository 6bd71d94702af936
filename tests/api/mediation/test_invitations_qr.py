"""The invitation's images: a PNG and an SVG drawn from `qrcode`, and WeChat's mini-program code via the fake server."""

import struct
import xml.etree.ElementTree as ET
import zlib

import qrcode
import qrcode.constants

from tests.support.factories import login
from tests.support.fake_wechat import PNG_BYTES
from tests.support.scheduling import MP, mediation_case, mediator


def issue(client):
    med = mediator()
    case = mediation_case(mediator_user=med)
    response = client.post(f"{MP}/cases/{case.id}/invitations", json={"role": "respondent"}, headers=login(med))
    assert response.status_code == 201
    return response.get_json()


def expected_matrix(token: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(f"http://127.0.0.1:5000/mp/pages/invitation/accept?scene={token}")
    code.make(fit=True)
    return code.get_matrix()


def read_png(data: bytes) -> tuple[int, int, list[list[int]]]:
    """A minimal PNG reader for 1-bit grayscale, filter 0: (width, height, rows of 0/1 pixels); checks every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color, interlace) == (1, 0, 0)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = (width + 7) // 8 + 1
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0
        bits = "".join(f"{byte:08b}" for byte in line[1:])[:width]
        rows.append([int(bit) for bit in bits])
    assert b"IEND" in chunks
    return width, height, rows


def test_png_encodes_the_invitation_link_with_the_token_as_scene(client, clock):
    token = issue(client)["token"]
    response = client.get(f"{MP}/invitations/{token}/qr.png")  # no Authorization header: the token is the secret
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "private" in response.headers["Cache-Control"]
    width, height, rows = read_png(response.data)
    modules = expected_matrix(token)
    scale = width // len(modules)
    assert width == height == scale * len(modules) and scale >= 4
    seen = [
        [rows[y * scale + scale // 2][x * scale + scale // 2] == 0 for x in range(len(modules))]
        for y in range(len(modules))
    ]
    assert seen == modules  # every module, dark (0) or light (1), where qrcode put it


def test_svg_comes_from_qrcodes_svg_factory(client, clock):
    token = issue(client)["token"]
    response = client.get(f"{MP}/invitations/{token}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    modules = expected_matrix(token)
    assert root.get("viewBox") == f"0 0 {len(modules)} {len(modules)}"
    path = root.find("{http://www.w3.org/2000/svg}path")
    assert path.get("d").count("z") == sum(sum(row) for row in modules)  # one square per dark module


def test_the_mini_program_code_comes_from_wechat_when_configured(client, clock, wechat):
    issued = issue(client)
    assert issued["wxacode_url"].endswith(f"/invitations/{issued['token']}/wxacode.png")
    response = client.get(f"{MP}/invitations/{issued['token']}/wxacode.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == PNG_BYTES
    assert ("POST", "/wxa/getwxacodeunlimit") in wechat.requests


def test_wechat_quota_and_unknown_tokens(client, clock, wechat):
    token = issue(client)["token"]
    calls = len(wechat.requests)
    assert client.get(f"{MP}/invitations/{'Zz' * 12}/wxacode.png").status_code == 404
    assert len(wechat.requests) == calls  # an unknown token never reaches WeChat
    wechat.wxacode_errcode = 45009
    limited = client.get(f"{MP}/invitations/{token}/wxacode.png")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_without_wechat_there_is_no_mini_program_code(client, clock):
    token = issue(client)["token"]
    response = client.get(f"{MP}/invitations/{token}/wxacode.png")
    assert response.status_code == 404 and response.get_json()["reason"] == "invitation.wxacode_unavailable"
