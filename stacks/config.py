"""Stage settings read from CDK context (cdk.json or `cdk -c`), validated before any construct is built."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

CONTEXT_PREFIX = "filot:"
STAGE_KEY = "filot:stage"
REGION_KEY = "filot:region"
ACCOUNT_KEY = "filot:account"
LOG_RETENTION_DAYS_KEY = "filot:logRetentionDays"
KEEP_IMAGES_KEY = "filot:keepImages"
KNOWN_KEYS = frozenset({STAGE_KEY, REGION_KEY, ACCOUNT_KEY, LOG_RETENTION_DAYS_KEY, KEEP_IMAGES_KEY})

DEFAULT_REGION = "ap-southeast-2"
DEFAULT_LOG_RETENTION_DAYS = 30
DEFAULT_KEEP_IMAGES = 20
MAX_KEEP_IMAGES = 1000

STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
# Commercial, GovCloud, China and ISO partitions: ap-southeast-2, us-gov-west-1, cn-north-1, us-isob-east-1.
REGION_PATTERN = re.compile(r"^[a-z]{2}(-(gov|iso[a-z]?))?-[a-z]+-[1-9][0-9]?$")
ACCOUNT_PATTERN = re.compile(r"^[0-9]{12}$")
# The only retention periods CloudWatch Logs accepts (PutRetentionPolicy); 0 would mean "never expire".
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    """One deployable stage (production, staging, a developer's sandbox); invalid values raise ValueError."""

    stage: str
    region: str = DEFAULT_REGION
    account: str | None = None
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    keep_images: int = DEFAULT_KEEP_IMAGES

    def __post_init__(self) -> None:
        if not isinstance(self.stage, str) or not STAGE_PATTERN.fullmatch(self.stage):
            raise ValueError(
                f"{STAGE_KEY} is {self.stage!r}: it must match {STAGE_PATTERN.pattern} "
                "(a lowercase letter, then 1-20 lowercase letters, digits or hyphens)"
            )
        if not isinstance(self.region, str) or not REGION_PATTERN.fullmatch(self.region):
            raise ValueError(
                f"{REGION_KEY} is {self.region!r}: it must be an AWS region code such as {DEFAULT_REGION!r}"
            )
        if self.account is not None and (
            not isinstance(self.account, str) or not ACCOUNT_PATTERN.fullmatch(self.account)
        ):
            raise ValueError(
                f"{ACCOUNT_KEY} is {self.account!r}: it must be a 12-digit AWS account id "
                "(a string, leading zeros kept) or null for an environment-agnostic synth"
            )
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"{LOG_RETENTION_DAYS_KEY} is {self.log_retention_days!r}: CloudWatch Logs accepts only "
                f"{', '.join(str(days) for days in LOG_RETENTION_DAYS)}"
            )
        if (
            isinstance(self.keep_images, bool)
            or not isinstance(self.keep_images, int)
            or not 1 <= self.keep_images <= MAX_KEEP_IMAGES
        ):
            raise ValueError(
                f"{KEEP_IMAGES_KEY} is {self.keep_images!r}: it must be a whole number from 1 to {MAX_KEEP_IMAGES}"
            )

    @property
    def name_prefix(self) -> str:
        """Prefix for every physical name in this stage, e.g. ``filot-production``."""
        return f"filot-{self.stage}"

    def stack_name(self, component: str) -> str:
        """CloudFormation stack name for one component, e.g. ``filot-production-foundation``."""
        return f"{self.name_prefix}-{component}"

    @classmethod
    def from_context(cls, context: Mapping[str, object]) -> StageConfig:
        """Build from CDK context; values given on the command line (`-c key=value`) arrive as strings."""
        unknown = sorted(key for key in context if key.startswith(CONTEXT_PREFIX) and key not in KNOWN_KEYS)
        if unknown:
            raise ValueError(
                f"unknown context key(s) {', '.join(unknown)}; known keys are {', '.join(sorted(KNOWN_KEYS))}"
            )
        if context.get(STAGE_KEY) in (None, ""):
            raise ValueError(f"{STAGE_KEY} is missing: set it in cdk.json or pass `-c {STAGE_KEY}=<name>`")
        return cls(
            stage=_text(context, STAGE_KEY, default=None) or "",
            region=_text(context, REGION_KEY, default=DEFAULT_REGION) or DEFAULT_REGION,
            account=_text(context, ACCOUNT_KEY, default=None),
            log_retention_days=_whole_number(context, LOG_RETENTION_DAYS_KEY, default=DEFAULT_LOG_RETENTION_DAYS),
            keep_images=_whole_number(context, KEEP_IMAGES_KEY, default=DEFAULT_KEEP_IMAGES),
        )


def _text(context: Mapping[str, object], key: str, *, default: str | None) -> str | None:
    value = context.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        # A bare number in cdk.json (e.g. an account id) would lose leading zeros; insist on a string.
        raise ValueError(f"{key} is {value!r} ({type(value).__name__}): it must be a string")  # noqa: TRY004 - a bad setting, as every other
    return value


def _whole_number(context: Mapping[str, object], key: str, *, default: int) -> int:
    value = context.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    raise ValueError(f"{key} is {value!r}: it must be a whole number")
