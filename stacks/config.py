"""Stage settings read from CDK context (cdk.json or `cdk -c`), validated before any construct is built."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aws_cdk.region_info import RegionInfo

from stacks.alarm_thresholds import checked_thresholds
from stacks.context_values import flag, json_value, text, whole_number
from stacks.log_groups import RETENTION_BY_DAYS
from stacks.service_settings import RESERVED_NAMES
from stacks.web.security_headers import origin_of

CONTEXT_PREFIX = "filot:"
STAGE_KEY = "filot:stage"
REGION_KEY = "filot:region"
ACCOUNT_KEY = "filot:account"
AZS_KEY = "filot:availabilityZones"
NAT_GATEWAYS_KEY = "filot:natGateways"
LOG_RETENTION_DAYS_KEY = "filot:logRetentionDays"
KEEP_IMAGES_KEY = "filot:keepImages"
IMAGE_TAG_KEY = "filot:imageTag"
DOMAIN_KEY = "filot:domainName"
CERTIFICATE_KEY = "filot:certificateArn"
# true: alarms page PagerDuty through the URL in the secret filot-<stage>/pagerduty (never in a template).
PAGERDUTY_KEY = "filot:pagerDuty"
# Cloudflare's published IPv4 ranges (https://www.cloudflare.com/ips-v4), the only clients the load balancer
# accepts when the stage has a domain; kept in config so a change is a reviewed commit, not a lookup at deploy.
CLOUDFLARE_RANGES_KEY = "filot:cloudflareIpv4Ranges"
# "owner/name" of the GitHub repository whose workflows may assume the stage's pipeline roles (OIDC).
GITHUB_REPOSITORY_KEY = "filot:githubRepository"
# false when the account already has GitHub's OIDC provider (one per account: a second stage in the same account).
GITHUB_OIDC_PROVIDER_KEY = "filot:githubOidcProvider"
# The stage whose pipeline job copies this stage's tested images (staging: "production"): it gets a pull-only role.
PROMOTES_TO_KEY = "filot:promotesTo"
# false only for throwaway sandboxes: load balancer deletion protection and stack termination protection.
DELETION_PROTECTION_KEY = "filot:deletionProtection"
# The web app's name (app.filot.id), served by CloudFront from the web stack in us-east-1; null: no web stack.
WEB_DOMAIN_KEY = "filot:webDomainName"
# Use this ACM certificate (in us-east-1, where CloudFront reads certificates) instead of requesting one.
WEB_CERTIFICATE_KEY = "filot:webCertificateArn"
# {"authority": <OIDC issuer URL>, "clientId": <public client id>}: what the web app signs in with (config.json);
# null until the identity provider's values are known, and then the pipeline refuses to deploy the web app.
WEB_OIDC_KEY = "filot:webOidc"
WEB_OIDC_FIELDS = ("authority", "clientId")
# Per-stage values over the top level: {"staging": {"filot:backendMin": 1, ...}} (the account pinned here).
STAGES_KEY = "filot:stages"
# Keys an older cdk.json may still carry, with what replaced them.
RETIRED_KEYS = {
    "filot:pagerDutyEndpoint": (
        "the PagerDuty URL carries its integration key and must not be in a template: put it in the secret "
        'filot-<stage>/pagerduty as {"url": "..."} and set filot:pagerDuty to true'
    ),
}
STORAGE_URL_KEY = "filot:storageUrl"
API_ON_LAMBDA_KEY = "filot:apiOnLambda"
ENVIRONMENT_KEY = "filot:environment"
ALARMS_KEY = "filot:alarms"
BACKEND_MIN_KEY, BACKEND_MAX_KEY = "filot:backendMin", "filot:backendMax"
GPU_MIN_KEY, GPU_MAX_KEY = "filot:gpuWorkerMin", "filot:gpuWorkerMax"
CPU_MIN_KEY, CPU_MAX_KEY = "filot:cpuWorkerMin", "filot:cpuWorkerMax"
# "H-H" (UTC, e.g. "0-14" for 07:00-21:00 in Jakarta): one GPU task kept running in those hours, so an upload
# then does not wait for a GPU instance to start from zero (docs/gpu.md, "Scaling from zero").
GPU_WARM_HOURS_KEY = "filot:gpuWarmHoursUtc"
# The workers' scaling targets, written by the capacity model (`python -m devtools.capacity`, docs/capacity.md).
SCALING_KEY = "filot:scaling"
GPU_BACKLOG_FIELD, CPU_BACKLOG_FIELD = "gpuBacklogPerWorker", "cpuBacklogPerWorker"
KNOWN_KEYS = frozenset(
    {
        STAGE_KEY,
        REGION_KEY,
        ACCOUNT_KEY,
        AZS_KEY,
        NAT_GATEWAYS_KEY,
        LOG_RETENTION_DAYS_KEY,
        KEEP_IMAGES_KEY,
        IMAGE_TAG_KEY,
        DOMAIN_KEY,
        CERTIFICATE_KEY,
        PAGERDUTY_KEY,
        CLOUDFLARE_RANGES_KEY,
        GITHUB_REPOSITORY_KEY,
        GITHUB_OIDC_PROVIDER_KEY,
        PROMOTES_TO_KEY,
        DELETION_PROTECTION_KEY,
        STAGES_KEY,
        STORAGE_URL_KEY,
        API_ON_LAMBDA_KEY,
        ENVIRONMENT_KEY,
        ALARMS_KEY,
        BACKEND_MIN_KEY,
        BACKEND_MAX_KEY,
        GPU_MIN_KEY,
        GPU_MAX_KEY,
        CPU_MIN_KEY,
        CPU_MAX_KEY,
        GPU_WARM_HOURS_KEY,
        SCALING_KEY,
        WEB_DOMAIN_KEY,
        WEB_CERTIFICATE_KEY,
        WEB_OIDC_KEY,
    }
)

DEFAULT_REGION = "ap-southeast-2"
DEFAULT_LOG_RETENTION_DAYS = 30
DEFAULT_KEEP_IMAGES = 20
DEFAULT_IMAGE_TAG = "0.1.0"
MAX_KEEP_IMAGES = 1000
MAX_TASKS = 100
MAX_BACKLOG_PER_WORKER = 1_000_000

STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
# Commercial, GovCloud, China and ISO partitions: ap-southeast-2, us-gov-west-1, cn-north-1, us-isob-east-1.
REGION_PATTERN = re.compile(r"^[a-z]{2,4}(-(gov|iso[a-z]?))?-[a-z]+-[1-9][0-9]?$")
# The regions this CDK release knows (aws_cdk.region_info, offline): a typo such as ap-southeast-9 is refused.
KNOWN_REGIONS = frozenset(region.name for region in RegionInfo.regions)
ACCOUNT_PATTERN = re.compile(r"^[0-9]{12}$")
AZ_SUFFIX_PATTERN = re.compile(r"^[a-z]$")
# ECR's tag grammar (a tag, not a digest: deployments name the tested, immutable tag).
IMAGE_TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
DOMAIN_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CERTIFICATE_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):certificate/[0-9a-f-]{36}$"
)
GITHUB_REPOSITORY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
STORAGE_URL_PATTERN = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$")
# A public OIDC client id: printable, no spaces or quotes (it is written into config.json and shown in URLs).
CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,256}$")
# CloudFront reads the certificates of its alternate domain names from this region only.
CLOUDFRONT_CERTIFICATE_REGION = "us-east-1"
ENVIRONMENT_NAME_PATTERN = re.compile(r"^FILOT_[A-Z0-9_]+$")
# The only retention periods CloudWatch Logs accepts (PutRetentionPolicy); 0 would mean "never expire".
LOG_RETENTION_DAYS = tuple(RETENTION_BY_DAYS)


@dataclass(frozen=True, kw_only=True)
class ScalingRange:
    """How many tasks a service may run; ``minimum`` 0 lets a worker scale to zero when idle."""

    minimum: int
    maximum: int


@dataclass(frozen=True, kw_only=True)
class BacklogTargets:
    """Documents one worker task clears within the target wait (docs/capacity.md): the workers' scaling step.

    No defaults here on purpose: the figures come from the capacity model through cdk.json (``filot:scaling``).
    """

    gpu_per_worker: int
    cpu_per_worker: int


@dataclass(frozen=True, kw_only=True)
class WebOidc:
    """The identity provider the web app signs users in with: its issuer URL and the app's public client id.

    Not secret (both are in every browser's config.json), but stage config rather than code: each stage has its own
    client, and the values come from whoever runs the identity provider.
    """

    authority: str
    client_id: str

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of the authority: what the web app's CSP must let it connect to."""
        return origin_of(self.authority)


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    """One deployable stage (production, staging, a developer's sandbox); invalid values raise ValueError."""

    stage: str
    region: str = DEFAULT_REGION
    account: str | None = None
    # Explicit zones keep synthesis offline (no AZ lookup); None means <region>a and <region>b.
    availability_zones: tuple[str, ...] | None = None
    nat_gateways: int = 1
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    keep_images: int = DEFAULT_KEEP_IMAGES
    image_tag: str = DEFAULT_IMAGE_TAG
    domain_name: str | None = None
    # None with a domain: the foundation stack requests a DNS-validated certificate for it.
    certificate_arn: str | None = None
    pagerduty: bool = False
    cloudflare_ranges: tuple[str, ...] = ()
    github_repository: str | None = None
    github_oidc_provider: bool = True
    promotes_to: str | None = None
    deletion_protection: bool = True
    # None means s3://filot-<stage>-documents (an R2 bucket; the endpoint is in the r2 secret).
    storage_url: str | None = None
    api_on_lambda: bool = False
    # Extra plain (non-secret) FILOT_* settings for every task, e.g. the decision thresholds.
    environment: Mapping[str, str] = field(default_factory=dict)
    # Alarm thresholds that differ from stacks.alarm_thresholds.DEFAULT_THRESHOLDS, by alarm name.
    alarms: Mapping[str, float] = field(default_factory=dict)
    backend: ScalingRange = ScalingRange(minimum=2, maximum=6)
    gpu_workers: ScalingRange = ScalingRange(minimum=0, maximum=4)
    cpu_workers: ScalingRange = ScalingRange(minimum=0, maximum=4)
    # (from, until) hours UTC during which the GPU service keeps at least one task; None: scale to zero at will.
    gpu_warm_hours_utc: tuple[int, int] | None = None
    backlog: BacklogTargets
    # The web app (stacks/web): its domain (None: no web stack), an imported us-east-1 certificate, its sign-in.
    web_domain_name: str | None = None
    web_certificate_arn: str | None = None
    web_oidc: WebOidc | None = None

    def __post_init__(self) -> None:
        _check(
            isinstance(self.stage, str) and STAGE_PATTERN.fullmatch(self.stage),
            STAGE_KEY,
            self.stage,
            f"it must match {STAGE_PATTERN.pattern} (a lowercase letter, then 1-20 lowercase letters, digits or hyphens)",
        )
        _check(
            isinstance(self.region, str) and REGION_PATTERN.fullmatch(self.region) and self.region in KNOWN_REGIONS,
            REGION_KEY,
            self.region,
            f"it must be a known AWS region code such as {DEFAULT_REGION!r}",
        )
        _check(
            self.account is None or (isinstance(self.account, str) and ACCOUNT_PATTERN.fullmatch(self.account)),
            ACCOUNT_KEY,
            self.account,
            "it must be a 12-digit AWS account id (a string, leading zeros kept) or null for an "
            "environment-agnostic synth",
        )
        self._check_network()
        _check(
            self.log_retention_days in LOG_RETENTION_DAYS,
            LOG_RETENTION_DAYS_KEY,
            self.log_retention_days,
            f"CloudWatch Logs accepts only {', '.join(str(days) for days in LOG_RETENTION_DAYS)}",
        )
        _check(
            _is_whole(self.keep_images) and 1 <= self.keep_images <= MAX_KEEP_IMAGES,
            KEEP_IMAGES_KEY,
            self.keep_images,
            f"it must be a whole number from 1 to {MAX_KEEP_IMAGES}",
        )
        _check(
            isinstance(self.image_tag, str) and IMAGE_TAG_PATTERN.fullmatch(self.image_tag),
            IMAGE_TAG_KEY,
            self.image_tag,
            "it must be an ECR image tag (letters, digits, '.', '_', '-'; at most 128)",
        )
        self._check_endpoints()
        self._check_web()
        self._check_environment()
        self._check_scaling()
        self._check_warm_hours()
        checked_thresholds(ALARMS_KEY, self.alarms)

    def _check_network(self) -> None:
        zones = self.zones
        _check(
            len(zones) >= 2 and len(set(zones)) == len(zones),
            AZS_KEY,
            list(zones),
            "it must name at least two different availability zones",
        )
        for zone in zones:
            _check(
                isinstance(zone, str)
                and zone.startswith(self.region)
                and AZ_SUFFIX_PATTERN.fullmatch(zone[len(self.region) :]),
                AZS_KEY,
                zone,
                f"every zone must be in {self.region} (e.g. {self.region}a)",
            )
        _check(
            _is_whole(self.nat_gateways) and 1 <= self.nat_gateways <= len(zones),
            NAT_GATEWAYS_KEY,
            self.nat_gateways,
            f"it must be a whole number from 1 to the number of zones ({len(zones)})",
        )

    def _check_endpoints(self) -> None:
        _check(
            self.domain_name is None
            or (isinstance(self.domain_name, str) and DOMAIN_PATTERN.fullmatch(self.domain_name)),
            DOMAIN_KEY,
            self.domain_name,
            "it must be a lowercase DNS name such as api.filot.example",
        )
        if self.certificate_arn is not None:
            match = (
                CERTIFICATE_PATTERN.fullmatch(self.certificate_arn) if isinstance(self.certificate_arn, str) else None
            )
            _check(
                match,
                CERTIFICATE_KEY,
                self.certificate_arn,
                "it must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
            )
            _check(
                match and match["region"] == self.region,
                CERTIFICATE_KEY,
                self.certificate_arn,
                f"the load balancer needs a certificate from its own region, {self.region}",
            )
            _check(
                self.domain_name is not None,
                CERTIFICATE_KEY,
                self.certificate_arn,
                f"a certificate needs {DOMAIN_KEY}, the name it was issued for and clients call",
            )
        _check(isinstance(self.pagerduty, bool), PAGERDUTY_KEY, self.pagerduty, "it must be true or false")
        _check(
            self.promotes_to is None
            or (
                isinstance(self.promotes_to, str)
                and STAGE_PATTERN.fullmatch(self.promotes_to)
                and self.promotes_to != self.stage
            ),
            PROMOTES_TO_KEY,
            self.promotes_to,
            "it must name another stage (the one that deploys this stage's tested images)",
        )
        _check(
            isinstance(self.github_oidc_provider, bool),
            GITHUB_OIDC_PROVIDER_KEY,
            self.github_oidc_provider,
            "it must be true or false",
        )
        _check(
            isinstance(self.deletion_protection, bool),
            DELETION_PROTECTION_KEY,
            self.deletion_protection,
            "it must be true or false",
        )
        _check(
            self.github_repository is None
            or (
                isinstance(self.github_repository, str) and GITHUB_REPOSITORY_PATTERN.fullmatch(self.github_repository)
            ),
            GITHUB_REPOSITORY_KEY,
            self.github_repository,
            'it must be "owner/name" of a GitHub repository',
        )
        self._check_cloudflare_ranges()
        _check(
            self.storage_url is None
            or (isinstance(self.storage_url, str) and STORAGE_URL_PATTERN.fullmatch(self.storage_url)),
            STORAGE_URL_KEY,
            self.storage_url,
            "it must be s3://<bucket>[/prefix] (the R2 bucket)",
        )
        _check(isinstance(self.api_on_lambda, bool), API_ON_LAMBDA_KEY, self.api_on_lambda, "it must be true or false")

    def _check_web(self) -> None:
        if self.web_domain_name is not None:
            _check(
                isinstance(self.web_domain_name, str) and DOMAIN_PATTERN.fullmatch(self.web_domain_name),
                WEB_DOMAIN_KEY,
                self.web_domain_name,
                "it must be a lowercase DNS name such as app.filot.example",
            )
            # The app calls the API from the browser: HTTPS on a name of its own, allowed by CORS and the CSP.
            _check(
                self.domain_name is not None and self.web_domain_name != self.domain_name,
                WEB_DOMAIN_KEY,
                self.web_domain_name,
                f"the web app needs the API on HTTPS under another name: set {DOMAIN_KEY} too (e.g. api.filot.id)",
            )
        if self.web_certificate_arn is not None:
            match = (
                CERTIFICATE_PATTERN.fullmatch(self.web_certificate_arn)
                if isinstance(self.web_certificate_arn, str)
                else None
            )
            _check(
                match,
                WEB_CERTIFICATE_KEY,
                self.web_certificate_arn,
                "it must be an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>)",
            )
            _check(
                match and match["region"] == CLOUDFRONT_CERTIFICATE_REGION,
                WEB_CERTIFICATE_KEY,
                self.web_certificate_arn,
                f"CloudFront reads certificates from {CLOUDFRONT_CERTIFICATE_REGION} only",
            )
            _check(
                self.web_domain_name is not None,
                WEB_CERTIFICATE_KEY,
                self.web_certificate_arn,
                f"a certificate needs {WEB_DOMAIN_KEY}, the name it was issued for",
            )
        if self.web_oidc is not None:
            oidc = self.web_oidc
            _check(isinstance(oidc, WebOidc), WEB_OIDC_KEY, oidc, "it must be WebOidc (authority, clientId)")
            _check(
                _is_https_url(oidc.authority),
                f"{WEB_OIDC_KEY}.authority",
                oidc.authority,
                "it must be the identity provider's issuer as an https:// URL without query or fragment",
            )
            _check(
                isinstance(oidc.client_id, str) and CLIENT_ID_PATTERN.fullmatch(oidc.client_id),
                f"{WEB_OIDC_KEY}.clientId",
                oidc.client_id,
                "it must be the web app's public client id (letters, digits and ._:@/+=-, at most 256)",
            )

    def _check_cloudflare_ranges(self) -> None:
        _check(
            isinstance(self.cloudflare_ranges, tuple),
            CLOUDFLARE_RANGES_KEY,
            self.cloudflare_ranges,
            "it must be a list of IPv4 CIDR blocks",
        )
        for block in self.cloudflare_ranges:
            _check(_is_ipv4_network(block), CLOUDFLARE_RANGES_KEY, block, "every entry must be an IPv4 CIDR block")
        _check(
            self.domain_name is None or len(self.cloudflare_ranges) > 0,
            CLOUDFLARE_RANGES_KEY,
            list(self.cloudflare_ranges),
            f"a stage with {DOMAIN_KEY} is served through Cloudflare: list its IPv4 ranges "
            "(https://www.cloudflare.com/ips-v4), the only clients the load balancer accepts",
        )

    def _check_environment(self) -> None:
        _check(
            isinstance(self.environment, Mapping),
            ENVIRONMENT_KEY,
            self.environment,
            "it must be an object of FILOT_* names to string values",
        )
        for name, value in self.environment.items():
            _check(
                isinstance(name, str) and ENVIRONMENT_NAME_PATTERN.fullmatch(name),
                ENVIRONMENT_KEY,
                name,
                "every name must match FILOT_[A-Z0-9_]+",
            )
            _check(
                name not in RESERVED_NAMES,
                ENVIRONMENT_KEY,
                name,
                "the stacks set this one themselves (a secret, or derived from the stage): remove it",
            )
            _check(isinstance(value, str), ENVIRONMENT_KEY, f"{name}={value!r}", "every value must be a string")

    def _check_warm_hours(self) -> None:
        hours = self.gpu_warm_hours_utc
        if hours is None:
            return
        _check(
            isinstance(hours, tuple)
            and len(hours) == 2
            and all(_is_whole(h) and 0 <= h <= 23 for h in hours)
            and hours[0] != hours[1],
            GPU_WARM_HOURS_KEY,
            hours,
            'it must be two different hours from 0 to 23, written "from-until" (UTC), e.g. "0-14"',
        )

    def _check_scaling(self) -> None:
        for (min_key, max_key), scaling, lowest_min in (
            # The API must always answer, so it keeps at least one task; the workers may idle at zero.
            ((BACKEND_MIN_KEY, BACKEND_MAX_KEY), self.backend, 1),
            ((GPU_MIN_KEY, GPU_MAX_KEY), self.gpu_workers, 0),
            ((CPU_MIN_KEY, CPU_MAX_KEY), self.cpu_workers, 0),
        ):
            _check(
                _is_whole(scaling.minimum) and lowest_min <= scaling.minimum <= MAX_TASKS,
                min_key,
                scaling.minimum,
                f"it must be a whole number from {lowest_min} to {MAX_TASKS}",
            )
            _check(
                _is_whole(scaling.maximum) and 1 <= scaling.maximum <= MAX_TASKS,
                max_key,
                scaling.maximum,
                f"it must be a whole number from 1 to {MAX_TASKS}",
            )
            if scaling.minimum > scaling.maximum:
                raise ValueError(
                    f"{min_key} ({scaling.minimum}) is greater than {max_key} ({scaling.maximum}): "
                    "the minimum task count must not exceed the maximum"
                )
        _check(
            isinstance(self.backlog, BacklogTargets),
            SCALING_KEY,
            self.backlog,
            f"it must be BacklogTargets (from {SCALING_KEY} in cdk.json)",
        )
        for name, value in (
            (GPU_BACKLOG_FIELD, self.backlog.gpu_per_worker),
            (CPU_BACKLOG_FIELD, self.backlog.cpu_per_worker),
        ):
            _check(
                _is_whole(value) and 1 <= value <= MAX_BACKLOG_PER_WORKER,
                f"{SCALING_KEY}.{name}",
                value,
                f"it must be a whole number of documents from 1 to {MAX_BACKLOG_PER_WORKER}",
            )

    @property
    def zones(self) -> tuple[str, ...]:
        return self.availability_zones or (f"{self.region}a", f"{self.region}b")

    @property
    def name_prefix(self) -> str:
        """Prefix for every physical name in this stage, e.g. ``filot-production``; also the ECS cluster's name."""
        return f"filot-{self.stage}"

    @property
    def alarm_thresholds(self) -> dict[str, float]:
        """Every tunable alarm's threshold: the stage's ``alarms`` over the defaults."""
        return checked_thresholds(ALARMS_KEY, self.alarms)

    @property
    def storage(self) -> str:
        return self.storage_url or f"s3://{self.name_prefix}-documents"

    @property
    def https(self) -> bool:
        """A domain means HTTPS behind Cloudflare: the certificate is imported or requested for it."""
        return self.domain_name is not None

    @property
    def web_origin(self) -> str | None:
        """``https://<filot:webDomainName>``: where the web app runs, the one origin the API's CORS allows."""
        return f"https://{self.web_domain_name}" if self.web_domain_name is not None else None

    @property
    def secret_prefix(self) -> str:
        """Secrets Manager names of this stage start here: ``filot-<stage>/``."""
        return f"{self.name_prefix}/"

    def stack_name(self, component: str) -> str:
        """CloudFormation stack name for one component, e.g. ``filot-production-foundation``."""
        return f"{self.name_prefix}-{component}"

    @classmethod
    def from_context(cls, context: Mapping[str, object]) -> StageConfig:
        """Build from CDK context; values given on the command line (`-c key=value`) arrive as strings."""
        context = _with_stage_overrides(context)
        retired = sorted(key for key in context if key in RETIRED_KEYS)
        if retired:
            raise ValueError(f"{retired[0]} is no longer read: {RETIRED_KEYS[retired[0]]}")
        unknown = sorted(key for key in context if key.startswith(CONTEXT_PREFIX) and key not in KNOWN_KEYS)
        if unknown:
            raise ValueError(
                f"unknown context key(s) {', '.join(unknown)}; known keys are {', '.join(sorted(KNOWN_KEYS))}"
            )
        if context.get(STAGE_KEY) in (None, ""):
            raise ValueError(f"{STAGE_KEY} is missing: set it in cdk.json or pass `-c {STAGE_KEY}=<name>`")
        # For the ranges' defaults; the backlog has none and is read from the context below.
        defaults = cls(stage="default", backlog=BacklogTargets(gpu_per_worker=1, cpu_per_worker=1))
        zones = json_value(context, AZS_KEY)
        if zones is not None and not (isinstance(zones, list) and all(isinstance(zone, str) for zone in zones)):
            raise ValueError(f"{AZS_KEY} is {zones!r}: it must be a list of zone names")
        environment = json_value(context, ENVIRONMENT_KEY)
        alarms = json_value(context, ALARMS_KEY)
        return cls(
            stage=text(context, STAGE_KEY) or "",
            region=text(context, REGION_KEY) or DEFAULT_REGION,
            account=text(context, ACCOUNT_KEY),
            availability_zones=tuple(zones) if zones is not None else None,
            nat_gateways=whole_number(context, NAT_GATEWAYS_KEY, default=defaults.nat_gateways),
            log_retention_days=whole_number(context, LOG_RETENTION_DAYS_KEY, default=DEFAULT_LOG_RETENTION_DAYS),
            keep_images=whole_number(context, KEEP_IMAGES_KEY, default=DEFAULT_KEEP_IMAGES),
            image_tag=text(context, IMAGE_TAG_KEY) or DEFAULT_IMAGE_TAG,
            domain_name=text(context, DOMAIN_KEY),
            certificate_arn=text(context, CERTIFICATE_KEY),
            pagerduty=flag(context, PAGERDUTY_KEY),
            cloudflare_ranges=_ranges(context),
            github_repository=text(context, GITHUB_REPOSITORY_KEY),
            github_oidc_provider=flag(context, GITHUB_OIDC_PROVIDER_KEY, default=True),
            promotes_to=text(context, PROMOTES_TO_KEY),
            deletion_protection=flag(context, DELETION_PROTECTION_KEY, default=True),
            storage_url=text(context, STORAGE_URL_KEY),
            api_on_lambda=flag(context, API_ON_LAMBDA_KEY),
            environment=environment if environment is not None else {},  # type: ignore[arg-type]
            alarms=alarms if alarms is not None else {},  # type: ignore[arg-type]
            backend=_range(context, BACKEND_MIN_KEY, BACKEND_MAX_KEY, defaults.backend),
            gpu_workers=_range(context, GPU_MIN_KEY, GPU_MAX_KEY, defaults.gpu_workers),
            cpu_workers=_range(context, CPU_MIN_KEY, CPU_MAX_KEY, defaults.cpu_workers),
            gpu_warm_hours_utc=_hours(context, GPU_WARM_HOURS_KEY),
            backlog=_backlog(context),
            web_domain_name=text(context, WEB_DOMAIN_KEY),
            web_certificate_arn=text(context, WEB_CERTIFICATE_KEY),
            web_oidc=_web_oidc(context),
        )


def _check(ok: object, key: str, value: object, rule: str) -> None:
    if not ok:
        raise ValueError(f"{key} is {value!r}: {rule}")


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_ipv4_network(block: object) -> bool:
    if not isinstance(block, str):
        return False
    try:
        ipaddress.IPv4Network(block, strict=True)
    except ValueError:
        return False
    return "/" in block


def _is_https_url(value: object) -> bool:
    if not isinstance(value, str) or any(character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and parts.username is None
        and not parts.query
        and not parts.fragment
        and (port is None or 0 < port < 65536)
    )


def _web_oidc(context: Mapping[str, object]) -> WebOidc | None:
    """``filot:webOidc``: null, or an object with exactly ``authority`` and ``clientId``."""
    value = json_value(context, WEB_OIDC_KEY)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(  # noqa: TRY004 - a bad setting, as every other
            f"{WEB_OIDC_KEY} is {value!r}: it must be an object with {' and '.join(WEB_OIDC_FIELDS)}, or null"
        )
    unknown = sorted(str(key) for key in value if key not in WEB_OIDC_FIELDS)
    if unknown:
        raise ValueError(
            f"{WEB_OIDC_KEY} has unknown field(s) {', '.join(unknown)}; its fields are {', '.join(WEB_OIDC_FIELDS)}"
        )
    for name in WEB_OIDC_FIELDS:
        if value.get(name) in (None, ""):
            raise ValueError(f"{WEB_OIDC_KEY}.{name} is missing: give both {' and '.join(WEB_OIDC_FIELDS)}")
    return WebOidc(authority=value["authority"], client_id=value["clientId"])


def _ranges(context: Mapping[str, object]) -> tuple[str, ...]:
    value = json_value(context, CLOUDFLARE_RANGES_KEY)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"{CLOUDFLARE_RANGES_KEY} is {value!r}: it must be a list of IPv4 CIDR blocks")  # noqa: TRY004
    return tuple(value)


