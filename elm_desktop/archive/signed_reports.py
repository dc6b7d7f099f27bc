"""Reviewers' signed reports stored with their cases, for adapting the model later.

A signed (final) report is kept by the content hash of its recording, beside the case of that
recording (when the recording is archived; a report may come first and its case later, as the
hash joins them). Both stores use the same SQL; the table is created on first use, so archives
written before it existed open unchanged and older programs ignore it. Storing a report again
(an amended one) replaces the earlier one whole; removing a case removes its report too.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Both stores' SQL (text columns; the whole report as JSON beside its plain text).
CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS signed_reports ("
    " content_hash TEXT PRIMARY KEY,"
    " reviewer TEXT NOT NULL,"
    " signed_at TEXT NOT NULL,"
    " amendments INTEGER NOT NULL,"
    " text TEXT NOT NULL,"
    " document TEXT NOT NULL)"
)
UPSERT = (
    "INSERT INTO signed_reports (content_hash, reviewer, signed_at, amendments, text, document)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (content_hash) DO UPDATE SET"
    " reviewer = excluded.reviewer, signed_at = excluded.signed_at,"
    " amendments = excluded.amendments, text = excluded.text, document = excluded.document"
)
SELECT = (
    "SELECT r.content_hash, r.reviewer, r.signed_at, r.amendments, r.text, r.document, c.id"
    " FROM signed_reports r LEFT JOIN cases c ON c.content_hash = r.content_hash"
)
DELETE_OF_CASE = (
    "DELETE FROM signed_reports WHERE content_hash IN (SELECT content_hash FROM cases WHERE id = ?)"
)


@dataclass(frozen=True)
class ArchivedReport:
    """A reviewer's signed report as the archive keeps it.

    Attributes
    ----------
    content_hash : str
        SHA-256 of the recording file (the case's content hash).
    reviewer : str
        Who signed it.
    signed_at : str
        When (ISO 8601, local time of the workstation).
    amendments : int
        How often the report was reopened and signed again.
    text : str
        The reviewer's text, ``HEADING: text`` per section (what trains the model).
    document : str
        The whole report as JSON (sections, signatures, amendments, template).
    case_id : int or None
        The archived case of the recording, None while the recording is not archived.
    """

    content_hash: str
    reviewer: str
    signed_at: str
    amendments: int
    text: str
    document: str
    case_id: int | None = None

    @classmethod
    def from_row(cls, row: tuple) -> ArchivedReport:
        content_hash, reviewer, signed_at, amendments, text, document, case_id = row
        return cls(
            content_hash,
            reviewer,
            signed_at,
            int(amendments),
            text,
            document,
            None if case_id is None else int(case_id),
        )
