"""Working time under business calendars: due times across weekends and DST changes."""

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from resolvers.business_time import (
    Calendar,
    TooFar,
    add_working,
    at_risk_from,
    reaches_within,
    working_left,
)

BERLIN_OFFICE = Calendar("Europe/Berlin", frozenset({1, 2, 3, 4, 5}), time(9), time(17))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def test_without_a_calendar_every_hour_counts() -> None:
    start = utc(2026, 3, 28, 22, 30)  # the night the clocks change in Berlin: irrelevant
    assert add_working(start, hours(8), None) == start + hours(8)
    assert working_left(start, start + hours(5), None) == hours(5)
    assert working_left(start + hours(6), start + hours(5), None) == timedelta(0)
    assert at_risk_from(start, hours(8), None) == start + hours(6)


def test_a_due_time_across_a_weekend() -> None:
    # Friday 2026-11-20 16:00 in Berlin (CET, UTC+1): 1 h left on Friday, 3 h on Monday.
    start = utc(2026, 11, 20, 15)
    due = add_working(start, hours(4), BERLIN_OFFICE)
    assert due == utc(2026, 11, 23, 11)  # Monday 12:00 CET
    assert working_left(start, due, BERLIN_OFFICE) == hours(4)
    # Saturday and Sunday add nothing: from Saturday noon only Monday's hours count.
    assert working_left(utc(2026, 11, 21, 11), due, BERLIN_OFFICE) == hours(3)


def test_a_due_time_across_the_spring_dst_change() -> None:
    # Friday 2026-03-27 15:00 CET (UTC+1); the clocks go forward on Sunday 2026-03-29.
    start = utc(2026, 3, 27, 14)
    due = add_working(start, hours(4), BERLIN_OFFICE)
    # 2 h on Friday, 2 h on Monday from 09:00 CEST (UTC+2): 11:00 CEST is 09:00 UTC,
    # not 10:00 UTC as a fixed offset would give.
    assert due == utc(2026, 3, 30, 9)
    assert working_left(start, due, BERLIN_OFFICE) == hours(4)


def test_a_due_time_across_the_autumn_dst_change() -> None:
    # Friday 2026-10-23 15:00 CEST (UTC+2); the clocks go back on Sunday 2026-10-25.
    start = utc(2026, 10, 23, 13)
    due = add_working(start, hours(4), BERLIN_OFFICE)
    assert due == utc(2026, 10, 26, 10)  # Monday 11:00 CET (UTC+1)
    assert working_left(start, due, BERLIN_OFFICE) == hours(4)


def test_opening_hours_spanning_the_change_count_real_hours() -> None:
    # Open every night 00:00-06:00 local: the night of 2026-03-29 has only 5 real hours.
    nights = Calendar("Europe/Berlin", frozenset(range(1, 8)), time(0), time(6))
    start = utc(2026, 3, 28, 23)  # 2026-03-29 00:00 CET
    assert working_left(start, utc(2026, 3, 29, 4), nights) == hours(5)  # 06:00 CEST
    # 6 working hours: 5 that night, 1 from the next midnight (00:00 CEST = 22:00 UTC).
    assert add_working(start, hours(6), nights) == utc(2026, 3, 29, 23)


def test_start_outside_hours_and_a_target_used_up_at_closing_time() -> None:
    saturday = utc(2026, 11, 21, 10)
    assert add_working(saturday, hours(1), BERLIN_OFFICE) == utc(2026, 11, 23, 9)  # Mon 10:00
    monday_opening = utc(2026, 11, 23, 8)
    # Exactly one working day: due at Monday's closing time, not Tuesday's opening.
    assert add_working(monday_opening, hours(8), BERLIN_OFFICE) == utc(2026, 11, 23, 16)
    assert at_risk_from(monday_opening, hours(8), BERLIN_OFFICE) == utc(2026, 11, 23, 14)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_time_left_from_the_start_is_the_whole_target(zone: str) -> None:
    rnd = random.Random(zone)
    for _ in range(300):
        days = frozenset(rnd.sample(range(1, 8), rnd.randint(1, 7)))
        opens = rnd.randrange(0, 20)
        calendar = Calendar(zone, days, time(opens), time(rnd.randrange(opens + 1, 24)))
        start = utc(2026, 1, 1) + timedelta(minutes=rnd.randrange(0, 525_600))
        length = timedelta(minutes=rnd.randrange(1, 3_000))
        due = add_working(start, length, calendar)
        assert working_left(start, due, calendar) == length
        risky = at_risk_from(start, length, calendar)
        assert start <= risky <= due
        assert working_left(risky, due, calendar) * 4 <= length
        # Any earlier instant still has more than a quarter left.
        earlier = risky - timedelta(seconds=1)
        if earlier >= start:
            assert working_left(earlier, due, calendar) * 4 > length


def test_a_target_the_calendar_cannot_reach_in_time_is_refused() -> None:
    sundays = Calendar("Europe/Berlin", frozenset({7}), time(9), time(9, 1))
    with pytest.raises(TooFar):
        add_working(utc(2026, 1, 1), hours(168), sundays)
    assert not reaches_within(utc(2026, 1, 1), hours(168), sundays)
    assert reaches_within(utc(2026, 1, 1), hours(168), BERLIN_OFFICE)
