"""The client and provider formats as typed, frozen data.

These models are the format's single definition: the loader validates files
against them, `tripod schema` derives the JSON Schema for editors from them,
and the format reference (docs/client-format.md) is generated from their
field docstrings. Nothing here reads files.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    Tag,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from generator.format import units

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX = 64
MAX_VERSION = 9999
"""The highest agreement version: far more than a client ever signs."""
_SLUG = re.compile(SLUG_PATTERN)


def is_id(text: str) -> bool:
    """Whether `text` is an id (of a client, a system, a contact...): lowercase letters
    and digits in words joined by single hyphens, at most 64 characters."""
    return len(text) <= SLUG_MAX and _SLUG.fullmatch(text) is not None


def _text(value: Any) -> Any:
    # A plain YAML scalar such as 0255500101 or 1.10 is text where text is
    # meant: the loader hands over its source spelling, never the number.
    source = getattr(value, "source", None)
    if isinstance(source, str):
        return source
    return value.strip() if isinstance(value, str) else value


Text = Annotated[
    str, BeforeValidator(_text), StringConstraints(strip_whitespace=True, min_length=1)
]
Slug = Annotated[
    str,
    BeforeValidator(_text),
    StringConstraints(pattern=SLUG_PATTERN, max_length=SLUG_MAX),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "maxLength": SLUG_MAX}),
]


def _unit_error(error: units.UnitError) -> PydanticCustomError:
    context = {"hint": error.hint} if error.hint else None
    return PydanticCustomError(error.kind, str(error), context)


def _quantity(parse: Any, kind: str, example: str) -> Any:
    @functools.lru_cache(maxsize=1024)
    def read(value: str) -> Any:
        # The same few spellings (4h, 12mo, 200 Mbps) come back in every client
        # file; quantities are frozen, so one can be shared. Errors are not cached.
        quantity = parse(value)
        units.check_bounds(quantity, value)
        return quantity

    def validate(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return read(value)
            except units.UnitError as e:
                raise _unit_error(e) from None
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise PydanticCustomError(
                "unit", f"{_text(value)} has no unit: a {kind} is written like {example}"
            )
        raise PydanticCustomError("unit", f"expected a {kind}, like {example}")

    return validate


def _unit(parse: Any, kind: str, example: str, pattern: str) -> tuple[Any, ...]:
    """The validation, serialisation and schema of one kind of quantity."""
    schema = {
        "type": "string",
        "pattern": pattern,
        "examples": [example],
        "description": f"A {kind}.",
    }
    return (
        PlainValidator(_quantity(parse, kind, example)),
        PlainSerializer(str, return_type=str),
        WithJsonSchema(schema),
    )


_NUM = r"^[0-9]+(\.[0-9]+)?"
_DURATION = _unit(
    units.parse_duration,
    "duration",
    "4h",
    _NUM + r" ?(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wk|weeks?|mo|months?|y|yrs?|years?)$",
)
_SIZE = _unit(units.parse_size, "size", "420 GB", _NUM + r" ?([KMGTP]i?)?B$")
_SPEED = _unit(
    units.parse_link_speed, "link speed", "200 Mbps", _NUM + r" ?[KkMmGg]?(b[Pp][Ss]|B(P[Ss]|pS))$"
)
_RATE = _unit(
    units.parse_throughput, "throughput", "400 GB/h", _NUM + r" ?([KMGTP]i?)?B ?/ ?(h|s)$"
)
Duration = Annotated[units.Duration, *_DURATION]
Size = Annotated[units.Size, *_SIZE]
LinkSpeed = Annotated[units.LinkSpeed, *_SPEED]
Throughput = Annotated[units.Throughput, *_RATE]


def _is_zero(value: Any) -> bool:
    for name in ("number", "bytes", "bits_per_second", "bytes_per_second"):
        amount = getattr(value, name, None)
        if amount is not None:
            return bool(amount == 0)
    return False


def _time_zone(value: str) -> str:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "time_zone",
            f"{value!r} is not a time zone",
            {"hint": "an IANA name such as Australia/Sydney, or UTC"},
        ) from None
    return value


TimeZone = Annotated[Text, AfterValidator(_time_zone)]


def _nonzero(hint: str) -> AfterValidator:
    """Refuses zero where zero is nonsense (a backup every 0 h would meet any RPO);
    the hint says what to write instead."""

    def validate(value: Any) -> Any:
        if _is_zero(value):
            raise PydanticCustomError("zero", f"must be more than zero ({value})", {"hint": hint})
        return value

    return AfterValidator(validate)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if isinstance(text, str) and _DATE.fullmatch(text):
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            raise PydanticCustomError("date", f"{text!r} is not a date on the calendar") from None
        try:
            units.check_date(date)
        except units.UnitError as e:
            raise _unit_error(e) from None
        return date
    raise PydanticCustomError("date", "expected a date written YYYY-MM-DD, like 2026-03-02")


def _past_date(value: Any, info: ValidationInfo) -> dt.date:
    date = _date(value)
    today = (info.context or {}).get("today")
    if today is not None and date > today:
        raise PydanticCustomError(
            "future_date",
            f"{date.isoformat()} is in the future: this records when it last happened",
        )
    return date


_DATE_SCHEMA = WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-03-02"]})
Date = Annotated[dt.date, PlainValidator(_date), PlainSerializer(dt.date.isoformat), _DATE_SCHEMA]
PastDate = Annotated[
    dt.date, PlainValidator(_past_date), PlainSerializer(dt.date.isoformat), _DATE_SCHEMA
]


def _one_or_many(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


Parties = Annotated[
    tuple[Slug, ...],
    BeforeValidator(_one_or_many),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": SLUG_PATTERN},
                {"type": "array", "items": {"type": "string", "pattern": SLUG_PATTERN}},
            ]
        }
    ),
]


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True
    )


# ---------------------------------------------------------------- provider


class Signatory(Model):
    name: Text
    """Full name as it appears in the signature block."""
    title: Text
    """Job title, such as Service Delivery Manager."""


class Provider(Model):
    """`provider.yaml`: the provider's own details, written once."""

    name: Text
    """Trading name, shown on every site and agreement."""
    legal_name: Text
    """Registered legal name, a party to every agreement."""
    address: Text
    """Postal address of the registered office."""
    phone: Text
    """Main phone number."""
    after_hours: Text
    """The after-hours line a client calls to declare a disaster."""
    email: Text
    """Service desk email address."""
    logo: Text | None = None
    """Path of the logo image, relative to the project root."""
    signatory: Signatory
    """Who signs agreements for the provider unless a client file names someone else."""
    certificates: tuple[Text, ...] = ()
    """Public certificates (PEM files in the repository) that `tripod verify` trusts as the
    provider's signing certificates."""
    timezone: TimeZone = "UTC"
    """The time zone dates and deadlines are read in, an IANA name such as
    Australia/Sydney: the end of a day, a backup's RPO deadline, and the times of
    exports that carry no zone (borg's)."""


