"""A deterministic, realistic demo dataset, written with bulk inserts.

Same `seed` and `anchor` give the same rows. Customers move through the journey over
time with channel and team mixes that fit each stage; purchases carry values by
segment; some customers churn; tickets get response and resolution times by priority
(some unresolved, some reopened, several contacts); survey scores follow the ticket
experience; a few customers are known under several external ids.
"""

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from models import (
    Channel,
    Customer,
    CustomerExternalId,
    JourneyStage,
    Survey,
    SurveyKind,
    SurveyResponse,
    Team,
    Ticket,
    TicketPriority,
    TicketStatus,
    Touchpoint,
)
from models.enums import STAGE_ORDER, SURVEY_SCALES
from resolvers import actions, follow_ups, health_state, sla_live
from resolvers.masks import stored_phone_mask

FIRST_NAMES = [
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Ben",
    "Bruno",
    "Carla",
    "Chen",
    "Chloe",
    "Dev",
    "Diego",
    "Elena",
    "Emma",
    "Eric",
    "Fatima",
    "Felix",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jade",
    "Jonas",
    "Julia",
    "Kai",
    "Karim",
    "Lara",
    "Leo",
    "Lina",
    "Luca",
    "Maya",
    "Mei",
    "Mila",
    "Nadia",
    "Noah",
    "Nora",
    "Omar",
    "Oscar",
    "Paula",
    "Priya",
    "Rafael",
    "Rosa",
    "Sam",
    "Sara",
    "Sofia",
    "Tariq",
    "Theo",
    "Uma",
    "Vera",
    "Yara",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Abbott",
    "Alvarez",
    "Baker",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Hansen",
    "Ito",
    "Jensen",
    "Kaur",
    "Keller",
    "Kim",
    "Kowalski",
    "Laurent",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Torres",
    "Varga",
    "Wagner",
    "Weber",
    "Yilmaz",
]
COMPANY_WORDS = [
    "Acme",
    "Blue",
    "Bright",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kite",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orbit",
    "Pine",
    "Quartz",
    "River",
    "Summit",
    "Tidal",
    "Umber",
    "Vertex",
    "Willow",
    "Zenith",
]
COMPANY_SUFFIXES = ("Labs", "Systems", "Group", "Logistics", "Health", "Retail", "Foods", "Studio")
SEGMENTS = (("enterprise", 0.10), ("smb", 0.35), ("consumer", 0.55))
PURCHASE_RANGE = {"enterprise": (2000, 20000), "smb": (200, 3000), "consumer": (20, 300)}
# The furthest stage customers reach, in STAGE_ORDER.
FURTHEST_STAGE_WEIGHTS = (0.22, 0.23, 0.17, 0.26, 0.12)

