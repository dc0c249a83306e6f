"""AppSecrets: the stage's Secrets Manager secrets (``filot-<stage>/<name>``), one per credential owner."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import RemovalPolicy, SecretValue
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.service_settings import SECRET_FIELDS, SECRET_SETTINGS

# Our own keys, one purpose each, are ours to make: Secrets Manager generates them. BULI2 gets the first two (its
# credential when it calls us, the HMAC it signs decisions with); the image-link key never leaves the API. Every
# other secret holds values issued elsewhere (Neon, Upstash, Cloudflare R2, BULI2, the identity provider); an
# operator puts them in after the first deploy, and a task cannot start until they are there.
GENERATED_SECRETS = (
    "service-key",
    "callback-key",
    "link-key",
    "nik-hash-key",
    "webhook-key",
    "pii-key",
    "origin-key",
)
SHARED_WITH_BULI2 = ("service-key", "callback-key")
SERVICE_KEY_LENGTH = 48
# Secrets no task reads. origin-key: the header Cloudflare adds to every request it forwards (a Transform Rule),
# which the load balancer requires (stacks/compute/load_balancer.py); generated, given to Cloudflare.
# pagerduty: the PagerDuty CloudWatch integration URL, whose path is its key; the alarm topic subscribes it.
# bandit B105: the name of a secret, not its value
ORIGIN_SECRET = "origin-key"  # nosec B105
# bandit B105: the name of a secret, not its value
PAGERDUTY_SECRET = "pagerduty"  # nosec B105
ORIGIN_HEADER_FIELD = "key"
PAGERDUTY_URL_FIELD = "url"


def stage_secret_fields(*, https: bool, pagerduty: bool) -> dict[str, tuple[str, ...]]:
    """Every secret of a stage with the JSON fields it must hold: what the foundation creates and what
    preflight checks before compute deploys."""
    fields = dict(SECRET_FIELDS)
    if https:
        fields[ORIGIN_SECRET] = (ORIGIN_HEADER_FIELD,)
    if pagerduty:
        fields[PAGERDUTY_SECRET] = (PAGERDUTY_URL_FIELD,)
    return fields


class AppSecrets(Construct):
    """One JSON secret per credential owner; ``secrets[name]`` is the secret, ``ecs_secrets(names)`` the
    ECS secrets for a task and ``references(names)`` the same as ARN + field for a Lambda to resolve."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        key: kms.IKey,
        fields: Mapping[str, Sequence[str]] = SECRET_FIELDS,
    ) -> None:
        super().__init__(scope, id_)
        self.secrets: dict[str, secretsmanager.Secret] = {}
        for name, names in fields.items():
            generated = name in GENERATED_SECRETS
            shared = (
                "; generated, shared with BULI2"
                if name in SHARED_WITH_BULI2
                else "; generated, given to Cloudflare"
                if name == ORIGIN_SECRET
                else "; generated, given to the client that receives the result webhook"
                if name == "webhook-key"
                else "; generated, kept by the workers (never rotate: stored NIK hashes would stop matching)"
                if name == "nik-hash-key"
                else "; generated, kept by the API"
            )
            shape = ", ".join(f'"{field}": ...' for field in names)
            self.secrets[name] = secretsmanager.Secret(
                self,
                name,
                secret_name=f"{name_prefix}/{name}",
                description=(
                    f"FiLot {name_prefix}: JSON {{{shape}}}"
                    + (shared if generated else "; set by an operator after the first deploy")
                ),
                generate_secret_string=(
                    secretsmanager.SecretStringGenerator(
                        secret_string_template=json.dumps({}),
                        generate_string_key=names[0],
                        password_length=SERVICE_KEY_LENGTH,
                        exclude_punctuation=True,
                    )
                    if generated
                    else None
                ),
                # The shape the tasks read, every field empty until an operator fills it: a task or preflight
                # then names the empty field, instead of failing on a random string that is not JSON.
                secret_object_value=(
                    None if generated else {field: SecretValue.unsafe_plain_text("") for field in names}
                ),
                encryption_key=key,
                # Credentials of external services cannot be recreated by a redeploy.
                removal_policy=RemovalPolicy.RETAIN,
            )

    def reader_in(self, scope: Construct, *, key: kms.IKey) -> SecretReader:
        """These secrets as another stack's task definitions and functions read them.

        Imported by ARN, with ``key`` imported by ARN into that stack too: a grant then lands on the reader's role
        only (the key's policy lets the account's IAM decide), never on this stack's key policy, which would make
        the foundation depend on the stacks that read it.
        """
        return SecretReader(
            {
                name: secretsmanager.Secret.from_secret_attributes(
                    scope,
                    f"Imported{name.title().replace('-', '')}",
                    secret_complete_arn=secret.secret_arn,
                    encryption_key=key,
                )
                for name, secret in self.secrets.items()
            }
        )


class SecretReader:
    """A stage's secrets seen from the stack that reads them: ECS secrets, Lambda references, grants."""

    def __init__(self, secrets: Mapping[str, secretsmanager.ISecret]) -> None:
        self.secrets = dict(secrets)

    def ecs_secrets(self, settings: Sequence[str]) -> dict[str, ecs.Secret]:
        """ECS secrets for the named FILOT_* settings, each one JSON field of its secret."""
        return {
            setting: ecs.Secret.from_secrets_manager(
                self.secrets[SECRET_SETTINGS[setting].secret], SECRET_SETTINGS[setting].field
            )
            for setting in settings
        }

    def references(self, settings: Sequence[str]) -> dict[str, dict[str, str]]:
        """``{setting: {"secretArn", "field"}}`` for a Lambda, which reads the values at cold start."""
        return {
            setting: {
                "secretArn": self.secrets[SECRET_SETTINGS[setting].secret].secret_arn,
                "field": SECRET_SETTINGS[setting].field,
            }
            for setting in settings
        }

    def for_settings(self, settings: Sequence[str]) -> list[secretsmanager.ISecret]:
        """The secrets that hold the named settings, each once (to grant a reader)."""
        names = dict.fromkeys(SECRET_SETTINGS[setting].secret for setting in settings)
        return [self.secrets[name] for name in names]
