"""What a merge moved, so that `unmergeCustomer` restores exactly the records a customer had."""

import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)


class MergeRecord(SQLModel, table=True):
    __tablename__ = "merge_record"

    merged_customer_id: uuid.UUID = Field(foreign_key="customer.id", primary_key=True)
    # "touchpoint", "ticket", "survey_response", "external_id", or "pointer" (a customer
    # that pointed at the merged one and was repointed to the survivor).
    record_kind: str = Field(sa_type=sa.String(32), primary_key=True)
    record_id: uuid.UUID = Field(primary_key=True)