# ------------------------------------------------------------------ client


Criticality = Literal["critical", "important", "deferrable"]
CRITICALITY_RANK: dict[str, int] = {"critical": 0, "important": 1, "deferrable": 2}


class Contact(Model):
    id: Slug
    """Identifier used to refer to this person elsewhere in the file."""
    name: Text
    """Full name."""
    role: Text | None = None
    """Job title or role, such as Practice Manager."""
    email: Text | None = None
    """Email address (a record: not part of the agreement's terms)."""
    phone: Text | None = None
    """Phone number; in a disaster email may be down (a record: not part of the terms)."""


class ThirdParty(Model):
    id: Slug
    """Identifier used to refer to this party elsewhere in the file."""
    name: Text
    """Organisation name."""
    role: Text | None = None
    """What they do for the client: business continuity specialist, ISP, insurer..."""
    email: Text | None = None
    """Email address (a record)."""
    phone: Text | None = None
    """Phone number (a record)."""


class Signatories(Model):
    provider: Signatory | None = None
    """Who signs for the provider; defaults to the signatory in `provider.yaml`."""
    client: Slug
    """The contact id of the person who signs for the client."""


class Agreement(Model):
    version: Annotated[int, Field(ge=1, le=MAX_VERSION)]
    """The agreement version being prepared: `tripod issue` freezes it."""
    effective: Date
    """The date the agreement takes effect."""
    term: Annotated[Duration, _nonzero("write how long the agreement runs, like 12mo")]
    """How long the agreement runs from `effective`, such as 12mo."""
    signatories: Signatories
    """Who signs for each party."""

    @property
    def last_day(self) -> dt.date:
        """The last day the agreement runs: a 12-month term from 1 November ends on 31 October."""
        return self.term.after(self.effective) - dt.timedelta(days=1)


