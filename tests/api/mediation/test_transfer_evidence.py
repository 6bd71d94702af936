"""The evidence of a failed mediation comes over to the litigation filing: submitted items only, same bytes.

Service level, on the local store of the test's app (its folder under tmp_path). The HTTP path, S3 and the
outage answer are in tests/integration/evidence/test_carry_over.py.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseParty
from app.cases.timeline import summary_in
from app.errors import StorageUnavailable
from app.evidence import rules as evidence_rules
from app.evidence.models import EvidenceCustodyEvent, EvidenceItem
from app.extensions import db, storage
from app.mediation import transfer as mediation_transfer
from app.utils import clock
from tests.api.mediation.helpers_outcome import (
    applicant_party,
    dispute,
    events,
    mediator,
    offer,
    principal,
    respondent_party,
)
from tests.support.factories import make_court, make_org, make_user


@pytest.fixture
def failed(app):
    org = make_org()
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = dispute(org=org, filer=filer, respondent=respondent)
    _med, profile = mediator(org)
    offer(case, profile, status="accepted", case_status="failed")
    return {"case": case, "filer": filer, "respondent": respondent, "court": make_court()}


def put_item(case, party, user, content: bytes, *, order: int, submitted=True, status="stored", title="借条"):
    """An item as `complete` (and `submit`) leave it, with its object in the store."""
    key = evidence_rules.object_key(case.id)
    if status == "stored":
        storage.put(key, content, content_type="application/pdf")
    now = clock.now()
    item = EvidenceItem(
        case_id=case.id,
        party_id=party.id,
        uploaded_by_user_id=user.id,
        status=status,
        catalogue_order=order,
        title=title,
        category="书证",
        purpose=f"证明{title}",
        filename=f"{title}.pdf",
        declared_type="application/pdf",
        declared_size=len(content),
        declared_sha256=hashlib.sha256(content).hexdigest(),
        detected_type="application/pdf" if status == "stored" else None,
        page_count=1,
        object_key=key if status == "stored" else None,
        upload_key=evidence_rules.upload_key(case.id),
        upload_expires_at=now,
        stored_at=now if status == "stored" else None,
        submitted_at=now if submitted else None,
    )
    db.session.add(item)
    db.session.commit()
    return item


def transfer(f, user):
    return mediation_transfer.transfer_to_litigation(
        case_id=f["case"].id, court_id=f["court"].id, actor=principal(user)
    )


def items_of(case_id) -> list[EvidenceItem]:
    db.session.expire_all()
    query = select(EvidenceItem).where(EvidenceItem.case_id == case_id)
    return list(db.session.scalars(query.order_by(EvidenceItem.party_id, EvidenceItem.catalogue_order)))


def custody(item) -> list[EvidenceCustodyEvent]:
    query = select(EvidenceCustodyEvent).where(EvidenceCustodyEvent.evidence_id == item.id)
    return list(db.session.scalars(query.order_by(EvidenceCustodyEvent.at, EvidenceCustodyEvent.id)))


def object_keys() -> list[str]:
    return sorted(info.key for info in storage.list("cases/"))


@pytest.mark.parametrize("who", ["filer", "respondent"])
def test_submitted_stored_items_come_over_to_the_mapped_party_with_the_same_hash(failed, who):
    case = failed["case"]
    applicant, respondent = applicant_party(case), respondent_party(case)
    mine = put_item(case, applicant, failed["filer"], b"%PDF-1.7 iou", order=1)
    put_item(case, applicant, failed["filer"], b"%PDF-1.7 draft", order=2, submitted=False, title="草稿")
    put_item(case, applicant, failed["filer"], b"%PDF-1.7 pending", order=3, submitted=False, status="pending")
    put_item(case, applicant, failed["filer"], b"%PDF-1.7 gone", order=4, submitted=False, status="deleted")
    theirs = put_item(case, respondent, failed["respondent"], b"%PDF-1.7 receipt", order=1, title="收条")
    before = object_keys()

    filing = transfer(failed, failed[who])

    new_case = filing["id"]
    parties = {p.name: p for p in db.session.scalars(select(CaseParty).where(CaseParty.case_id == new_case))}
    carried = items_of(new_case)
    assert sorted(i.title for i in carried) == ["借条", "收条"]  # drafts, pending and deleted items stay behind
    for old, party_name in ((mine, "张三"), (theirs, "李四")):
        new = next(i for i in carried if i.title == old.title)
        assert new.party_id == parties[party_name].id and new.catalogue_order == 1
        same = ("declared_sha256", "declared_size", "declared_type", "title", "category", "purpose", "filename")
        assert {n: getattr(new, n) for n in same} == {n: getattr(old, n) for n in same}
        assert new.uploaded_by_user_id == old.uploaded_by_user_id
        assert new.status == "stored" and new.submitted and new.stored_at is not None
        assert new.object_key.startswith(f"cases/{new_case}/evidence/") and new.object_key != old.object_key
        assert evidence_rules.KEY_PATTERN.match(new.object_key)
        content = b"".join(storage.iter_chunks(new.object_key))
        assert hashlib.sha256(content).hexdigest() == old.declared_sha256
        (to_new,) = [e for e in custody(old) if e.action == "carried_over"]
        (from_old,) = custody(new)
        assert from_old.action == "carried_over" and from_old.sha256 == old.declared_sha256
        assert from_old.data == {"from_evidence_id": str(old.id), "from_case_id": str(case.id)}
        assert to_new.data == {"to_evidence_id": str(new.id), "to_case_id": str(new_case)}
        assert to_new.actor_user_id == failed[who].id and to_new.actor_role == "party"
    timeline = events(new_case)
    assert [e.type for e in timeline] == ["case.filed", "evidence.carried_over"]
    assert summary_in(timeline[-1], "en") == "2 evidence items carried over from the mediation"
    assert timeline[-1].summary == "2份证据自调解案件转入"
    assert timeline[-1].data["count"] == 2 and timeline[-1].data["not_carried"] == []
    assert {str(i.id) for i in carried} == set(timeline[-1].data["evidence_ids"])
    assert set(before) < set(object_keys())  # the mediation's objects are all still there
    assert len(object_keys()) == len(before) + 2


def test_catalogue_numbers_restart_per_party_without_the_drafts_gaps(failed):
    case = failed["case"]
    applicant = applicant_party(case)
    put_item(case, applicant, failed["filer"], b"%PDF-1.7 one", order=1, title="一")
    put_item(case, applicant, failed["filer"], b"%PDF-1.7 two", order=2, submitted=False, title="二")
    put_item(case, applicant, failed["filer"], b"%PDF-1.7 three", order=3, title="三")

    filing = transfer(failed, failed["filer"])

    assert [(i.title, i.catalogue_order) for i in items_of(filing["id"])] == [("一", 1), ("三", 2)]


def test_a_store_failure_half_way_fails_the_whole_transfer_and_removes_the_copies(failed):
    case = failed["case"]
    applicant = applicant_party(case)
    first = put_item(case, applicant, failed["filer"], b"%PDF-1.7 first", order=1)
    second = put_item(case, applicant, failed["filer"], b"%PDF-1.7 second", order=2)
    before = object_keys()
    broken = storage.store.root / "objects" / second.object_key
    broken.unlink()
    broken.mkdir()  # a disk fault: the object's path cannot be read; the first item was copied already

    with pytest.raises(StorageUnavailable):
        transfer(failed, failed["filer"])
    db.session.rollback()  # what the request's error handler does

    assert db.session.scalars(select(Case).where(Case.origin_case_id == case.id)).all() == []
    assert object_keys() == sorted(set(before) - {second.object_key})  # the first item's copy was deleted
    assert [e.action for e in custody(first)] == []
    assert events(case.id)[-1].type != "mediation.transferred_to_litigation"

    broken.rmdir()
    storage.put(second.object_key, b"%PDF-1.7 second", content_type="application/pdf")
    filing = transfer(failed, failed["filer"])  # once the store is back, the same request works
    assert [i.title for i in items_of(filing["id"])] == ["借条", "借条"]


def test_an_item_whose_object_is_missing_stays_behind_and_the_timeline_says_so(failed):
    case = failed["case"]
    applicant = applicant_party(case)
    put_item(case, applicant, failed["filer"], b"%PDF-1.7 kept", order=1, title="在")
    lost = put_item(case, applicant, failed["filer"], b"%PDF-1.7 lost", order=2, title="失")
    storage.delete(lost.object_key)

    filing = transfer(failed, failed["filer"])

    assert [i.title for i in items_of(filing["id"])] == ["在"]
    last = events(filing["id"])[-1]
    assert summary_in(last, "en") == "1 evidence item carried over from the mediation; 1 could not be copied"
    assert last.data["not_carried"] == [str(lost.id)]
    assert [e.action for e in custody(lost)] == []


def test_a_mediation_without_submitted_evidence_files_without_an_evidence_entry(failed):
    case = failed["case"]
    put_item(case, applicant_party(case), failed["filer"], b"%PDF-1.7 draft", order=1, submitted=False)

    filing = transfer(failed, failed["filer"])

    assert items_of(filing["id"]) == []
    assert [e.type for e in events(filing["id"])] == ["case.filed"]
