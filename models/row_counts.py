"""Row counts the database keeps, so an unfiltered list's `totalCount` reads a few rows."""

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ListRowCount(SQLModel, table=True):
    """How many records each root list holds with no filter, kept by database triggers
    (migration 7c3e9a1d5b42): `customer` (not merged into another), `touchpoint` and
    `ticket`. A count is the sum over its shards: on PostgreSQL each
    connection adds to its own shard, so concurrent writers do not wait on one row."""

    __tablename__ = "list_row_count"

    list_name: str = Field(sa_type=sa.String(32), primary_key=True)
    shard: int = Field(sa_type=sa.SmallInteger, primary_key=True)
    records: int = Field(sa_type=sa.BigInteger)


class ListValueCount(SQLModel, table=True):
    """How many records of a root list hold each value of one column, kept by database
    triggers (migration 8b3f1c6d2e57): `ticket.status` (every ticket) and
    `customer.segment` (customers merged into no other). A count is the sum over its
    shards, as in `ListRowCount`."""

    __tablename__ = "list_value_count"

    list_name: str = Field(sa_type=sa.String(32), primary_key=True)
    value: str = Field(sa_type=sa.String(64), primary_key=True)
    shard: int = Field(sa_type=sa.SmallInteger, primary_key=True)
    records: int = Field(sa_type=sa.BigInteger)