class System(Model):
    id: Slug
    """Identifier used by backups, objectives and exclusions."""
    name: Text
    """What the client calls it."""
    data: Annotated[
        Size, _nonzero("write how much data it holds, like 420 GB (an estimate will do)")
    ]
    """How much data it holds, such as 420 GB: it drives the download time after a disaster."""
    criticality: Criticality
    """critical > important > deferrable; sets the default recovery order."""
    hosting: Literal["on-premises", "cloud"]
    """Where it runs: on-premises systems need hardware and the download link after site loss."""


class Copy(Model):
    where: Literal["local", "offsite"]
    """local: on the client's premises; offsite: anywhere a loss of the premises does not reach."""
    location: Text
    """Where the copy is kept, in plain words."""
    immutable: bool = False
    """True when the copy cannot be altered or deleted before its retention ends: it
    survives ransomware."""
    offline: bool = False
    """True when the copy is kept where no network reaches it (tape, a rotated disk, an
    air-gapped vault): it survives ransomware."""
    on_system: bool = False
    """True when the copy is kept on the system itself (snapshots on the server's own
    disks): it does not survive a failure of that system's server."""


class Schedule(Model):
    every: Annotated[Duration, _nonzero("write how often it is due, like 90d or 12mo")]
    """How often it is due, such as 90d or 12mo."""
    last: PastDate | None = None
    """When it last happened (a record, not part of the terms; never in the future)."""


class Backup(Model):
    id: Slug
    """Identifier of this backup job, for references in the file; never shown to the client."""
    name: Text | None = None
    """What people call this backup, shown to the client, such as "Practice server backup";
    by default it is named after its systems ("Practice management server backup")."""
    systems: Annotated[tuple[Slug, ...], Field(min_length=1)]
    """Ids of the systems it covers."""
    method: Literal["image", "file", "database", "saas", "snapshot"]
    """What kind of backup it is."""
    every: Annotated[
        Duration, _nonzero("write how often the backup runs, like 4h: every 0 h would meet any RPO")
    ]
    """Interval between backups; a system's RPO cannot be shorter than this."""
    retention: Annotated[Duration, _nonzero("write how long each backup is kept, like 30d")]
    """How long each backup is kept."""
    copies: Annotated[tuple[Copy, ...], Field(min_length=1)]
    """Where the copies are kept: at least two, at least one offsite (3-2-1)."""
    encrypted: bool
    """Whether the backups are encrypted."""
    restore_test: Schedule | None = None
    """How often a restore from this backup is tested, and when it last was."""


class Hardware(Model):
    procurement: Duration
    """Time to obtain replacement hardware after a disaster."""
    standby: bool = False
    """True when replacement hardware is already on hand: procurement then takes no time."""


class Objective(Model):
    system: Slug
    """The system these objectives are for."""
    rto: Annotated[Duration, _nonzero("write the longest the client accepts waiting, like 8h")]
    """Recovery time objective: the longest the client accepts waiting for the system."""
    rpo: Duration
    """Recovery point objective: the most recent work the client accepts losing."""
    mtd: (
        Annotated[Duration, _nonzero("write how long the business can do without it, like 5d")]
        | None
    ) = None
    """Maximum tolerable downtime: the point past which the business is harmed for good."""


