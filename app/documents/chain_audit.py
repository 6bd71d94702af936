"""Verifying every document's evidence: recompute each hash chain, and re-hash each stored file."""

from __future__ import annotations

import dataclasses
import hashlib

from app.documents import chain as delivery_chain
from app.documents.models import ServedDocument
from app.extensions import storage


@dataclasses.dataclass
class Report:
    """What a verification run found; `problems` lists the first broken link of each broken document."""

    documents: int = 0
    events: int = 0
    objects: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every chain and every object checked out."""
        return not self.problems


def object_problem(document: ServedDocument) -> str | None:
    """Why the stored file no longer matches the recorded SHA-256 and size (None when it does)."""
    if not document.storage_key:
        return None
    try:
        chunks = storage.iter_chunks(document.storage_key)
    except KeyError:
        return f"document {document.id}: stored object {document.storage_key} is missing"
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != document.sha256 or size != document.size:
        return (
            f"document {document.id}: stored object changed: sha256 {digest.hexdigest()} ({size} bytes) "
            f"!= recorded {document.sha256} ({document.size} bytes)"
        )
    return None


def verify_all(*, objects: bool = True) -> Report:
    """Check every document (chains always, stored files unless objects=False)."""
    report = Report()
    for document in delivery_chain.iter_documents():
        events = delivery_chain.events_of(document.id)
        report.documents += 1
        report.events += len(events)
        broken = delivery_chain.verify_document(document, events)
        if broken is not None:
            report.problems.append(broken.describe())
        if objects and document.storage_key:
            report.objects += 1
            problem = object_problem(document)
            if problem:
                report.problems.append(problem)
    return report
