"""A small but real WeChat Pay API v3 server on 127.0.0.1 for tests (direct merchant, JSAPI/H5/Native, CNY).

It checks every request's Authorization (WECHATPAY2-SHA256-RSA2048: the merchant's signature over method, path
with query, timestamp, nonce and body, verified with the merchant's public key) and answers a bad one 401
SIGN_ERROR like WeChat Pay; it signs every answer with its own platform key (public-key mode, Wechatpay-Serial
is its public key id) and builds notifications the way WeChat Pay does: the resource encrypted with
AEAD_AES_256_GCM under the merchant's APIv3 key, the body signed. Tests drive the payer (`pay`), WeChat's
refund processing (`finish_refund`), deliver notifications to the app (over HTTP with `deliver`, or through a
test client with the headers and body of `notification`), and plant differences in the bill.

Use the `fake_wechatpay` fixture: `fake.merchant_config()` is the app's WeChat Pay configuration pointed here.
"""

from __future__ import annotations

import base64
import datetime
import functools
import gzip
import hashlib
import json
import re
import secrets
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

PUBLIC_KEY_ID = "PUB_KEY_ID_0114232003082013000000000000"
AUTH = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")
BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)


@functools.cache
def key_pair(name: str) -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole run (making 2048-bit keys is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_public(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@functools.cache
def platform_certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    """A self-signed platform certificate for the key, valid from yesterday for a year."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (fake)")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def cst(at: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime((at or time.time()) + 8 * 3600))


@dataclass
class FakeWeChatPay:
    """The server's state; tests read and change it."""

    mchid: str = "1900009191"
    appid: str = "wxd678efh567hg6787"
    apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))
    cert_serial_no: str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    merchant_key: rsa.RSAPrivateKey = field(default_factory=lambda: key_pair("merchant"))
    platform_key: rsa.RSAPrivateKey = field(default_factory=lambda: key_pair("platform"))
    base_url: str = ""
    orders: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)  # method, path, authorized
    bill_extra_rows: list[dict] = field(default_factory=list)  # planted: payments WeChat has and the app may not
    bill_amounts: dict[str, int] = field(default_factory=dict)  # planted: out_trade_no -> another amount
    bill_dropped: set[str] = field(default_factory=set)  # planted: out_trade_no left out of the bill
    bill_hash: str | None = None  # planted: a SHA1 announced for the bill that does not match its file
    bills: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    certificate_mode: bool = False  # sign with the platform certificate's serial instead of the public key id
    h5_enabled: bool = True  # the merchant has the H5 payment product (else /h5 answers 403 NO_AUTH)
    order_bodies: list[dict] = field(default_factory=list)  # every order request body, as sent

    @property
    def serial(self) -> str:
        """What Wechatpay-Serial names: the public key id, or the platform certificate's serial number."""
        return (
            format(platform_certificate(self.platform_key).serial_number, "X")
            if self.certificate_mode
            else PUBLIC_KEY_ID
        )

    def merchant_config(self, *, cert_dir: str = "") -> dict[str, Any]:
        """The app's configuration for a live merchant pointed at this server (platform certificates: cert_dir)."""
        if cert_dir:
            self.certificate_mode = True
        return {
            "PAYMENTS_ENABLED": True,
            "WECHATPAY_MODE": "live",
            "WECHATPAY_BASE_URL": self.base_url,
            "WECHATPAY_MCHID": self.mchid,
            "WECHATPAY_APPID": self.appid,
            "WECHATPAY_CERT_SERIAL_NO": self.cert_serial_no,
            "WECHATPAY_PRIVATE_KEY": pem_private(self.merchant_key),
            "WECHATPAY_APIV3_KEY": self.apiv3_key,
            "WECHATPAY_PUBLIC_KEY": "" if cert_dir else pem_public(self.platform_key),
            "WECHATPAY_PUBLIC_KEY_ID": "" if cert_dir else PUBLIC_KEY_ID,
            "WECHATPAY_CERT_DIR": cert_dir,
        }

    # -- what the payer and WeChat Pay do -----------------------------------------------------------------

    def pay(self, out_trade_no: str, *, openid: str = "") -> dict:
        """The payer pays (wx.requestPayment, the h5_url's page, or scanning the QR code): SUCCESS; the resource."""
        with self.lock:
            order = self.orders[out_trade_no]
            if not (order.get("payer") or {}).get("openid"):  # h5 and native: whoever paid in WeChat
                order["payer"] = {"openid": openid or "o" + secrets.token_hex(12)}
            order.update(
                trade_state="SUCCESS",
                transaction_id="4200" + str(time.time_ns())[-24:],
                success_time=cst(),
                payer_total=order["amount"]["total"],
            )
            return self.transaction(out_trade_no)

    def transaction(self, out_trade_no: str) -> dict:
        order = self.orders[out_trade_no]
        resource = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": out_trade_no,
            "trade_state": order["trade_state"],
            "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(
                order["trade_state"], ""
            ),
            "attach": order.get("attach", ""),
            "payer": {"openid": (order.get("payer") or {}).get("openid", "")},
            "amount": {"total": order["amount"]["total"], "currency": "CNY"},
        }
        if order.get("transaction_id"):
            resource.update(
                transaction_id=order["transaction_id"],
                trade_type=order.get("trade_type", "JSAPI"),
                bank_type="OTHERS",
                success_time=order["success_time"],
            )
            resource["amount"].update(payer_total=order["payer_total"], payer_currency="CNY")
        return resource

    def finish_refund(self, out_refund_no: str, status: str = "SUCCESS") -> dict:
        """WeChat Pay finishes a refund; returns the refund notification's resource."""
        with self.lock:
            refund = self.refunds[out_refund_no]
            refund.update(status=status, success_time=cst())
            return {
                "mchid": self.mchid,
                "out_trade_no": refund["out_trade_no"],
                "transaction_id": refund["transaction_id"],
                "out_refund_no": out_refund_no,
                "refund_id": refund["refund_id"],
                "refund_status": status,
                "success_time": refund["success_time"],
                "user_received_account": "支付用户零钱",
                "amount": {
                    "total": refund["amount"]["total"],
                    "refund": refund["amount"]["refund"],
                    "payer_total": refund["amount"]["total"],
                    "payer_refund": refund["amount"]["refund"],
                },
            }

    def notification(
        self, event_type: str, resource: dict, *, at: float | None = None, key: rsa.RSAPrivateKey | None = None
    ) -> tuple[dict[str, str], str]:
        """Headers and body of a notification as WeChat Pay sends it (another `key` forges it, `at` dates it)."""
        nonce = secrets.token_hex(6)
        associated = "transaction" if event_type.startswith("TRANSACTION") else "refund"
        cipher = AESGCM(self.apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), associated.encode()
        )
        body = json.dumps(
            {
                "id": secrets.token_hex(16),
                "create_time": cst(at),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "支付成功" if associated == "transaction" else "退款状态改变通知",
                "resource": {
                    "original_type": associated,
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(cipher).decode(),
                    "associated_data": associated,
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        timestamp, header_nonce = str(int(at or time.time())), secrets.token_hex(16)
        headers = {
            "Wechatpay-Serial": self.serial,
            "Wechatpay-Signature": sign(key or self.platform_key, f"{timestamp}\n{header_nonce}\n{body}\n"),
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": header_nonce,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Content-Type": "application/json",
        }
        return headers, body

    def deliver(self, url: str, headers: dict[str, str], body: str) -> int:
        """POST a notification to the app's notification URL over HTTP; the status it answered."""
        request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def encrypted_certificate(self) -> dict:
        """GET /v3/certificates' entry: the platform certificate encrypted with the APIv3 key."""
        certificate = platform_certificate(self.platform_key)
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        nonce = secrets.token_hex(6)
        cipher = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), pem, b"certificate")
        return {
            "serial_no": self.serial,
            "effective_time": cst(time.time() - 86400),
            "expire_time": cst(time.time() + 365 * 86400),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": base64.b64encode(cipher).decode(),
            },
        }

    # -- the bill ---------------------------------------------------------------------------------------

    def bill_text(self) -> str:
        """The ALL trade bill of everything this server saw, with the planted differences."""
        lines = [BILL_HEADER]
        for no, order in self.orders.items():
            if order.get("transaction_id") and no not in self.bill_dropped:
                total = self.bill_amounts.get(no, order["amount"]["total"])
                lines.append(
                    self._row(
                        order["transaction_id"], no, "SUCCESS", total, trade_type=order.get("trade_type", "JSAPI")
                    )
                )
        for no, refund in self.refunds.items():
            if refund["status"] == "SUCCESS":
                total = refund["amount"]["total"]
                lines.append(
                    self._row(
                        refund["transaction_id"],
                        refund["out_trade_no"],
                        "REFUND",
                        total,
                        refund_id=refund["refund_id"],
                        out_refund_no=no,
                        refund=refund["amount"]["refund"],
                    )
                )
        for row in self.bill_extra_rows:
            lines.append(self._row(row["transaction_id"], row["out_trade_no"], "SUCCESS", row["total_fen"]))
        lines.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        lines.append(f"`{len(lines) - 2},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00")
        return "\n".join(lines) + "\n"

    def _row(
        self,
        transaction_id: str,
        out_trade_no: str,
        state: str,
        total: int,
        *,
        refund_id: str = "",
        out_refund_no: str = "",
        refund: int = 0,
        trade_type: str = "JSAPI",
    ) -> str:
        values = [
            "2026-12-06 10:00:00",
            self.appid,
            self.mchid,
            "0",
            "",
            transaction_id,
            out_trade_no,
            "openid",
            trade_type,
            state,
            "OTHERS",
            "CNY",
            yuan(total),
            "0.00",
            refund_id,
            out_refund_no,
            yuan(refund),
            "0.00",
            "ORIGINAL" if refund_id else "",
            "SUCCESS" if refund_id else "",
            "诉讼费",
            "",
            "0.00",
            "0.60%",
            yuan(total),
            yuan(refund),
            "",
        ]
        return ",".join("`" + value for value in values)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeWeChatPay

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict | bytes | None = None, *, signed: bool = True) -> None:
        raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if isinstance(body, bytes) else "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if signed:
            timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
            self.send_header("Wechatpay-Timestamp", timestamp)
            self.send_header("Wechatpay-Nonce", nonce)
            self.send_header("Wechatpay-Serial", self.fake.serial)
            self.send_header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
            self.send_header(
                "Wechatpay-Signature",
                sign(self.fake.platform_key, f"{timestamp}\n{nonce}\n{raw.decode('utf-8', 'replace')}\n"),
            )
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, status: int, code: str, message: str) -> None:
        self._answer(status, {"code": code, "message": message})

    def _authorized(self, body: str) -> bool:
        match = AUTH.match(self.headers.get("Authorization", ""))
        if not match:
            return False
        parts = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if parts.get("mchid") != self.fake.mchid or parts.get("serial_no") != self.fake.cert_serial_no:
            return False
        if abs(time.time() - int(parts.get("timestamp") or 0)) > 300:
            return False
        message = f"{self.command}\n{self.path}\n{parts['timestamp']}\n{parts['nonce_str']}\n{body}\n"
        try:
            self.fake.merchant_key.public_key().verify(
                base64.b64decode(parts.get("signature", "")), message.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        authorized = self._authorized(body)
        self.fake.requests.append({"method": self.command, "path": self.path, "authorized": authorized})
        if not authorized:
            self._error(401, "SIGN_ERROR", "签名错误")
            return
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        route = (self.command, url.path)
        with self.fake.lock:
            if route in (
                ("POST", "/v3/pay/transactions/jsapi"),
                ("POST", "/v3/pay/transactions/h5"),
                ("POST", "/v3/pay/transactions/native"),
            ):
                self._order(json.loads(body), url.path.rsplit("/", 1)[1])
            elif self.command == "GET" and url.path.startswith("/v3/pay/transactions/out-trade-no/"):
                no = url.path.rsplit("/", 1)[1]
                if no not in self.fake.orders:
                    self._error(404, "ORDER_NOT_EXIST", "订单不存在")
                else:
                    self._answer(200, self.fake.transaction(no))
            elif self.command == "POST" and url.path.endswith("/close"):
                self._close(url.path.split("/")[-2])
            elif route == ("POST", "/v3/refund/domestic/refunds"):
                self._refund(json.loads(body))
            elif self.command == "GET" and url.path.startswith("/v3/refund/domestic/refunds/"):
                refund = self.fake.refunds.get(url.path.rsplit("/", 1)[1])
                self._answer(200, refund) if refund else self._error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
            elif route == ("GET", "/v3/certificates"):
                self._answer(200, {"data": [self.fake.encrypted_certificate()]})
            elif route == ("GET", "/v3/bill/tradebill"):
                raw = gzip.compress(self.fake.bill_text().encode())
                token = secrets.token_hex(8)
                self.fake.bills[token] = raw
                self._answer(
                    200,
                    {
                        "hash_type": "SHA1",
                        "hash_value": self.fake.bill_hash or hashlib.sha1(raw).hexdigest(),
                        "download_url": f"{self.fake.base_url}/v3/billdownload/file?token={token}",
                    },
                )
            elif route == ("GET", "/v3/billdownload/file"):
                self._answer(200, self.fake.bills.get(query.get("token", ""), b""), signed=False)
            else:
                self._error(404, "NOT_FOUND", "no such API in the fake")

    def _order(self, data: dict, kind: str) -> None:
        """POST /v3/pay/transactions/{jsapi,h5,native}: the fields the real API requires, then the answer."""
        fake = self.fake
        self.fake.order_bodies.append({**data, "_kind": kind})
        amount = data.get("amount") or {}
        scene = data.get("scene_info") or {}
        required = ("appid", "mchid", "description", "out_trade_no", "notify_url")
        if data.get("appid") != fake.appid or data.get("mchid") != fake.mchid:
            self._error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        elif kind == "h5" and not fake.h5_enabled:
            self._error(403, "NO_AUTH", "商户无此接口权限")
        elif (
            not all(isinstance(data.get(name), str) and data[name] for name in required)
            or not str(data["notify_url"]).startswith(("http://", "https://"))
            or not isinstance(amount.get("total"), int)
            or amount["total"] <= 0
            or amount.get("currency", "CNY") != "CNY"
            or (kind == "jsapi" and not (data.get("payer") or {}).get("openid"))
            or (kind == "h5" and (not scene.get("payer_client_ip") or not (scene.get("h5_info") or {}).get("type")))
        ):
            self._error(400, "PARAM_ERROR", "参数错误")
        elif data["out_trade_no"] in fake.orders:
            self._error(400, "INVALID_REQUEST", "201 商户订单号重复")
        else:
            trade_type = kind.upper()
            fake.orders[data["out_trade_no"]] = {**data, "trade_state": "NOTPAY", "trade_type": trade_type}
            prepay_id = "wx" + secrets.token_hex(16)
            if kind == "h5":
                answer = {
                    "h5_url": f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package=1"
                }
            elif kind == "native":
                answer = {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_hex(5)}"}
            else:
                answer = {"prepay_id": prepay_id}
            self._answer(200, answer)

    def _close(self, no: str) -> None:
        order = self.fake.orders.get(no)
        if order is None:
            self._error(404, "ORDER_NOT_EXIST", "订单不存在")
        elif order["trade_state"] == "SUCCESS":
            self._error(400, "ORDER_PAID", "订单已支付")
        else:
            order["trade_state"] = "CLOSED"
            self._answer(204)

    def _refund(self, data: dict) -> None:
        order = self.fake.orders.get(data.get("out_trade_no", ""))
        amount = data.get("amount") or {}
        if order is None or order["trade_state"] != "SUCCESS":
            self._error(400, "INVALID_REQUEST", "订单未支付")
            return
        refunded = sum(
            r["amount"]["refund"] for r in self.fake.refunds.values() if r["out_trade_no"] == data["out_trade_no"]
        )
        if amount.get("total") != order["amount"]["total"] or refunded + int(amount.get("refund", 0)) > amount["total"]:
            self._error(400, "INVALID_REQUEST", "退款金额超过订单金额")
            return
        refund = {
            "refund_id": "5030" + str(time.time_ns())[-24:],
            "out_refund_no": data["out_refund_no"],
            "transaction_id": order["transaction_id"],
            "out_trade_no": data["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": cst(),
            "status": "PROCESSING",
            "amount": {"total": amount["total"], "refund": amount["refund"], "currency": "CNY"},
        }
        self.fake.refunds[data["out_refund_no"]] = refund
        self._answer(200, refund)

    do_GET = _handle
    do_POST = _handle


@pytest.fixture
def fake_wechatpay() -> Iterator[FakeWeChatPay]:
    """A fresh fake WeChat Pay on a free port of 127.0.0.1."""
    fake = FakeWeChatPay()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