# (kind, channel, team, source, weight) per stage: what happens at each point of the journey.
Activity = tuple[str, Channel, Team, str, float]
STAGE_ACTIVITIES: dict[JourneyStage, tuple[Activity, ...]] = {
    JourneyStage.AWARENESS: (
        ("ad_click", Channel.ADS, Team.MARKETING, "ads-platform", 3),
        ("social_view", Channel.SOCIAL, Team.MARKETING, "social", 2),
        ("page_view", Channel.WEB, Team.MARKETING, "web-analytics", 4),
        ("email_open", Channel.EMAIL, Team.MARKETING, "marketing-email", 2),
    ),
    JourneyStage.CONSIDERATION: (
        ("page_view", Channel.WEB, Team.MARKETING, "web-analytics", 4),
        ("webinar", Channel.WEB, Team.MARKETING, "marketing-email", 1),
        ("email_open", Channel.EMAIL, Team.MARKETING, "marketing-email", 2),
        ("demo_request", Channel.WEB, Team.SALES, "crm", 1),
        ("chat", Channel.CHAT, Team.SALES, "chat", 1),
    ),
    JourneyStage.DECISION: (
        ("demo", Channel.PHONE, Team.SALES, "crm", 2),
        ("meeting", Channel.IN_PERSON, Team.SALES, "crm", 1),
        ("quote", Channel.EMAIL, Team.SALES, "crm", 2),
        ("trial_signup", Channel.APP, Team.PRODUCT, "product", 1),
    ),
    JourneyStage.RETENTION: (
        ("purchase", Channel.WEB, Team.SALES, "shop", 2),
        ("app_login", Channel.APP, Team.PRODUCT, "product", 4),
        ("feature_used", Channel.APP, Team.PRODUCT, "product", 2),
        ("newsletter_open", Channel.EMAIL, Team.MARKETING, "marketing-email", 2),
        ("onboarding_call", Channel.PHONE, Team.SUPPORT, "helpdesk", 1),
        ("help_article", Channel.SELF_SERVICE, Team.SUPPORT, "helpdesk", 1),
        ("sms_reminder", Channel.SMS, Team.MARKETING, "marketing-email", 1),
    ),
    JourneyStage.ADVOCACY: (
        ("review", Channel.REVIEW, Team.MARKETING, "reviews", 2),
        ("referral", Channel.WEB, Team.MARKETING, "crm", 1),
        ("social_share", Channel.SOCIAL, Team.MARKETING, "social", 2),
        ("purchase", Channel.WEB, Team.SALES, "shop", 1),
        ("app_login", Channel.APP, Team.PRODUCT, "product", 2),
    ),
}
SENTIMENT_KINDS = {"chat", "review", "social_share", "onboarding_call", "meeting", "demo"}
TICKET_SUBJECTS = (
    "Cannot log in",
    "Invoice is wrong",
    "Refund request",
    "Order has not arrived",
    "Feature not working as expected",
    "Question about pricing",
    "Data export fails",
    "App crashes on start",
    "Change of billing address",
    "Integration returns errors",
    "Password reset email missing",
    "Upgrade our plan",
    "Slow performance",
    "Cancel subscription",
)
AGENTS = ("alex@support", "bea@support", "chris@support", "dana@support", "eli@support", None)
COMMENTS = {
    "good": ("Quick and friendly help.", "Solved in minutes, thank you!", "Great service."),
    "bad": ("Took far too long.", "I had to explain my issue three times.", "Still not fixed."),
    "neutral": ("It was fine.", "OK overall.", "Average experience."),
}
PRIORITY_WEIGHTS = (
    (TicketPriority.LOW, 20),
    (TicketPriority.NORMAL, 50),
    (TicketPriority.HIGH, 22),
    (TicketPriority.URGENT, 8),
)
FIRST_RESPONSE_MINUTES = {
    TicketPriority.LOW: 600,
    TicketPriority.NORMAL: 240,
    TicketPriority.HIGH: 60,
    TicketPriority.URGENT: 15,
}
TICKET_CHANNELS = (
    (Channel.EMAIL, 4),
    (Channel.CHAT, 3),
    (Channel.PHONE, 2),
    (Channel.SELF_SERVICE, 1),
    (Channel.APP, 1),
)


def _table(model: type[Any]) -> sa.Table:
    table: sa.Table = model.__table__
    return table


@dataclass
class Dataset:
    customers: list[dict[str, Any]] = field(default_factory=list)
    external_ids: list[dict[str, Any]] = field(default_factory=list)
    touchpoints: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> Iterator[tuple[sa.Table, list[dict[str, Any]]]]:
        # Parents before children, so foreign keys hold at every step.
        yield _table(Customer), self.customers
        yield _table(CustomerExternalId), self.external_ids
        yield _table(Survey), self.surveys
        yield _table(Touchpoint), self.touchpoints
        yield _table(Ticket), self.tickets
        yield _table(SurveyResponse), self.responses

    @property
    def row_count(self) -> int:
        return sum(len(rows) for _, rows in self.tables())


