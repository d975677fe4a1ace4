"""the compiled path's Float text, as a database function

Revision ID: 8e5b3d7a2c16
Revises: 2f6b8d4a1c93
Create Date: 2026-12-19 12:00:00.000000

`cx360_float_json(float8)`: a float as the resolver path writes it (orjson), for the
compiled read path's statements (resolvers/compiled/sql_text.py, `SCALAR_JSON["Float"]`).
PostgreSQL's shortest text laid out as orjson does, which is Python's repr but for
negative exponents (1e-05 is written 0.00001, 1.234e-06 as 1.234e-6). PostgreSQL writes
an integral value without `.0` (`100`), 1e15 to 1e16 in exponent form, and integral
values from 1e16 with a 17th digit Python does not need: each is rewritten. A value that
is not finite (never a metric) is null; null is null.

It was an expression written into each statement. PostgreSQL builds every node of a
statement's expressions each time it runs it, including the rare branches (exponent
forms) that almost never run: two such metrics were a third of the customer 360 page's
statement (0.52 -> 0.37 ms per execution). Called as a function it is built once per
session. PL/pgSQL, so it is never inlined back; STABLE, as float8 text follows
`extra_float_digits`, which every connection of the server sets to PostgreSQL's default
1, the shortest exact text (api/db.py). PostgreSQL only: SQLite has no compiled path.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8e5b3d7a2c16"
down_revision: str | None = "2f6b8d4a1c93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# From 1e16 up, a float8 is an integer and Python writes its shortest digits as
# d.ddde+NN, where PostgreSQL's text may hold a 17th digit Python does not need. Its exact
# value (`exact`) comes from its bits (mantissa times a power of two: a cast to numeric
# or bigint would round it or overflow), then the nearest number of 15, then 16, then 17
# significant digits that reads back as the same float8 (17 always does); fewer than 15
# cannot be shorter than 15 with trailing zeros cut (15 digits are 100 or more apart
# there, neighbouring float8s at least 2 apart, relatively closer than 1e-15).
FUNCTION = """
CREATE FUNCTION cx360_float_json(value float8) RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
  written text := value::text;
  sign text;
  mantissa text;
  digits text;
  exponent int;
  bits bigint;
  exact numeric;
  beyond numeric;
  significant int;
  shortest numeric;
  kept text;
BEGIN
  IF written IN ('NaN', 'Infinity', '-Infinity') THEN
    RETURN NULL;
  END IF;
  IF strpos(written, 'e') = 0 THEN
    RETURN CASE WHEN strpos(written, '.') = 0 THEN written || '.0' ELSE written END;
  END IF;
  sign := CASE WHEN left(written, 1) = '-' THEN '-' ELSE '' END;
  mantissa := split_part(ltrim(written, '-'), 'e', 1);
  exponent := split_part(ltrim(written, '-'), 'e', 2)::int;
  digits := replace(mantissa, '.', '');
  IF exponent >= 16 THEN
    bits := ('x' || encode(float8send(abs(value)), 'hex'))::bit(64)::bigint;
    exact := trunc(((bits & 4503599627370495) | 4503599627370496)::numeric
      * power(2::numeric, ((bits >> 52) & 2047) - 1075));
    -- A candidate from 2^1024 - 2^970 up reads back as no float8 (Infinity).
    beyond := power(2::numeric, 1024) - power(2::numeric, 970);
    FOR significant IN 15..17 LOOP
      shortest := round(exact, significant - length(exact::text));
      EXIT WHEN CASE WHEN shortest >= beyond THEN false
        ELSE shortest::float8 = abs(value) END;
    END LOOP;
    kept := rtrim(shortest::text, '0');
    RETURN sign || left(kept, 1)
      || CASE WHEN length(kept) > 1 THEN '.' || substr(kept, 2) ELSE '' END
      || 'e+' || (length(shortest::text) - 1)::text;
  ELSIF exponent = 15 THEN
    RETURN sign || CASE WHEN length(digits) <= 16 THEN rpad(digits, 16, '0') || '.0'
      ELSE left(digits, 16) || '.' || substr(digits, 17) END;
  ELSIF exponent = -5 THEN
    RETURN sign || '0.0000' || digits;
  END IF;
  RETURN sign || mantissa || 'e' || exponent::text;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION cx360_float_json(float8)")
