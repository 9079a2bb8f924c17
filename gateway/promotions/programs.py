"""Loyalty programs a promotion can come through (the API's supplementaryCriteria)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.db import RequestDb
from gateway.promotions.model import ProgramType

PROGRAMS_SQL = """
SELECT program_id, program_type, partner_program_id
FROM loyalty_programs
WHERE program_id = ANY($1::text[])
"""


@dataclass(frozen=True, slots=True)
class LoyaltyProgramRecord:
    """A loyalty program, as supplementaryCriteria shows it."""

    program_id: str
    program_type: ProgramType
    partner_program_id: str | None


async def fetch_programs(
    db: RequestDb, program_ids: Sequence[str]
) -> list[LoyaltyProgramRecord | None]:
    """The programs with these ids, in order (None for an unknown id): one query."""
    rows = await db.fetch(PROGRAMS_SQL, list(program_ids))
    by_id = {
        row["program_id"]: LoyaltyProgramRecord(
            program_id=row["program_id"],
            program_type=ProgramType(row["program_type"]),
            partner_program_id=row["partner_program_id"],
        )
        for row in rows
    }
    return [by_id.get(program_id) for program_id in program_ids]
