"""Rows of a national-scale Micro Court, as COPY text lines, generated deterministically from a case count.

Used by bench/national_scale.py. Nothing is kept in memory per row: every id is a function of (table tag,
time, ordinal), so a child row (a party, a document) recomputes its parent's id instead of looking it up.
Ids are UUIDv7-shaped (48-bit millisecond time first), like the application's own.

Shape (published figures of the People's Court platform, scaled by the case count N):
- directory, whatever N: 3,501 courts (2 clerks each), 32,900 mediation organisations (1 admin each),
  165,000 mediators spread over the organisations; lawyers N/130 (about 105,000 at 13.6 M);
- cases over max(30, N/16,600) days ending now (about 17,000 a day), 85 % mediation, 15 % litigation,
  three quarters of working-day filings inside working hours; courts and organisations skewed (a few big
  ones, a long tail); 5 % of cases filed by a few repeat filers (banks, landlords) with hundreds of cases each;
- 2 parties per case (a third in 10 %), PII encrypted with the app's cipher (a pool of real ciphertexts);
- lawyers for 25 % of applicants and 10 % of respondents (skewed: a few lawyers with hundreds of cases);
- mediation sessions for cases past mediator acceptance (30 % get a second one), future ones `scheduled`;
- evidence for 20 % of cases (1-3 stored items), a served document (summons) for each accepted
  litigation case and a judgment for 30 % of them; 12368 hotline calls N/27.
Not generated (say so when reading the numbers): timeline rows, document event chains, custody events,
notifications, audit rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from dataclasses import dataclass, field

from config import DEFAULT_CASE_CATEGORIES

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MASK62 = (1 << 62) - 1
COURTS, ORGS, MEDIATORS = 3_501, 32_900, 165_000
PER_DAY = 16_600
PROVINCES = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
]
CATEGORIES = DEFAULT_CASE_CATEGORIES  # the app's own list, so generated cases file like real ones
EVIDENCE_KINDS = (
    ("书证", "application/pdf", "pdf"),
    ("电子数据", "image/jpeg", "jpg"),
    ("视听资料", "audio/mp4", "m4a"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞"

# Table tags inside the ids (12 bits): ids of different tables never collide.
T_CITIZEN, T_LAWYER, T_MEDIATOR, T_CLERK, T_ADMIN = 1, 2, 3, 4, 5
T_COURT, T_ORG, T_CASE, T_PARTY, T_AGENT, T_SESSION, T_EVIDENCE, T_DOC, T_CALL = 6, 7, 8, 9, 10, 11, 12, 13, 14
T_PROFILE, T_MEMBERSHIP, T_LAWYER_PROFILE = 15, 16, 17


def uid(tag: int, ms: int, n: int) -> str:
    """A UUIDv7-shaped id: time, version 7, table tag, variant, ordinal."""
    value = (ms << 80) | (0x7 << 76) | ((tag & 0xFFF) << 64) | (0x2 << 62) | (n & MASK62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ts(ms: int) -> str:
    """COPY text for a timestamptz."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(sep=" ", timespec="milliseconds")


def skewed(r: float, count: int, power: float) -> int:
    """An index in [0, count) where small indexes are much more likely (a few big courts, a long tail)."""
    return min(count - 1, int(count * r**power))


def line(*values: object) -> str:
    """One COPY text line (no value ever holds a tab, a newline or a backslash)."""
    return "\t".join("\\N" if v is None else v if isinstance(v, str) else str(v) for v in values) + "\n"


