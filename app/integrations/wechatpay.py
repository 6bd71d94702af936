"""WeChat Pay API v3 (mini-program JSAPI, phone-browser H5, Native QR codes), through the `wechatpayv3` SDK.

This is the only module that imports the SDK. `WeChatPayClient` wraps it: the SDK signs every request
(WECHATPAY2-SHA256-RSA2048 with the merchant's private key), verifies every 2xx answer's Wechatpay-Signature
with the platform public key (or the platform certificates it downloads into a directory) and decrypts
notification resources (AEAD_AES_256_GCM with the APIv3 key). What this wrapper adds, where the SDK falls
short (docs/payments.md):

- the gateway is configurable (`base_url`), so tests point it at a local fake server: the SDK hard-codes
  https://api.mch.weixin.qq.com in its core, which is set after construction;
- in platform-certificate mode the SDK downloads the certificates in its constructor (from its own host): it is
  built with a placeholder key, pointed at `base_url`, and then loads them;
- a notification's timestamp is checked against a window (the SDK verifies the signature only, so a replayed
  signed notification would pass forever);
- errors become one exception with WeChat's code and message, instead of (status, text) tuples;
- the bill file is checked against the hash WeChat announced and parsed into rows (amounts in fen).
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from wechatpayv3 import WeChatPay, WeChatPayType  # type: ignore[import-untyped]  # the SDK ships no types
from wechatpayv3.utils import load_private_key  # type: ignore[import-untyped]

NOTIFY_HEADERS = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial")
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


class WeChatPayError(Exception):
    """WeChat Pay refused a call or could not be reached (status 0: no answer)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class NotificationRejected(Exception):
    """A notification that must not be believed: `reason` is forged, late or malformed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Notification:
    """A verified, decrypted notification."""

    id: str
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    nonce: str
    timestamp: int
    resource: dict


@dataclasses.dataclass(frozen=True)
class MerchantConfig:
    """What a client needs: the merchant, its keys, the platform's key and where to reach WeChat Pay."""

    mchid: str
    appid: str
    cert_serial_no: str
    private_key: str
    apiv3_key: str
    public_key: str = ""
    public_key_id: str = ""
    cert_dir: str = ""
    base_url: str = "https://api.mch.weixin.qq.com"
    notify_url: str = ""
    timeout_seconds: int = 10
    notify_window_seconds: int = 300


