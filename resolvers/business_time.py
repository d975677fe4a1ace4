"""Working time: due times and time left under an optional business calendar.

Pure functions, no database. A calendar is an IANA time zone, the ISO weekdays that
are working days (1 = Monday ... 7 = Sunday) and one opening window per working day
(opens < closes, local wall-clock time). Without a calendar every hour counts.

Each working day's window is turned into two UTC instants through the zone (zoneinfo),
and time is counted in real elapsed seconds between those instants. So a due time
across a DST change is right by construction: 09:00-17:00 in Europe/Berlin is 8 real
hours on either side of the change, and the window of the night that loses an hour
(were the business open then) is an hour shorter. A local opening time that does not
exist on the day the clocks go forward is read with the offset before the change
(`fold=0`), as zoneinfo does.

`add_working(start, length)` is the earliest instant by which `length` of working time
has passed since `start`: a target that is used up exactly at closing time is due at
closing time (inside working hours, at their end), not at the next opening.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The longest a computation walks the calendar: a target that needs more calendar days
# than this is refused when a policy is set (see `reaches_within`).
MAX_CALENDAR_DAYS = 800
ZERO = timedelta(0)


@dataclass(frozen=True)
class Calendar:
    time_zone: str
    weekdays: frozenset[int]
    opens_at: time
    closes_at: time

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local date, as UTC instants; None on a day off."""
        if day.isoweekday() not in self.weekdays:
            return None
        zone = self.zone
        opens = datetime.combine(day, self.opens_at, tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(day, self.closes_at, tzinfo=zone).astimezone(UTC)
        return (opens, closes) if closes > opens else None


class TooFar(ValueError):
    """The target needs more than MAX_CALENDAR_DAYS calendar days under this calendar."""


def _local_date(moment: datetime, calendar: Calendar) -> date:
    return moment.astimezone(calendar.zone).date()


def add_working(
    start: datetime,
    length: timedelta,
    calendar: Calendar | None,
    max_days: int = MAX_CALENDAR_DAYS,
) -> datetime:
    """The earliest instant at which `length` of working time has passed since `start`."""
    if length < ZERO:
        raise ValueError("a working time length is not negative")
    if calendar is None:
        return start + length
    if length == ZERO:
        return start
    left = length
    day = _local_date(start, calendar)
    for _ in range(max_days + 1):
        window = calendar.window(day)
        if window is not None:
            opens, closes = window
            cursor = max(start, opens)
            if cursor < closes:
                available = closes - cursor
                if left <= available:
                    return (cursor + left).astimezone(UTC)
                left -= available
        day += timedelta(days=1)
    raise TooFar(f"more than {max_days} calendar days")


def working_between(start: datetime, end: datetime, calendar: Calendar | None) -> timedelta:
    """Working time in [start, end); zero when end is not after start."""
    if end <= start:
        return ZERO
    if calendar is None:
        return end - start
    total = ZERO
    day, last = _local_date(start, calendar), _local_date(end, calendar)
    while day <= last:
        window = calendar.window(day)
        if window is not None:
            opens, closes = window
            overlap = min(end, closes) - max(start, opens)
            if overlap > ZERO:
                total += overlap
        day += timedelta(days=1)
    return total


def working_left(now: datetime, due: datetime, calendar: Calendar | None) -> timedelta:
    """Working time from now until the due time (zero once it has passed)."""
    return working_between(now, due, calendar)


def at_risk_from(start: datetime, length: timedelta, calendar: Calendar | None) -> datetime:
    """The instant from which at most 25 % of the target's length is left in working time.

    With due = add_working(start, length), the time left at t is length minus the working
    time since start, so it is <= length / 4 from the instant 3/4 of it has passed.
    """
    return add_working(start, length * 3 / 4, calendar)


def reaches_within(start: datetime, length: timedelta, calendar: Calendar | None) -> bool:
    """Whether a target of `length` is due within half of MAX_CALENDAR_DAYS from `start`:
    the half left over covers any other start (a calendar repeats every week)."""
    try:
        add_working(start, length, calendar, MAX_CALENDAR_DAYS // 2)
    except TooFar:
        return False
    return True