@dataclass
class Pools:
    """Real ciphertexts and blind indexes made with the app's cipher, reused round-robin."""

    phones: list[tuple[str, str]] = field(default_factory=list)
    ids: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Plan:
    """Everything derived from the case count and the moment the data ends."""

    cases: int
    end: dt.datetime
    working: dict[dt.date, bool]
    pools: Pools
    seed: int = 2026

    def __post_init__(self) -> None:
        self.days = max(30, round(self.cases / PER_DAY))
        self.first_day = self.end.astimezone(SHANGHAI).date() - dt.timedelta(days=self.days - 1)
        self.end_ms = int(self.end.timestamp() * 1000)
        self.base_ms = int(dt.datetime.combine(self.first_day, dt.time(), SHANGHAI).timestamp() * 1000)
        self.directory_ms = self.base_ms - 90 * 86_400_000
        self.citizens = max(1_000, int(self.cases * 0.7))
        self.repeat_filers = max(10, self.citizens // 4_000)
        self.lawyers = max(100, self.cases // 130)

    # -- ids of the directory ------------------------------------------------------------------------------
    def citizen(self, j: int) -> str:
        return uid(T_CITIZEN, self.directory_ms, j)

    def lawyer(self, j: int) -> str:
        return uid(T_LAWYER, self.directory_ms, j)

    def mediator(self, m: int) -> str:
        return uid(T_MEDIATOR, self.directory_ms, m)

    def clerk(self, c: int, k: int = 0) -> str:
        return uid(T_CLERK, self.directory_ms, c * 2 + k)

    def admin(self, o: int) -> str:
        return uid(T_ADMIN, self.directory_ms, o)

    def court(self, c: int) -> str:
        return uid(T_COURT, self.directory_ms, c)

    def org(self, o: int) -> str:
        return uid(T_ORG, self.directory_ms, o)


def name_of(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + GIVEN[(n // 131) % len(GIVEN)]


def directory(plan: Plan, out: dict[str, list[str]], flush) -> None:
    """Courts, organisations, their staff, mediators, lawyers and the citizens who use the platform."""
    at = ts(plan.directory_ms)
    users = out["users"]
    for c in range(COURTS):
        province = PROVINCES[c % len(PROVINCES)]
        out["courts"].append(line(f"C{c:05d}", f"{province}第{c}基层人民法院", province, "t", plan.court(c), at, at))
        for k in range(2):
            users.append(_user(plan, plan.clerk(c, k), c * 2 + k, at, f"书记员{c}-{k}"))
            member = uid(T_MEMBERSHIP, plan.directory_ms, c * 2 + k)
            out["court_memberships"].append(line(plan.court(c), plan.clerk(c, k), "clerk", "t", member, at, at))
    for o in range(ORGS):
        province = PROVINCES[o % len(PROVINCES)]
        cats = [CATEGORIES[o % len(CATEGORIES)], CATEGORIES[(o * 7 + 3) % len(CATEGORIES)]]
        out["mediation_organizations"].append(
            line(
                f"{province}人民调解委员会{o}",
                "people",
                province,
                _json([province]),
                _json(cats),
                "t",
                plan.org(o),
                at,
                at,
            )
        )
        out["mediation_org_facets"].append(line(plan.org(o), "region", province))
        for cat in sorted(set(cats)):
            out["mediation_org_facets"].append(line(plan.org(o), "category", cat))
        out["mediation_org_courts"].append(line(plan.org(o), plan.court(o % COURTS), at, at))
        users.append(_user(plan, plan.admin(o), 10_000_000 + o, at, f"调解组织管理员{o}"))
        member = uid(T_MEMBERSHIP, plan.directory_ms, 1_000_000 + o)
        out["org_memberships"].append(line(plan.org(o), plan.admin(o), "admin", "t", member, at, at))
    for m in range(MEDIATORS):
        o, name = m % ORGS, name_of(m)
        users.append(_user(plan, plan.mediator(m), 20_000_000 + m, at, name))
        profile = uid(T_PROFILE, plan.directory_ms, m)
        specialties = sorted({CATEGORIES[m % len(CATEGORIES)], CATEGORIES[(m // 3) % len(CATEGORIES)]})
        province = PROVINCES[o % len(PROVINCES)]
        if m % 5_000 == 4_999:
            flush()
        out["mediator_profiles"].append(
            line(
                plan.org(o),
                plan.mediator(m),
                name,
                "人民调解员",
                None,
                _json(specialties),
                province,
                30,
                "t",
                profile,
                at,
                at,
            )
        )
        for cat in specialties:
            out["mediator_specialties"].append(line(profile, cat))
        member = uid(T_MEMBERSHIP, plan.directory_ms, 2_000_000 + m)
        out["org_memberships"].append(line(plan.org(o), plan.mediator(m), "mediator", "t", member, at, at))
    for j in range(plan.lawyers):
        users.append(_user(plan, plan.lawyer(j), 30_000_000 + j, at, name_of(j + 5)))
        profile = uid(T_LAWYER_PROFILE, plan.directory_ms, j)
        province = PROVINCES[j % len(PROVINCES)]
        out["lawyer_profiles"].append(
            line(
                plan.lawyer(j),
                f"1{j:016d}",
                f"{province}律师事务所{j % 997}",
                province,
                "verified",
                None,
                at,
                None,
                profile,
                at,
                at,
            )
        )
    flush()
    for j in range(plan.citizens):
        users.append(_user(plan, plan.citizen(j), 100_000_000 + j, at, name_of(j)))
        if j % 5_000 == 4_999:
            flush()


def _user(plan: Plan, user_id: str, n: int, at: str, real_name: str) -> str:
    phone_enc, _ = plan.pools.phones[n % len(plan.pools.phones)]
    number_enc, _ = plan.pools.ids[n % len(plan.pools.ids)]
    unique = hashlib.blake2b(n.to_bytes(8, "big"), digest_size=32).hexdigest()
    return line(
        None,
        "active",
        f"o{unique[:27]}",
        None,
        phone_enc,
        unique,
        real_name,
        number_enc,
        "i" + unique[1:],
        "verified",
        "bench",
        None,
        at,
        user_id,
        at,
        at,
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


DIRECTORY_TABLES = {
    "users": "display_name status wechat_openid wechat_unionid phone_enc phone_index real_name id_number_enc "
    "id_number_index "
    "verification_status verification_provider verification_reference verified_at id created_at updated_at",
    "courts": "code name region active id created_at updated_at",
    "court_memberships": "court_id user_id role active id created_at updated_at",
    "mediation_organizations": "name org_type region regions categories active id created_at updated_at",
    "mediation_org_facets": "org_id facet value",
    "mediation_org_courts": "org_id court_id created_at updated_at",
    "org_memberships": "org_id user_id role active id created_at updated_at",
    "mediator_profiles": "org_id user_id display_name title bio specialties region max_load accepting "
    "id created_at updated_at",
    "mediator_specialties": "profile_id category",
    "lawyer_profiles": "user_id license_number law_firm practice_region status reviewed_by reviewed_at review_note "
    "id created_at updated_at",
}

CASE_TABLES = {
    "cases": "kind status court_id org_id category title claims facts amount case_number filed_by_user_id filed_via "
    "creation_key submitted_at review_due_at accepted_at closed_at origin_case_id mediator_user_id outcome "
    "concluded_at concluded_on_working_day filed_off_hours id created_at updated_at",
    "case_parties": "case_id role party_type name phone_enc phone_index id_number_enc id_number_index org_code "
    "address user_id joined_at id created_at updated_at",
    "case_agents": "case_id party_id lawyer_user_id authority status power_of_attorney_evidence_id requested_by "
    "confirmed_by confirmed_at id created_at updated_at",
    "mediation_sessions": "case_id mediator_user_id starts_at ends_at mode location meeting_url status created_by "
    "cancelled_at cancelled_by cancel_reason held_at id created_at updated_at",
    "evidence_items": "case_id party_id uploaded_by_user_id status catalogue_order title category purpose filename "
    "declared_type declared_size declared_sha256 detected_type page_count object_key upload_key upload_expires_at "
    "stored_at submitted_at rejected_at rejection_reason deleted_at id created_at updated_at",
    "served_documents": "court_id case_id recipient_party_id doc_type title response_days status sha256 size "
    "content_type storage_key submitter submitter_role submission_key submission_fingerprint verification_code "
    "rejection_reason hold_reason channel consent_id service_address confirmed_by_recipient delivered_at "
    "first_opened_at acknowledged_at served_at served_basis reminded_at expired_at failed_at event_count head_hash "
    "id created_at updated_at",
    "hotline_calls": "operator_user_id caller_phone_enc caller_phone_index caller_name summary category case_id "
    "party_id claim_code_hash claim_expires_at claimed_at claimed_by_user_id id created_at updated_at",
}

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


class CaseRows:
    """Generates every row that hangs on case i (call `emit(i, sink)` for i in a range)."""

    def __init__(self, plan: Plan, seed_offset: int = 0) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed + seed_offset)
        self.phones, self.ids = plan.pools.phones, plan.pools.ids

    def _when(self, i: int) -> tuple[int, dt.date]:
        """Filing time of case i: days in order, times of day as people file (evenings too)."""
        plan, r = self.plan, self.rng.random()
        d = i * plan.days // plan.cases
        day = plan.first_day + dt.timedelta(days=d)
        working = plan.working.get(day, day.weekday() < 5)
        if working and r < 0.75:
            seconds = 30_600 + int(r / 0.75 * 32_400)  # 08:30-17:30
        elif r < 0.95:
            seconds = 63_000 + int(self.rng.random() * 23_399)  # 17:30-23:59
        else:
            seconds = int(self.rng.random() * 30_599)  # small hours
        ms = plan.base_ms + d * DAY_MS + seconds * 1000
        return min(ms, plan.end_ms - self.rng.randrange(1, 600_000)), day

    def _off_hours(self, ms: int) -> bool:
        local = dt.datetime.fromtimestamp(ms / 1000, SHANGHAI)
        if not self.plan.working.get(local.date(), local.weekday() < 5):
            return True
        return not (dt.time(8, 30) <= local.time() < dt.time(17, 30))

    def emit(self, i: int, sink: dict[str, list[str]]) -> None:
        plan, rng = self.plan, self.rng
        ms, _day = self._when(i)
        at = ts(ms)
        case_id = uid(T_CASE, ms, i)
        age_days = (plan.end_ms - ms) / DAY_MS
        litigation = rng.random() < 0.15
        category = CATEGORIES[skewed(rng.random(), len(CATEGORIES), 1.6)]
        repeat = rng.random() < 0.05
        filer_n = rng.randrange(plan.repeat_filers) if repeat else rng.randrange(plan.citizens)
        filer = plan.citizen(filer_n)
        court_n = skewed(rng.random(), COURTS, 2.0)
        org_n = mediator = None
        if litigation:
            status = self._litigation_status(age_days)
        else:
            org_n = skewed(rng.random(), ORGS, 2.0)
            status = self._mediation_status(age_days)
            if rng.random() >= 0.4:
                court_n = None
            if status not in ("submitted",):
                per_org = MEDIATORS // ORGS + (1 if org_n < MEDIATORS % ORGS else 0)
                mediator = plan.mediator(org_n + ORGS * rng.randrange(per_org))
        outcome = concluded = concluded_ms = on_working_day = None
        closed = accepted = review_due = number = None
        concluding = ("settled", "failed", "judicial_confirmation_requested", "confirmed", "confirmation_rejected")
        if status in concluding:
            concluded_ms = ms + rng.randrange(3, 30) * DAY_MS + rng.randrange(DAY_MS)
            if concluded_ms >= plan.end_ms:  # would conclude in the future: still being mediated
                status = "in_mediation"
        if status in concluding:
            outcome = "failed" if status == "failed" else "settled"
            concluded = ts(concluded_ms)
            local = dt.datetime.fromtimestamp(concluded_ms / 1000, SHANGHAI).date()
            on_working_day = "t" if plan.working.get(local, local.weekday() < 5) else "f"
        if status in ("failed", "withdrawn", "confirmed", "confirmation_rejected", "rejected", "accepted"):
            closed = concluded or ts(min(ms + rng.randrange(1, 20) * DAY_MS, plan.end_ms - 1000))
        if litigation:
            review_due = ts(ms + 7 * DAY_MS)
            if status == "accepted":
                accepted = closed
                year = dt.datetime.fromtimestamp(ms / 1000, SHANGHAI).year
                number = f"({year})C{court_n:05d}民初{i}号"
        amount = f"{rng.randrange(1_000, 500_000)}.00"
        sink["cases"].append(
            line(
                "litigation" if litigation else "mediation",
                status,
                plan.court(court_n) if court_n is not None else None,
                plan.org(org_n) if org_n is not None else None,
                category,
                f"{category}（{name_of(i)}）",
                "请求依法处理",
                "事实与理由略",
                amount,
                number,
                filer,
                "self",
                None,
                at,
                review_due,
                accepted,
                closed,
                None,
                mediator,
                outcome,
                concluded,
                on_working_day,
                "t" if self._off_hours(ms) else "f",
                case_id,
                at,
                at,
            )
        )
        parties = self._parties(i, ms, at, case_id, litigation, filer, filer_n, repeat, sink)
        self._agents(i, ms, case_id, parties, sink)
        if mediator is not None and status not in ("assigned", "withdrawn"):
            self._sessions(i, ms, case_id, mediator, sink)
        if rng.random() < 0.2:
            self._evidence(i, ms, case_id, parties[0], sink)
        if litigation and status == "accepted":
            self._documents(i, ms, case_id, plan.court(court_n), parties[1][0], sink)

    def _mediation_status(self, age: float) -> str:
        r = self.rng.random()
        if age < 2:
            return "submitted" if r < 0.4 else "assigned" if r < 0.7 else "mediator_accepted"
        if age < 30:
            if r < 0.6:
                return "in_mediation"
            return "settled" if r < 0.8 else "failed" if r < 0.9 else "withdrawn" if r < 0.95 else "mediator_accepted"
        if r < 0.62:
            return "settled"
        if r < 0.90:
            return "failed"
        return "withdrawn" if r < 0.95 else "confirmed" if r < 0.99 else "judicial_confirmation_requested"

    def _litigation_status(self, age: float) -> str:
        r = self.rng.random()
        if age < 7:
            return "submitted" if r < 0.8 else "correction_requested" if r < 0.9 else "accepted"
        return "accepted" if r < 0.85 else "rejected" if r < 0.93 else "withdrawn"

    def _parties(self, i, ms, at, case_id, litigation, filer, filer_n, repeat, sink) -> list[tuple[str, str | None]]:
        rng, plan = self.rng, self.plan
        roles = ("plaintiff", "defendant") if litigation else ("applicant", "respondent")
        count = 3 if rng.random() < 0.1 else 2
        made = []
        for k in range(count):
            role = roles[k] if k < 2 else "third_party"
            if k == 0:
                user, joined = filer, at
            elif k == 1 and rng.random() < 0.55:
                user, joined = plan.citizen(rng.randrange(plan.citizens)), ts(ms + rng.randrange(1, 72) * HOUR_MS)
            else:
                user = joined = None
            organisation = k == 0 and repeat
            phone_enc, phone_index = self.phones[(i + k) % len(self.phones)]
            number_enc, number_index = self.ids[(i * 3 + k) % len(self.ids)]
            party_id = uid(T_PARTY, ms, i * 4 + k)
            sink["case_parties"].append(
                line(
                    case_id,
                    role,
                    "organization" if organisation else "person",
                    f"某某银行股份有限公司{filer_n}" if organisation else name_of(i * 3 + k),
                    phone_enc,
                    phone_index,
                    None if organisation else number_enc,
                    None if organisation else number_index,
                    f"91{filer_n:016d}" if organisation else None,
                    None,
                    user,
                    joined,
                    party_id,
                    at,
                    at,
                )
            )
            made.append((party_id, user))
        return made

    def _agents(self, i, ms, case_id, parties, sink) -> None:
        rng, plan = self.rng, self.plan
        for k, share in ((0, 0.25), (1, 0.10)):
            if rng.random() >= share:
                continue
            lawyer = plan.lawyer(skewed(rng.random(), plan.lawyers, 3.0))
            at = ts(ms + HOUR_MS)
            sink["case_agents"].append(
                line(
                    case_id,
                    parties[k][0],
                    lawyer,
                    "general",
                    "active",
                    None,
                    parties[k][1],
                    parties[k][1],
                    at,
                    uid(T_AGENT, ms, i * 2 + k),
                    at,
                    at,
                )
            )

    def _sessions(self, i, ms, case_id, mediator, sink) -> None:
        rng, plan = self.rng, self.plan
        count = 2 if rng.random() < 0.3 else 1
        day0 = (ms - plan.base_ms) // DAY_MS
        for k in range(count):
            day = day0 + 2 + rng.randrange(9) + k * 7
            starts = plan.base_ms + day * DAY_MS + (9 + rng.randrange(7)) * HOUR_MS  # 09:00-15:00 local
            ends = starts + HOUR_MS
            held = ends < plan.end_ms
            sink["mediation_sessions"].append(
                line(
                    case_id,
                    mediator,
                    ts(starts),
                    ts(ends),
                    "video",
                    None,
                    "https://meeting.example.cn/r/" + case_id[:8],
                    "held" if held else "scheduled",
                    mediator,
                    None,
                    None,
                    None,
                    ts(ends) if held else None,
                    uid(T_SESSION, ms, i * 2 + k),
                    ts(ms),
                    ts(ms),
                )
            )

    def _evidence(self, i, ms, case_id, party, sink) -> None:
        rng = self.rng
        for k in range(1 + rng.randrange(3)):
            category, content_type, ext = EVIDENCE_KINDS[(i + k) % len(EVIDENCE_KINDS)]
            evidence_id = uid(T_EVIDENCE, ms, i * 4 + k)
            digest = hashlib.blake2b(evidence_id.encode(), digest_size=32).hexdigest()
            size = 20_000 + rng.randrange(5_000_000)
            at = ts(ms + (k + 1) * 60_000)
            sink["evidence_items"].append(
                line(
                    case_id,
                    party[0],
                    party[1] or self.plan.citizen(0),
                    "stored",
                    k + 1,
                    f"证据{k + 1}",
                    category,
                    "证明借款事实",
                    f"证据{k + 1}.{ext}",
                    content_type,
                    size,
                    digest,
                    content_type,
                    3 if ext == "pdf" else None,
                    f"evidence/{case_id}/{evidence_id}",
                    f"uploads/{case_id}/{evidence_id}",
                    ts(ms + DAY_MS),
                    at,
                    at,
                    None,
                    None,
                    None,
                    evidence_id,
                    at,
                    at,
                )
            )

    def _documents(self, i, ms, case_id, court_id, recipient, sink) -> None:
        rng, plan = self.rng, self.plan
        kinds = [("summons", "传票", 15)] + ([("judgment", "民事判决书", 15)] if rng.random() < 0.3 else [])
        for k, (doc_type, title, days) in enumerate(kinds):
            sent = min(ms + (2 + k * 20) * DAY_MS, plan.end_ms - 60_000)
            document_id = uid(T_DOC, ms, i * 2 + k)
            digest = hashlib.blake2b(document_id.encode(), digest_size=32).hexdigest()
            opened = sent + rng.randrange(1, 48) * HOUR_MS
            opened = opened if opened < plan.end_ms and rng.random() < 0.8 else None
            status = "acknowledged" if opened else "delivered"
            sink["served_documents"].append(
                line(
                    court_id,
                    case_id,
                    recipient,
                    doc_type,
                    title,
                    days,
                    status,
                    digest,
                    120_000,
                    "application/pdf",
                    f"documents/{case_id}/{document_id}",
                    "bench-court-system",
                    "court_system",
                    f"k{i}-{k}",
                    digest,
                    f"{i * 2 + k:012X}",
                    None,
                    None,
                    "mini_program",
                    None,
                    "小程序送达地址",
                    "t",
                    ts(sent),
                    ts(opened) if opened else None,
                    ts(opened) if opened else None,
                    ts(sent),
                    "confirmed_address",
                    None,
                    None,
                    None,
                    4 if opened else 2,
                    digest,
                    document_id,
                    ts(sent),
                    ts(sent),
                )
            )

    def hotline(self, n: int, sink: dict[str, list[str]]) -> None:
        """12368 calls spread over the period, answered by clerks of the busiest courts."""
        plan, rng = self.plan, self.rng
        ms = plan.base_ms + n * (plan.end_ms - plan.base_ms) // max(1, plan.cases // 27)
        phone_enc, phone_index = self.phones[n % len(self.phones)]
        sink["hotline_calls"].append(
            line(
                plan.clerk(n % 50),
                phone_enc,
                phone_index,
                name_of(n),
                "来电咨询立案流程",
                ("filing", "inquiry", "consultation", "complaint", "other")[rng.randrange(5)],
                None,
                None,
                None,
                None,
                None,
                None,
                uid(T_CALL, ms, n),
                ts(ms),
                ts(ms),
            )
        )