class Invocation(Model):
    client: Slug
    """The contact id of the person who may declare a disaster for the client."""
    provider: Text
    """Who takes the call at the provider, as a role in plain words."""


Scenario = Literal["server-failure", "site-loss", "ransomware", "cloud-account-loss"]
SCENARIOS: tuple[Scenario, ...] = (
    "server-failure",
    "site-loss",
    "ransomware",
    "cloud-account-loss",
)
"""The built-in scenarios, in the order they are shown."""


class ScenarioObjective(Model):
    """Objectives for one system in one scenario: each field given replaces the base one."""

    system: Slug
    """The system these objectives are for."""
    rto: (
        Annotated[Duration, _nonzero("write the longest the client accepts waiting, like 5d")]
        | None
    ) = None
    """The RTO in this scenario; the base objective's when omitted."""
    rpo: Duration | None = None
    """The RPO in this scenario; the base objective's when omitted."""
    mtd: (
        Annotated[Duration, _nonzero("write how long the business can do without it, like 5d")]
        | None
    ) = None
    """The MTD in this scenario; the base objective's when omitted."""


class ScenarioSettings(Model):
    covered: bool = True
    """False leaves the scenario out of the agreement (printed as not covered, with the reason)."""
    reason: Text | None = None
    """Why the scenario is not covered; required when `covered` is false."""
    objectives: tuple[ScenarioObjective, ...] = ()
    """Objectives that differ in this scenario; each overrides only the fields it gives."""


class ServerFailure(ScenarioSettings):
    """One on-premises system at a time loses its server; copies kept on the system
    itself (`on_system: true`) are lost with it."""


class SiteLoss(ScenarioSettings):
    """Every on-premises system and every local copy are lost; offsite copies survive."""


class Ransomware(ScenarioSettings):
    """Every copy that is neither immutable nor offline is lost, with every on-premises
    system and (unless `cloud: false`) every cloud system."""

    investigation: Duration | None = None
    """Time allowed before restoring (such as the insurer's forensics); none agreed when omitted."""
    dwell_time: Annotated[
        Duration, _nonzero("write how long an attacker may go unnoticed, like 14d")
    ] = units.Duration(Fraction(14), "d")
    """How far back a clean restore point may have to be; 14d when omitted."""
    cloud: bool = True
    """True (the default) when the attacker holds the cloud admin account too: cloud systems are lost."""
    replace_hardware: bool = False
    """True when the on-premises hardware is replaced (procured) rather than wiped and reused."""
    restore_rate: (
        Annotated[Throughput, _nonzero("write how fast data is written back, like 400 GB/h")] | None
    ) = None
    """How fast data is written back in this scenario; the DR `restore_rate` when omitted."""


class CloudAccountLoss(ScenarioSettings):
    """One cloud system at a time is lost (its account deleted, locked or closed); every
    copy of its backups survives."""

    restore_rate: (
        Annotated[Throughput, _nonzero("write how fast data is written back, like 50 GB/h")] | None
    ) = None
    """How fast a cloud system's data is written back; the DR `restore_rate` when omitted."""


class Scenarios(Model):
    """The built-in scenarios by their names in the file (`server-failure`, `site-loss`...)."""

    model_config = ConfigDict(serialize_by_alias=True)

    server_failure: ServerFailure = Field(default=ServerFailure(), alias="server-failure")
    """A server fails: each on-premises system is estimated as if its own server failed."""
    site_loss: SiteLoss = Field(default=SiteLoss(), alias="site-loss")
    """The client's premises are lost (fire, flood, theft)."""
    ransomware: Ransomware = Ransomware()
    """Ransomware reaches every system and every copy it can."""
    cloud_account_loss: CloudAccountLoss = Field(
        default=CloudAccountLoss(), alias="cloud-account-loss"
    )
    """A cloud system's account is deleted, locked or closed."""

    def of(self, scenario: Scenario) -> ScenarioSettings:
        """The settings of one scenario, by its name in the file."""
        found: ScenarioSettings = getattr(self, scenario.replace("-", "_"))
        return found