def _with_stage_overrides(context: Mapping[str, object]) -> Mapping[str, object]:
    """The context with the selected stage's block of ``filot:stages`` laid over the top level.

    One cdk.json describes every stage: the top level is what they share, each block what differs (the
    account above all, so a stage can only be deployed where it belongs). `-c key=value` sets the top level,
    which a stage's block overrides: keys given per deploy (the image tag) stay out of the blocks.
    """
    stages = json_value(context, STAGES_KEY)
    if stages is None:
        return context
    if not isinstance(stages, Mapping):
        raise ValueError(f"{STAGES_KEY} is {stages!r}: it must be an object of stage name to context keys")  # noqa: TRY004
    for name, block in stages.items():
        if not isinstance(block, Mapping):
            raise ValueError(f"{STAGES_KEY}.{name} is {block!r}: it must be an object of context keys")  # noqa: TRY004
        for key in block:
            if key in (STAGE_KEY, STAGES_KEY) or key not in KNOWN_KEYS:
                raise ValueError(
                    f"{STAGES_KEY}.{name} sets {key!r}: a stage's block may set any known key but {STAGE_KEY} "
                    f"and {STAGES_KEY}"
                )
    # null in a block means "not set here" (an account not pinned yet), so it never hides the top level.
    block = {key: value for key, value in stages.get(str(context.get(STAGE_KEY)), {}).items() if value is not None}
    return {**context, **block}


