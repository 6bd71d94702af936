"""The words a recipient agrees to when consenting to e-service (电子送达), versioned and hashed; the choices offered.

Every consent record stores the version and the SHA-256 of the text shown, so what a person agreed to can be
proven later even after the wording changes. A new wording is a new version: never edit a published text.
Plain rules: no database, no Flask.
"""

from __future__ import annotations

import hashlib

TEXTS = {
    "esc-2026-01": (
        "电子送达确认书\n"
        "一、本人同意人民法院通过微法院平台向本人电子送达诉讼文书和证据材料，包括判决书、裁定书、调解书。\n"
        "二、送达地址为本人的微法院小程序账户（收件箱）；本人确认的手机号码、电子邮箱用于接收文书到达提示。\n"
        "三、文书到达本人确认的送达地址所在系统之日即为送达之日，请及时查看；法律规定的期间自送达次日起算。\n"
        "四、本人可选择仅适用于本案或适用于本人的全部案件；可随时变更送达地址或撤回同意，"
        "撤回前已完成的送达仍然有效。\n"
        "五、本人需要纸质判决书、裁定书、调解书的，可以向人民法院申请。\n"
        "依据：《中华人民共和国民事诉讼法》第九十条，《人民法院在线诉讼规则》第二十九条至第三十二条。"
    ),
}
CURRENT_VERSION = "esc-2026-01"
SCOPES = ("case", "all_cases")
ADDRESS_KINDS = ("mini_program", "phone", "email")
RECIPIENT_METHODS = ("mini_program", "h5", "sms_link")  # a recipient (or their agent) acting themselves
CLERK_METHOD = "clerk_recorded"  # a clerk records a consent obtained by phone or in person, with a note
INBOX_ADDRESS = "mini-program inbox"


def sha256(version: str) -> str:
    """Hex SHA-256 of a published text (UTF-8)."""
    return hashlib.sha256(TEXTS[version].encode()).hexdigest()


def current() -> dict:
    """The text to show now, with its version and hash (the client echoes both back when agreeing)."""
    return {"version": CURRENT_VERSION, "sha256": sha256(CURRENT_VERSION), "text": TEXTS[CURRENT_VERSION]}


def agreed(version: str | None, digest: str | None) -> bool:
    """The person agreed to a published text: a known version and the hash of exactly that text."""
    return version in TEXTS and digest == sha256(version)