class _Generator:
    def __init__(self, seed: int, anchor: datetime) -> None:
        self.random = random.Random(seed)  # noqa: S311  (reproducible demo data, not secrets)
        self.anchor = anchor
        self.start = anchor - timedelta(days=730)
        self.data = Dataset()
        self.event_number = 0
        self.surveys: dict[SurveyKind, uuid.UUID] = {}

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.random.getrandbits(128), version=4)

    def weighted(self, options: Any) -> Any:
        values, weights = zip(*options, strict=True)
        return self.random.choices(values, weights=weights)[0]

    def moment_between(self, start: datetime, end: datetime) -> datetime:
        span = max((end - start).total_seconds(), 1.0)
        return start + timedelta(seconds=int(self.random.random() * span))

    def make_surveys(self) -> None:
        questions = {
            SurveyKind.NPS: "How likely are you to recommend us to a friend or colleague?",
            SurveyKind.CSAT: "How satisfied were you with the help you received?",
            SurveyKind.CES: "The company made it easy to handle my issue.",
        }
        for kind, question in questions.items():
            survey_id = self.new_id()
            self.surveys[kind] = survey_id
            low, high = SURVEY_SCALES[kind]
            self.data.surveys.append(
                {
                    "id": survey_id,
                    "kind": kind,
                    "question": question,
                    "scale_min": low,
                    "scale_max": high,
                    "created_at": self.start,
                }
            )

    def make_customer(self, number: int) -> None:
        rnd = self.random
        customer_id = self.new_id()
        segment = self.weighted(SEGMENTS)
        first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
        company = None
        if segment != "consumer":
            company = f"{rnd.choice(COMPANY_WORDS)} {rnd.choice(COMPANY_SUFFIXES)}"
        domain = company.lower().replace(" ", "") + ".example" if company else "mail.example"
        # Newer customers are more common: the square root skews creation towards the anchor.
        created_at = self.start + (self.anchor - self.start) * (rnd.random() ** 0.6) * 0.97
        furthest = self.weighted(zip(STAGE_ORDER, FURTHEST_STAGE_WEIGHTS, strict=True))
        phone = None
        if rnd.random() < 0.7:
            phone = (
                f"+1555{rnd.randrange(10**7):07d}"
                if rnd.random() < 0.7
                else f"+447700{rnd.randrange(10**6):06d}"
            )
        churned_at = None
        if furthest.rank >= JourneyStage.DECISION.rank and rnd.random() < 0.12:
            churned_at = self.moment_between(
                created_at + (self.anchor - created_at) * 0.5, self.anchor
            )
        active_until = churned_at or self.anchor
        self.data.customers.append(
            {
                "id": customer_id,
                "name": f"{first} {last}",
                "email": f"{first}.{last}.{number}@{domain}".lower(),
                "phone": phone,
                "phone_masked": stored_phone_mask(phone),
                "company": company,
                "segment": segment,
                "stage": furthest,
                "created_at": created_at,
                "updated_at": created_at,
                "churned_at": churned_at,
                "attributes": {
                    "plan": rnd.choice(["free", "basic", "pro"]),
                    "newsletter": rnd.random() < 0.5,
                },
                "merged_into_id": None,
                "erased_at": None,
            }
        )
        self.make_external_ids(customer_id, number)
        purchases = self.make_journey(customer_id, segment, furthest, created_at, active_until)
        if purchases:
            self.make_support(customer_id, purchases[0], active_until, furthest)

    def make_external_ids(self, customer_id: uuid.UUID, number: int) -> None:
        sources = [("crm", f"CRM-{number:07d}")]
        if self.random.random() < 0.3:
            sources.append(("helpdesk", f"HD-{number * 7 + 13:08d}"))
        if self.random.random() < 0.05:
            sources.append(("marketing", f"MKT-{self.random.getrandbits(40):010x}"))
        for source, external_id in sources:
            self.data.external_ids.append(
                {
                    "id": self.new_id(),
                    "customer_id": customer_id,
                    "source": source,
                    "external_id": external_id,
                }
            )

    def make_journey(
        self,
        customer_id: uuid.UUID,
        segment: str,
        furthest: JourneyStage,
        created_at: datetime,
        active_until: datetime,
    ) -> list[datetime]:
        """Touchpoints stage by stage in time order; returns the purchase times."""
        rnd = self.random
        stages = STAGE_ORDER[: furthest.rank + 1]
        span = active_until - created_at
        # Each stage gets a slice of the customer's life; later stages get longer slices.
        cuts = sorted(rnd.random() for _ in range(len(stages) - 1))
        bounds = [created_at, *(created_at + span * c for c in cuts), active_until]
        purchases: list[datetime] = []
        for index, stage in enumerate(stages):
            start, end = bounds[index], bounds[index + 1]
            count = max(1, int(rnd.expovariate(1 / (6 if stage.rank < 3 else 14))))
            if stage == JourneyStage.DECISION:
                # The deciding purchase closes the DECISION stage.
                moment = end - (end - start) * 0.05
                purchases.append(moment)
                self.add_touchpoint(
                    customer_id,
                    moment,
                    stage,
                    ("purchase", Channel.WEB, Team.SALES, "shop", 1),
                    segment,
                )
            for _ in range(count):
                activity = self.weighted(
                    (activity, activity[4]) for activity in STAGE_ACTIVITIES[stage]
                )
                moment = self.moment_between(start, end)
                if activity[0] == "purchase":
                    purchases.append(moment)
                self.add_touchpoint(customer_id, moment, stage, activity, segment)
        return sorted(purchases)

    def add_touchpoint(
        self,
        customer_id: uuid.UUID,
        moment: datetime,
        stage: JourneyStage,
        activity: Activity,
        segment: str,
    ) -> None:
        rnd = self.random
        kind, channel, team, source, _ = activity
        self.event_number += 1
        value = None
        if kind == "purchase":
            low, high = PURCHASE_RANGE[segment]
            value = Decimal(rnd.randrange(low * 100, high * 100)) / 100
        sentiment = round(rnd.uniform(-0.6, 1.0), 2) if kind in SENTIMENT_KINDS else None
        self.data.touchpoints.append(
            {
                "id": self.new_id(),
                "customer_id": customer_id,
                "occurred_at": moment,
                "channel": channel,
                "stage": stage,
                "team": team,
                "kind": kind,
                "summary": f"{kind.replace('_', ' ').capitalize()} via {channel.value.lower()}",
                "value_cents": value,
                "currency": "USD" if value is not None else None,
                "sentiment": sentiment,
                "source": source,
                "external_id": f"{source}-{self.event_number:09d}",
                "attributes": None,
                "recorded_at": moment,
            }
        )

    def make_support(
        self,
        customer_id: uuid.UUID,
        first_purchase: datetime,
        active_until: datetime,
        furthest: JourneyStage,
    ) -> None:
        rnd = self.random
        ticket_count = min(12, int(rnd.expovariate(1 / 4.0)))
        experiences: list[float] = []
        for _ in range(ticket_count):
            experiences.append(
                self.make_ticket(customer_id, self.moment_between(first_purchase, active_until))
            )
        # NPS roughly twice a year for a share of customers; the score follows experience.
        moment = first_purchase + timedelta(days=rnd.randrange(20, 120))
        while moment < active_until:
            if rnd.random() < 0.6:
                mood = sum(experiences) / len(experiences) if experiences else 0.6
                mood += 0.25 if furthest == JourneyStage.ADVOCACY else 0.0
                score = max(0, min(10, round(rnd.gauss(3 + 7 * mood, 1.5))))
                self.add_response(customer_id, SurveyKind.NPS, score, moment, None, mood)
            moment += timedelta(days=rnd.randrange(90, 160))

    def make_ticket(self, customer_id: uuid.UUID, created_at: datetime) -> float:
        """One ticket and its follow-up surveys; returns how well it went (0 bad - 1 good)."""
        rnd = self.random
        ticket_id = self.new_id()
        priority = self.weighted(PRIORITY_WEIGHTS)
        age = self.anchor - created_at
        first_response_at = created_at + timedelta(
            minutes=rnd.lognormvariate(0, 0.9) * FIRST_RESPONSE_MINUTES[priority]
        )
        contacts = 1 if rnd.random() < 0.6 else rnd.randrange(2, 5)
        reopened = 1 if rnd.random() < 0.08 else 0
        resolution = timedelta(hours=rnd.lognormvariate(2.6, 1.0) * (1 + 0.5 * (contacts - 1)))
        resolved_at: datetime | None = first_response_at + resolution
        closed_at = None
        status = TicketStatus.RESOLVED
        if first_response_at > self.anchor or (age < timedelta(days=2) and rnd.random() < 0.3):
            status, first_response_at, resolved_at = TicketStatus.NEW, None, None  # type: ignore[assignment]
        elif resolved_at is not None and (
            resolved_at > self.anchor or (age < timedelta(days=21) and rnd.random() < 0.25)
        ):
            status = rnd.choice([TicketStatus.OPEN, TicketStatus.PENDING])
            resolved_at = None
        elif resolved_at is not None and resolved_at + timedelta(days=5) < self.anchor:
            status, closed_at = TicketStatus.CLOSED, resolved_at + timedelta(days=5)
        self.data.tickets.append(
            {
                "id": ticket_id,
                "customer_id": customer_id,
                "subject": rnd.choice(TICKET_SUBJECTS),
                "channel": self.weighted(TICKET_CHANNELS),
                "status": status,
                "priority": priority,
                "assignee": rnd.choice(AGENTS) if status != TicketStatus.NEW else None,
                "created_at": created_at,
                "updated_at": closed_at or resolved_at or created_at,
                "first_response_at": first_response_at,
                "resolved_at": resolved_at,
                "closed_at": closed_at,
                "contact_count": contacts,
                "reopen_count": reopened if resolved_at else 0,
            }
        )
        if resolved_at is None:
            return 0.4
        hours = (resolved_at - created_at).total_seconds() / 3600
        experience = max(0.0, min(1.0, 1.1 - hours / 120 - 0.15 * (contacts - 1) - 0.3 * reopened))
        if rnd.random() < 0.55:
            score = max(1, min(5, round(rnd.gauss(1 + 4 * experience, 0.7))))
            self.add_response(
                customer_id,
                SurveyKind.CSAT,
                score,
                resolved_at + timedelta(hours=rnd.uniform(1, 48)),
                ticket_id,
                experience,
            )
        if rnd.random() < 0.3:
            score = max(1, min(7, round(rnd.gauss(1 + 6 * experience, 1.0))))
            self.add_response(
                customer_id,
                SurveyKind.CES,
                score,
                resolved_at + timedelta(hours=rnd.uniform(1, 48)),
                ticket_id,
                experience,
            )
        return experience

    def add_response(
        self,
        customer_id: uuid.UUID,
        kind: SurveyKind,
        score: int,
        moment: datetime,
        ticket_id: uuid.UUID | None,
        mood: float,
    ) -> None:
        if moment >= self.anchor:
            return
        comment = None
        if self.random.random() < 0.3:
            tone = "good" if mood > 0.7 else "bad" if mood < 0.4 else "neutral"
            comment = self.random.choice(COMMENTS[tone])
        self.data.responses.append(
            {
                "id": self.new_id(),
                "survey_id": self.surveys[kind],
                "survey_kind": kind,
                "customer_id": customer_id,
                "ticket_id": ticket_id,
                "score": score,
                "comment": comment,
                "responded_at": moment,
            }
        )