def _hours(context: Mapping[str, object], key: str) -> tuple[int, int] | None:
    value = text(context, key)
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d{1,2})\s*-\s*(\d{1,2})\s*", value)
    if match is None:
        raise ValueError(f'{key} is {value!r}: it must be "from-until" in whole hours UTC, e.g. "0-14"')
    return int(match.group(1)), int(match.group(2))


def _range(context: Mapping[str, object], min_key: str, max_key: str, default: ScalingRange) -> ScalingRange:
    return ScalingRange(
        minimum=whole_number(context, min_key, default=default.minimum),
        maximum=whole_number(context, max_key, default=default.maximum),
    )


def _backlog(context: Mapping[str, object]) -> BacklogTargets:
    """``filot:scaling``: an object with both fields and nothing else (a stage overriding it gives both)."""
    value = json_value(context, SCALING_KEY)
    regenerate = "`python -m devtools.capacity` writes it into cdk.json (docs/capacity.md)"
    if value is None or value == "":
        raise ValueError(f"{SCALING_KEY} is missing: the workers' scaling targets; {regenerate}")
    fields = (GPU_BACKLOG_FIELD, CPU_BACKLOG_FIELD)
    if not isinstance(value, Mapping):
        raise ValueError(f"{SCALING_KEY} is {value!r}: it must be an object with {' and '.join(fields)}")  # noqa: TRY004
    unknown = sorted(str(key) for key in value if key not in fields)
    if unknown:
        raise ValueError(f"{SCALING_KEY} has unknown field(s) {', '.join(unknown)}; its fields are {', '.join(fields)}")
    for name in fields:
        if name not in value:
            raise ValueError(f"{SCALING_KEY}.{name} is missing: {regenerate}, or give it in the stage's override")
    return BacklogTargets(gpu_per_worker=value[GPU_BACKLOG_FIELD], cpu_per_worker=value[CPU_BACKLOG_FIELD])
