// Fees of a case (诉讼费): GET /cases/{id}/fees (the notices to pay, the balance, the ledger with payment references)
// and the electronic receipts (电子票据) the court recorded, from the case timeline (GET /cases/{id}/timeline,
// events of type fee.receipt).
// Paying (POST /fee-notices/{id}/payments with a channel): inside WeChat's own browser the page points to the
// mini-program (JSAPI needs wx.requestPayment); in a phone browser "微信支付" makes an h5 order and opens its
// h5_url (WeChat takes over, then sends the person back here); on a desktop the native order's QR code (an image
// the server drew) is scanned with WeChat on a phone. Either way the page then polls the order every few seconds
// and shows the ledger once WeChat Pay confirmed the payment to the server; a closed or lapsed order can be
// retried. The open order's id is kept in sessionStorage, so coming back from WeChat resumes the polling.

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, formatDate, formatTime, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";
const yuan = (fen) => t("h5.fees.yuan", { amount: (fen / 100).toFixed(2) });
const POLL_MS = 3000;
const PENDING = "mc.pay.";  // + notice id: the order being paid from this tab

const inWeChat = () => /MicroMessenger/i.test(navigator.userAgent);
// A phone's browser: a mobile user agent on a narrow screen. Anything else is treated as a desktop (QR code).
const onPhone = () => /Android|iPhone|iPad|iPod|Mobile|HarmonyOS/i.test(navigator.userAgent)
  && window.matchMedia("(max-width: 1024px)").matches;

function remembered(noticeId) {
  try { return sessionStorage.getItem(PENDING + noticeId); } catch { return null; }
}

function remember(noticeId, orderId) {
  try {
    if (orderId) sessionStorage.setItem(PENDING + noticeId, orderId);
    else sessionStorage.removeItem(PENDING + noticeId);
  } catch { /* private mode: polling still works while the page stays open */ }
}

// The pay area of an open notice: buttons, then the QR code or the state of the order being paid.
function payArea(item, caseId) {
  if (inWeChat()) {
    return h("div", { class: "hint pay", id: "pay-how" },
      h("p", {}, t("h5.fees.pay_in_wechat")),
      h("p", { class: "meta" }, t("h5.fees.pay_counter")));
  }
  const phone = onPhone();
  const state = h("div", { id: `pay-state-${item.id}`, "aria-live": "polite" });
  const button = h("button", { type: "button", id: `pay-${item.id}` }, t(phone ? "h5.fees.pay_wechat" : "h5.fees.pay_qr"));
  const area = h("div", { class: "pay", id: "pay-how" },
    h("p", {}, t(phone ? "h5.fees.pay_phone_how" : "h5.fees.pay_qr_how")),
    h("p", {}, button),
    state,
    h("p", { class: "meta" }, t("h5.fees.pay_counter")));
  const payer = { item, caseId, state, button, timer: null };
  button.addEventListener("click", () => start(payer, phone ? "h5" : "native"));
  const resumed = remembered(item.id);
  if (resumed) {  // back from WeChat (h5), or the page was reloaded: keep waiting for that order
    state.replaceChildren(h("p", { class: "meta" }, t("h5.fees.waiting")));
    poll(payer, resumed);
  }
  return area;
}

async function start(payer, channel, note = null) {
  const { item, state, button } = payer;
  clearTimeout(payer.timer);
  button.disabled = true;
  state.replaceChildren(...(note ? [note] : []));
  let order;
  try {
    order = await api(`${MP}/fee-notices/${item.id}/payments`, { method: "POST", body: { channel } });
  } catch (error) {
    button.disabled = false;
    if (channel === "h5" && error.reason === "payments.channel_unavailable") {
      return start(payer, "native", h("p", { class: "hint" }, t("h5.fees.h5_unavailable")));  // the merchant has no H5 pay: the QR code, scanned with another phone
    }
    state.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    return undefined;
  }
  remember(item.id, order.id);
  if (order.h5_url) {
    state.replaceChildren(h("p", { class: "meta" }, t("h5.fees.opening_wechat")));
    window.location.assign(order.h5_url);
    return undefined;
  }
  const amount = (order.amount_fen / 100).toFixed(2);
  state.append(h("figure", { class: "card qr", id: "pay-qr" },
    h("img", { src: order.code_qr_png, alt: t("h5.fees.qr_alt", { amount }), width: "240", height: "240" }),
    h("figcaption", {},
      h("p", {}, t("h5.fees.qr_how", { amount })),
      order.pay_url_expires_at ? h("p", { class: "meta" }, t("h5.fees.qr_until", { time: formatTime(order.pay_url_expires_at) })) : null,
      h("p", { class: "meta", id: "pay-waiting" }, t("h5.fees.waiting")))));
  button.hidden = true;
  announce(t("h5.fees.qr_how", { amount }));
  poll(payer, order.id, order.pay_url_expires_at);
  return undefined;
}