def generate(customers: int, seed: int, anchor: datetime) -> Dataset:
    generator = _Generator(seed, anchor)
    generator.make_surveys()
    for number in range(1, customers + 1):
        generator.make_customer(number)
    return generator.data


async def is_empty(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        found = await connection.execute(sa.select(col(Customer.id)).limit(1))
        return found.first() is None


async def write(
    engine: AsyncEngine, data: Dataset, progress: Callable[[int], None], chunk: int = 5000
) -> None:
    """Bulk-inserts everything in one transaction: a failed seed leaves nothing behind.

    With `RETURNING`, SQLAlchemy sends each chunk as multi-row `INSERT ... VALUES`
    statements (its "insertmanyvalues"); without it, asyncpg runs an executemany as one
    statement per row, and the tables' statement-level triggers (kept counts, lifetime
    values, journey marks) would fire once per row instead of once per statement."""
    async with engine.begin() as connection:
        for table, rows in data.tables():
            key = next(iter(sa.inspect(table).primary_key))
            for offset in range(0, len(rows), chunk):
                batch = rows[offset : offset + chunk]
                await connection.execute(sa.insert(table).returning(key), batch)
                progress(len(batch))
        if connection.dialect.name == "postgresql":
            # Planner statistics that count the rows just inserted (ANALYZE samples this
            # transaction's own rows): with none, the state statements below planned
            # for empty tables and scanned every row per chunk of customers, so a seed
            # of 100,000 customers took over an hour instead of minutes.
            names = ", ".join(table.name for table, _ in data.tables())
            await connection.execute(sa.text(f"ANALYZE {names}"))
        await store_state(AsyncSession(bind=connection), data)


async def store_state(session: AsyncSession, data: Dataset) -> None:
    """The state writes keep current, as it stands for the inserted rows (in the same
    transaction): what `write` does after its inserts."""
    # Health kept current from the start: stored now, with each next check by time.
    await health_state.refresh(session, [c["id"] for c in data.customers])
    await follow_ups.backfill(session)
    # SLA states stored as they stand (nothing announced), each next check by time.
    await sla_live.refresh(session, [t["id"] for t in data.tickets], announce=False)
    # Next-best-actions as they stand, each customer's next check by time set: the
    # scheduler's first round then touches only what is really due.
    await actions.refresh(session, [c["id"] for c in data.customers])