class DrTest(Schedule):
    measured: dict[
        Slug, Annotated[Duration, _nonzero("write the time the test took, like 30h")]
    ] = Field(default_factory=dict)
    """Recovery times the last DR test measured, by system id (a record)."""
    scenario: Scenario = "site-loss"
    """The scenario the test rehearsed; the measured times belong to it (a record)."""


class DisasterRecovery(Model):
    recovery_site: Text
    """Where systems are recovered to after loss of the client's site."""
    hardware: Hardware
    """Replacement hardware for on-premises systems."""
    download_bandwidth: Annotated[LinkSpeed, _nonzero("write the link's speed, like 200 Mbps")]
    """Speed of the link the backups are downloaded over, such as 200 Mbps."""
    restore_rate: (
        Annotated[Throughput, _nonzero("write how fast data is written back, like 400 GB/h")] | None
    ) = None
    """How fast data is written back once downloaded, such as 400 GB/h."""
    network_reconfiguration: Duration
    """Time to reconfigure the network at the recovery site."""
    validation: Duration | None = None
    """Time to check restored data before going live; none agreed when omitted."""
    recovery_target: Literal["client-site", "provider-cloud"] = "client-site"
    """client-site: on new or repaired hardware at the client's premises, downloading over
    the link; provider-cloud: brought up in the provider's infrastructure from the offsite
    copies already there (a provisioning time instead of hardware, no download)."""
    provisioning: Duration | None = None
    """With provider-cloud: time to provision the systems in the provider's infrastructure;
    none agreed when omitted."""
    courier: Duration | None = None
    """Time to ship a seeded drive to the client; assumed 1d when omitted."""
    scenarios: Scenarios = Scenarios()
    """Tuning of the built-in scenarios, their own objectives, or scenarios left out;
    every built-in scenario applies by default."""
    objectives: tuple[Objective, ...] = ()
    """RTO, RPO and MTD per system."""
    recovery_order: tuple[Slug, ...] | None = None
    """Systems in the order they are recovered; the default is by criticality, then file order."""
    invocation: Invocation
    """Who may declare a disaster, and who answers at the provider."""
    test: DrTest | None = None
    """How often disaster recovery is tested, when it last was, and what it measured."""


class BusinessContinuity(Model):
    owner: Slug | None = None
    """The contact or third-party id of whoever owns the business continuity plan."""
    specialist: Slug | None = None
    """A third-party id: the business continuity specialist the client has named."""
    alternate_workplace: Text | None = None
    """Where staff work when the premises cannot be used."""
    staff_access: Text | None = None
    """How staff reach their information from there."""
    communications: Text | None = None
    """How staff, customers and suppliers are told what is happening."""
    plan_reviewed: PastDate | None = None
    """When the plan was last reviewed (a record)."""
    review_every: Annotated[
        Duration, _nonzero("write how often the plan is reviewed, like 12mo")
    ] = units.Duration(Fraction(12), "mo")
    """How often the plan is reviewed; 12mo when omitted."""


Activity = Literal[
    "backup-configure",
    "backup-monitor",
    "offsite-copies",
    "restore-tests",
    "backup-keys",
    "dr-plan",
    "procure-hardware",
    "restore-systems",
    "reconfigure-network",
    "dr-tests",
    "declare-disaster",
    "bc-plan",
    "alternate-workplace",
    "staff-communications",
    "staff-access",
]


class Responsibility(Model):
    """A row of the responsibility matrix that replaces the default row for its activity."""

    activity: Activity
    """The activity id, from the default matrix."""
    responsible: Parties = ()
    """Who does the work: provider, client or a third-party id (one or a list)."""
    accountable: Slug | None = None
    """The one party answerable for it: provider, client or a third-party id."""
    consulted: Parties = ()
    """Who is asked before it is done."""
    informed: Parties = ()
    """Who is told once it is done."""