class WeChatPayClient:
    """JSAPI, H5 and Native orders, the wx.requestPayment parameters, query, close, refunds, bills and notifications."""

    def __init__(self, merchant: MerchantConfig) -> None:
        self.merchant = merchant
        self._sdk: WeChatPay | None = None

    @property
    def appid(self) -> str:
        """The mini-program's appid the orders are made for."""
        return self.merchant.appid

    def sdk(self) -> WeChatPay:
        """The SDK object, built on first use (in certificate mode it downloads the platform certificates)."""
        if self._sdk is None:
            m = self.merchant
            sdk = WeChatPay(
                wechatpay_type=WeChatPayType.MINIPROG,
                mchid=m.mchid,
                private_key=m.private_key,
                cert_serial_no=m.cert_serial_no,
                appid=m.appid,
                apiv3_key=m.apiv3_key,
                notify_url=m.notify_url or None,
                cert_dir=m.cert_dir or None,
                timeout=(5, m.timeout_seconds),
                public_key=m.public_key or _public_half(m.private_key),
                public_key_id=m.public_key_id if m.public_key else "PLACEHOLDER",
            )
            sdk._core._gate_way = m.base_url.rstrip("/")  # the SDK has no option for the gateway
            if not m.public_key:
                # Certificate mode: the SDK would download the certificates in its constructor from its own host;
                # it was built with a placeholder key (above), so load them now, from base_url.
                sdk._core._public_key = sdk._core._public_key_id = None
                sdk._core._init_certificates()
            self._sdk = sdk
        return self._sdk

    def _call(self, name: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        try:
            status, text = getattr(self.sdk(), name)(*args, **kwargs)
        except Exception as exc:  # the SDK raises bare Exception (bad signature, network)
            raise WeChatPayError(0, "UNREACHABLE_OR_UNVERIFIED", str(exc)[:300]) from exc
        if not 200 <= status < 300:
            body = _json(text)
            raise WeChatPayError(status, str(body.get("code", "ERROR")), str(body.get("message", ""))[:300])
        return status, text

    def jsapi_order(
        self, *, out_trade_no: str, description: str, amount_fen: int, openid: str, time_expire: str, attach: str
    ) -> str:
        """Place a JSAPI order and return its prepay_id."""
        return self._order(
            WeChatPayType.MINIPROG,
            "prepay_id",
            out_trade_no=out_trade_no,
            description=description,
            amount_fen=amount_fen,
            time_expire=time_expire,
            attach=attach,
            payer={"openid": openid},
        )

    def h5_order(
        self, *, out_trade_no: str, description: str, amount_fen: int, time_expire: str, attach: str, client_ip: str
    ) -> str:
        """Place an H5 order (a phone browser outside WeChat) and return its h5_url (valid 5 minutes)."""
        return self._order(
            WeChatPayType.H5,
            "h5_url",
            out_trade_no=out_trade_no,
            description=description,
            amount_fen=amount_fen,
            time_expire=time_expire,
            attach=attach,
            scene_info={"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}},
        )

    def native_order(
        self, *, out_trade_no: str, description: str, amount_fen: int, time_expire: str, attach: str
    ) -> str:
        """Place a Native order (scanned with WeChat) and return its code_url (valid until time_expire)."""
        return self._order(
            WeChatPayType.NATIVE,
            "code_url",
            out_trade_no=out_trade_no,
            description=description,
            amount_fen=amount_fen,
            time_expire=time_expire,
            attach=attach,
        )

    def _order(
        self,
        pay_type: WeChatPayType,
        field: str,
        *,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        time_expire: str,
        attach: str,
        **extra: Any,
    ) -> str:
        """Place an order of the type; the answer's `field` (prepay_id, h5_url or code_url)."""
        _, text = self._call(
            "pay",
            description=description[:127],
            out_trade_no=out_trade_no,
            amount={"total": amount_fen, "currency": "CNY"},
            time_expire=time_expire,
            attach=attach,
            pay_type=pay_type,
            **extra,
        )
        value = _json(text).get(field)
        if not value or not isinstance(value, str):
            raise WeChatPayError(0, "MALFORMED_ANSWER", f"the order answer has no {field}")
        return value

    def request_payment(self, prepay_id: str) -> dict[str, str]:
        """The signed parameters wx.requestPayment takes (appId is signed and returned for the record)."""
        timestamp, nonce = str(int(time.time())), hashlib.sha256(prepay_id.encode() + str(time.time_ns()).encode())
        nonce_str = nonce.hexdigest()[:32]
        package = f"prepay_id={prepay_id}"
        pay_sign = self.sdk().sign([self.appid, timestamp, nonce_str, package])
        return {
            "appId": self.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce_str,
            "package": package,
            "signType": "RSA",
            "paySign": pay_sign,
        }

    def query(self, out_trade_no: str) -> dict:
        """The order as WeChat Pay sees it (trade_state SUCCESS, NOTPAY, CLOSED, REFUND, ...)."""
        _, text = self._call("query", out_trade_no=out_trade_no)
        return _json(text)

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid order (WeChat answers 204)."""
        self._call("close", out_trade_no=out_trade_no)

    def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str) -> dict:
        """Ask for a refund of part or all of a paid order; the answer's status is usually PROCESSING."""
        _, text = self._call(
            "refund",
            out_refund_no=out_refund_no,
            amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
            out_trade_no=out_trade_no,
            reason=reason[:80],
        )
        return _json(text)

    def query_refund(self, out_refund_no: str) -> dict:
        """A refund as WeChat Pay sees it (status SUCCESS, PROCESSING, CLOSED, ABNORMAL)."""
        _, text = self._call("query_refund", out_refund_no=out_refund_no)
        return _json(text)

    def trade_bill(self, bill_date: str) -> list[dict]:
        """The day's trade bill (ALL), downloaded, checked against its announced hash and parsed into rows."""
        _, text = self._call("trade_bill", bill_date=bill_date, bill_type="ALL", tar_type="GZIP")
        meta = _json(text)
        _, content = self._call("download_bill", meta["download_url"])
        raw = content if isinstance(content, bytes) else str(content).encode()
        announced = meta.get("hash_value")
        if (
            meta.get("hash_type", "SHA1").upper() == "SHA1"
            and hashlib.sha1(raw, usedforsecurity=False).hexdigest() != announced
        ):
            raise WeChatPayError(0, "BILL_HASH_MISMATCH", "the bill file does not match its announced SHA1")
        try:
            raw = gzip.decompress(raw)
        except OSError:
            pass  # an uncompressed bill
        return parse_trade_bill(raw.decode("utf-8-sig"))

    def parse_notification(self, headers: Mapping[str, str], body: str, *, now: float | None = None) -> Notification:
        """Verify a notification (signature, timestamp window) and decrypt its resource; else NotificationRejected."""
        found = {name: headers.get(name, "") for name in NOTIFY_HEADERS}
        if not all(found.values()):
            raise NotificationRejected("malformed")
        try:
            timestamp = int(found["Wechatpay-Timestamp"])
        except ValueError:
            raise NotificationRejected("malformed") from None
        now = time.time() if now is None else now
        if abs(now - timestamp) > self.merchant.notify_window_seconds:
            raise NotificationRejected("late")
        sdk_headers = {**found, "Wechatpay-Signature-Type": headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE)}
        try:
            data = self.sdk().callback(sdk_headers, body)
        except Exception:  # unknown serial, algorithm or certificate  # noqa: BLE001
            raise NotificationRejected("forged") from None
        if not data or not isinstance(data.get("resource"), dict):
            raise NotificationRejected("forged")
        return Notification(
            id=str(data.get("id", "")),
            event_type=str(data.get("event_type", "")),
            nonce=found["Wechatpay-Nonce"],
            timestamp=timestamp,
            resource=data["resource"],
        )


def _public_half(private_key: str) -> str:
    """The PEM public key of the merchant's private key (a stand-in the SDK needs while it is being built)."""
    key = load_private_key(private_key)
    return str(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode())


def _json(text: Any) -> dict:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def yuan_to_fen(text: str) -> int:
    """'¥12.50' or '`12.50' (a bill's amount) as 1250 fen, exactly."""
    cleaned = text.strip().lstrip("`").lstrip("¥").strip() or "0"
    whole, _, frac = cleaned.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole or "0")) * 100 + int((frac + "00")[:2]))


def parse_trade_bill(text: str) -> list[dict]:
    """The rows of an ALL trade bill: every field starts with a backquote; the two summary lines are skipped."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [name.strip() for name in lines[0].split(",")]
    rows = []
    for line in lines[1:]:
        if not line.startswith("`"):
            break  # the summary header (总交易单数,...) ends the detail rows
        values = [value.strip().lstrip("`") for value in next(csv.reader([line]))]
        row = dict(zip(header, values, strict=False))
        rows.append(
            {
                "trade_time": row.get("交易时间", ""),
                "transaction_id": row.get("微信订单号", ""),
                "out_trade_no": row.get("商户订单号", ""),
                "trade_state": row.get("交易状态", ""),
                "total_fen": yuan_to_fen(row.get("订单金额") or row.get("应结订单金额") or "0"),
                "refund_id": row.get("微信退款单号", ""),
                "out_refund_no": row.get("商户退款单号", ""),
                "refund_fen": yuan_to_fen(row.get("退款金额") or "0"),
                "refund_state": row.get("退款状态", ""),
            }
        )
    return rows
