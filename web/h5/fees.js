// Fees of a case (诉讼费): GET /cases/{id}/fees (the notices to pay, the balance, the ledger with payment references)
// and the electronic receipts (电子票据) the court recorded, from the case timeline (GET /cases/{id}/timeline,
// events of type fee.receipt).
// Paying is WeChat Pay JSAPI (POST /fee-notices/{id}/payments returns wx.requestPayment parameters for the
// mini-program), which a web page cannot start: the page says where to pay instead of pretending to take money.

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { formatDate, formatTime, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";
const yuan = (fen) => t("h5.fees.yuan", { amount: (fen / 100).toFixed(2) });

function notice(item) {
  const open = item.status === "unpaid" && item.amount_fen > 0;
  const inWeChat = /MicroMessenger/i.test(navigator.userAgent);
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
    open ? h("div", { class: "hint pay", id: "pay-how" },
      h("p", {}, t(inWeChat ? "h5.fees.pay_in_wechat" : "h5.fees.pay_elsewhere")),
      h("p", { class: "meta" }, t("h5.fees.pay_counter"))) : null);
}

// A WeChat Pay entry's reference is the transaction number (微信支付交易单号); others are shown as they come.
function reference(entry) {
  const text = entry.reference || "";
  if (text.startsWith("wxpay:")) return t("h5.fees.wxpay", { number: text.slice(6) });
  return text.startsWith("notice:") ? "" : text;
}

export async function feesPage(main, caseId) {
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
    fees.notices.length
      ? h("ul", { class: "list", id: "notices" }, fees.notices.map(notice))
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
  setTitle(t("h5.fees.title"));
}