// Ask the server about the order every few seconds while this page shows it; paid: show the new ledger.
function poll(payer, orderId, urlExpiresAt) {
  const { item, caseId, state, button } = payer;
  const tick = async () => {
    if (!state.isConnected) return;  // the person went to another page
    let order;
    try {
      order = await api(`${MP}/payments/${orderId}`);
    } catch (error) {
      if (error.status === 404) { remember(item.id, null); state.replaceChildren(); return; }
      payer.timer = setTimeout(tick, POLL_MS * 2);  // a bad connection: keep trying, more slowly
      return;
    }
    if (!state.isConnected) return;
    if (order.status === "paid") {
      remember(item.id, null);
      await feesPage(document.querySelector("main"), caseId, false);
      announce(t("h5.fees.paid_now"));
      const done = document.getElementById("paid-now");
      if (done) done.hidden = false;
      return;
    }
    const lapsed = urlExpiresAt && Date.parse(urlExpiresAt) <= Date.now();
    if (order.status === "closed" || lapsed) {
      remember(item.id, null);
      state.replaceChildren(h("p", { class: "error", role: "alert" },
        t(order.status === "closed" ? "h5.fees.order_closed" : "h5.fees.order_expired")));
      button.textContent = t("h5.fees.retry");
      button.hidden = false;
      button.disabled = false;
      return;
    }
    payer.timer = setTimeout(tick, POLL_MS);
  };
  payer.timer = setTimeout(tick, POLL_MS);
}

function notice(item, caseId) {
  const open = item.status === "unpaid" && item.amount_fen > 0;
  return h("li", { class: "card notice", "data-notice": item.id },
    h("h2", {}, label("fee_purpose", item.purpose)),
    h("dl", { class: "facts" },
      h("dt", {}, t("h5.fees.amount")), h("dd", { class: "amount" }, t("h5.fees.yuan", { amount: item.amount_yuan })),
      item.original_amount_fen !== item.amount_fen ? [h("dt", {}, t("h5.fees.original")), h("dd", {}, yuan(item.original_amount_fen))] : null,
      h("dt", {}, t("h5.case.status")), h("dd", {},
        h("span", { class: `badge ${item.status === "paid" ? "ok" : "warn"}`, id: `notice-status-${item.id}` }, label("fee_status", item.status))),
      h("dt", {}, t("h5.fees.issued")), h("dd", {}, formatTime(item.issued_at)),
      item.last_day ? [h("dt", {}, t("h5.fees.last_day")), h("dd", {}, formatDate(item.last_day))] : null),
    item.overdue ? h("p", { class: "error" }, t("h5.fees.overdue")) : null,
    item.relief_pending ? h("p", { class: "hint" }, t("h5.fees.relief_pending")) : null,
    open ? payArea(item, caseId) : null);
}

// A WeChat Pay entry's reference is the transaction number (微信支付交易单号); others are shown as they come.
function reference(entry) {
  const text = entry.reference || "";
  if (text.startsWith("wxpay:")) return t("h5.fees.wxpay", { number: text.slice(6) });
  return text.startsWith("notice:") ? "" : text;
}

export async function feesPage(main, caseId, focus = true) {
  const [fees, timeline] = await Promise.all([api(`${MP}/cases/${caseId}/fees`), api(`${MP}/cases/${caseId}/timeline`)]);
  const receipts = timeline.filter((event) => event.type === "fee.receipt")
    .map((event) => h("li", {}, h("span", { class: "meta" }, formatTime(event.at)), h("br"), event.summary));
  const b = fees.balance;
  const entries = fees.entries.map((entry) => h("tr", {},
    h("td", {}, formatTime(entry.created_at)),
    h("td", {}, label("fee_entry", entry.kind)),
    h("td", {}, yuan(entry.amount_fen)),
    h("td", { class: "reference" }, reference(entry))));
  main.replaceChildren(
    h("p", {}, h("a", { href: `#/cases/${caseId}` }, t("h5.document.open_case"))),
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.fees.title")),
    h("p", { class: "card", id: "paid-now", role: "status", hidden: true }, t("h5.fees.paid_now")),
    fees.notices.length
      ? h("ul", { class: "list", id: "notices" }, fees.notices.map((item) => notice(item, caseId)))
      : h("p", { class: "card", id: "no-notices" }, t("h5.fees.none")),
    h("section", { class: "card", "aria-labelledby": "balance-title" },
      h("h2", { id: "balance-title" }, t("h5.fees.balance")),
      h("dl", { class: "facts" },
        h("dt", {}, t("h5.fees.due")), h("dd", {}, yuan(b.due)),
        h("dt", {}, t("h5.fees.paid")), h("dd", { id: "paid" }, yuan(b.paid)),
        h("dt", {}, t("h5.fees.outstanding")), h("dd", { id: "outstanding" }, yuan(b.outstanding)))),
    entries.length ? h("section", { "aria-labelledby": "ledger-title" },
      h("h2", { id: "ledger-title" }, t("h5.fees.ledger")),
      h("div", { class: "scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, ["h5.fees.when", "h5.fees.kind", "h5.fees.amount", "h5.fees.reference"].map((k) => h("th", { scope: "col" }, t(k))))),
        h("tbody", {}, entries)))) : null,
    receipts.length ? h("section", { "aria-labelledby": "receipts-title" },
      h("h2", { id: "receipts-title" }, t("h5.fees.receipts")),
      h("ul", { class: "card", id: "receipts" }, receipts)) : null);
  setTitle(t("h5.fees.title"), focus);
}