def _one_of(choices: tuple[str, ...]) -> str:
    quoted = [repr(c) for c in choices]
    return " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


def _acknowledgeable(
    value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
) -> Any:
    # Which findings can be acknowledged is the rules' to say, not the format's:
    # whoever loads a file to check it passes their codes in the validation
    # context. Without them (an archived agreement) any finding code is taken.
    codes: tuple[str, ...] | None = (info.context or {}).get("acknowledgeable")
    if codes is None:
        return handler(value)
    if isinstance(value, str) and value in codes:
        return value
    # The error a Literal of the codes would give: read like any other choice.
    raise PydanticCustomError(
        "literal_error", "Input should be {expected}", {"expected": _one_of(codes)}
    )


FindingCode = Annotated[Slug, WrapValidator(_acknowledgeable)]


class Acknowledgement(Model):
    check: FindingCode
    """The code of the finding the client accepts."""
    system: Slug
    """The system it is accepted for."""
    scenario: Scenario | None = None
    """The scenario it is accepted for; every scenario when omitted."""
    reason: Text
    """Why the client accepts it, in their words."""
    accepted_by: Slug
    """The contact id of the person who accepted it."""


class SystemExclusion(Model):
    system: Slug
    """A system deliberately left without backup."""
    reason: Text
    """Why."""


def _exclusion_kind(value: Any) -> str:
    return SYSTEM_EXCLUSION if isinstance(value, dict | SystemExclusion) else GENERAL_EXCLUSION


# Tags of tagged unions: validation errors name them in their paths, where they
# are not keys of the file (the loader drops them before pointing at a line).
GENERAL_EXCLUSION, SYSTEM_EXCLUSION = "general exclusion", "system exclusion"
UNION_TAGS = frozenset({GENERAL_EXCLUSION, SYSTEM_EXCLUSION})
Exclusion = Annotated[
    Annotated[Text, Tag(GENERAL_EXCLUSION)] | Annotated[SystemExclusion, Tag(SYSTEM_EXCLUSION)],
    Discriminator(_exclusion_kind),
]


class Client(Model):
    """`clients/<id>.yaml`: one client's backups, disaster recovery and business continuity."""

    id: Slug
    """Lowercase slug; equals the file name."""
    name: Text
    """The client's everyday name."""
    legal_name: Text
    """Registered legal name, a party to the agreement."""
    contacts: Annotated[tuple[Contact, ...], Field(min_length=1)]
    """People at the client."""
    third_parties: tuple[ThirdParty, ...] = ()
    """Business continuity specialists, ISPs, hardware vendors, insurers..."""
    agreement: Agreement
    """The agreement being prepared."""
    systems: Annotated[tuple[System, ...], Field(min_length=1)]
    """What the client runs."""
    backups: tuple[Backup, ...] = ()
    """What is backed up, how often, and where the copies are."""
    disaster_recovery: DisasterRecovery | None = None
    """The agreed parameters for resuming IT after loss of the site."""
    business_continuity: BusinessContinuity = BusinessContinuity()
    """The client's plan for the non-technical side, and who owns it."""
    responsibilities: tuple[Responsibility, ...] = ()
    """Rows that replace rows of the default responsibility matrix."""
    acknowledged: tuple[Acknowledgement, ...] = ()
    """Gaps the client accepts in writing."""
    exclusions: tuple[Exclusion, ...] = ()
    """General exclusions (text), or systems deliberately left without backup."""

    def system(self, system_id: str) -> System:
        return next(s for s in self.systems if s.id == system_id)

    def party_name(self, party: str) -> str:
        """A contact, third party, `provider` or `client` in plain words."""
        if party == "client":
            return self.name
        if party == "provider":
            return "Provider"
        people: list[Contact | ThirdParty] = [*self.contacts, *self.third_parties]
        for person in people:
            if person.id == party:
                return person.name
        return party
