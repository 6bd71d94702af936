"""The built-in development WeChat Pay (WECHATPAY_MODE=dev): no network, never in production.

It is a `WeChatPayClient` whose merchant and platform are one RSA key pair made when the process starts
(public-key mode, so the SDK verifies with it), and whose calls to WeChat Pay are answered in-process: an
order gets a made-up prepay_id, a query answers what this process's fake saw, a refund succeeds at once, the
bill lists this process's payments and refunds. `notification` builds a notification exactly as WeChat Pay
would (resource encrypted with AES-256-GCM under the APIv3 key, headers signed), so the development "payer
paid" route feeds the same verification the real notification URL uses: money still moves only on a
verified notification.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.integrations.wechatpay import MerchantConfig, WeChatPayClient

PUBLIC_KEY_ID = "PUB_KEY_ID_DEVELOPMENT"


class DevWeChatPay(WeChatPayClient):
    """An in-process stand-in for WeChat Pay that signs and encrypts like the real one."""

    def __init__(self, *, appid: str, mchid: str = "1900000000", notify_window_seconds: int = 300) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        super().__init__(
            MerchantConfig(
                mchid=mchid,
                appid=appid or "wx0000000000000000",
                cert_serial_no="DEVELOPMENT",
                private_key=private_pem,
                apiv3_key=secrets.token_hex(16),
                public_key=public_pem,
                public_key_id=PUBLIC_KEY_ID,
                notify_window_seconds=notify_window_seconds,
            )
        )
        self.orders: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}

    def jsapi_order(
        self, *, out_trade_no: str, description: str, amount_fen: int, openid: str, time_expire: str, attach: str
    ) -> str:
        """A made-up prepay_id; the order is remembered as NOTPAY."""
        self.orders[out_trade_no] = {"out_trade_no": out_trade_no, "trade_state": "NOTPAY", "total": amount_fen}
        return "wx_dev_" + uuid.uuid4().hex

    def h5_order(
        self, *, out_trade_no: str, description: str, amount_fen: int, time_expire: str, attach: str, client_ip: str
    ) -> str:
        """A made-up h5_url (it leads nowhere: the development payer pays with the dev route)."""
        self.orders[out_trade_no] = {"out_trade_no": out_trade_no, "trade_state": "NOTPAY", "total": amount_fen}
        return f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx_dev_{uuid.uuid4().hex}&package=1"

    def native_order(
        self, *, out_trade_no: str, description: str, amount_fen: int, time_expire: str, attach: str
    ) -> str:
        """A made-up code_url (scanning it does nothing: the development payer pays with the dev route)."""
        self.orders[out_trade_no] = {"out_trade_no": out_trade_no, "trade_state": "NOTPAY", "total": amount_fen}
        return "weixin://wxpay/bizpayurl?pr=dev" + uuid.uuid4().hex[:10]

    def pay(self, out_trade_no: str, amount_fen: int) -> dict:
        """The payer pays: the order becomes SUCCESS here; returns the transaction resource WeChat would send."""
        order = self.orders.setdefault(out_trade_no, {"out_trade_no": out_trade_no, "total": amount_fen})
        transaction_id = order.get("transaction_id") or "4200" + str(time.time_ns())[-24:]
        order.update(trade_state="SUCCESS", transaction_id=transaction_id, success_time=_rfc3339())
        return self.query(out_trade_no)

    def query(self, out_trade_no: str) -> dict:
        """What this process's fake knows of the order."""
        order = self.orders.get(out_trade_no, {"trade_state": "NOTPAY", "total": 0})
        return {
            "appid": self.appid,
            "mchid": self.merchant.mchid,
            "out_trade_no": out_trade_no,
            "transaction_id": order.get("transaction_id", ""),
            "trade_state": order["trade_state"],
            "success_time": order.get("success_time"),
            "amount": {"total": order["total"], "payer_total": order["total"], "currency": "CNY"},
        }

    def close(self, out_trade_no: str) -> None:
        """Closed."""
        if out_trade_no in self.orders:
            self.orders[out_trade_no]["trade_state"] = "CLOSED"

    def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str) -> dict:
        """Refunded at once."""
        refund = {
            "out_refund_no": out_refund_no,
            "out_trade_no": out_trade_no,
            "refund_id": "5030" + str(time.time_ns())[-24:],
            "status": "SUCCESS",
            "success_time": _rfc3339(),
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        }
        self.refunds[out_refund_no] = refund
        return refund

    def query_refund(self, out_refund_no: str) -> dict:
        """The refund as made."""
        return self.refunds.get(out_refund_no, {"out_refund_no": out_refund_no, "status": "CLOSED"})

    def trade_bill(self, bill_date: str) -> list[dict]:
        """This process's successful payments and refunds (a development bill knows no other day)."""
        rows = [
            {
                "out_trade_no": no,
                "transaction_id": o["transaction_id"],
                "trade_state": "SUCCESS",
                "total_fen": o["total"],
            }
            for no, o in self.orders.items()
            if o.get("transaction_id")
        ]
        rows += [
            {
                "out_trade_no": r["out_trade_no"],
                "transaction_id": "",
                "trade_state": "REFUND",
                "total_fen": r["amount"]["total"],
                "out_refund_no": no,
                "refund_fen": r["amount"]["refund"],
                "refund_state": "SUCCESS",
            }
            for no, r in self.refunds.items()
        ]
        return rows

    def notification(self, event_type: str, resource: dict) -> tuple[dict[str, str], str]:
        """Headers and body of a notification signed and encrypted the way WeChat Pay sends them."""
        nonce = secrets.token_hex(6)  # 12 characters: the GCM nonce
        associated = "transaction" if event_type.startswith("TRANSACTION") else "refund"
        cipher = AESGCM(self.merchant.apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), associated.encode()
        )
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "create_time": _rfc3339(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "development",
                "resource": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(cipher).decode(),
                    "associated_data": associated,
                    "original_type": associated,
                    "nonce": nonce,
                },
            }
        )
        timestamp, header_nonce = str(int(time.time())), secrets.token_hex(16)
        message = f"{timestamp}\n{header_nonce}\n{body}\n".encode()
        signature = base64.b64encode(self._key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
        headers = {
            "Wechatpay-Signature": signature,
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": header_nonce,
            "Wechatpay-Serial": PUBLIC_KEY_ID,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }
        return headers, body


def _rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600))
