"""Every suppression of the app's template checks, cdk-nag's and checkov's, each naming its rule and why the
finding is accepted.

Suppressions are attached to the construct that causes the finding (never to a whole stack) and narrowed with
``applies_to`` where the rule reports a specific action, resource or managed policy. checkov's land in the
resource's template metadata (``checkov: skip``), where `checkov` reads them as skipped with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnResource, Validations
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import IConstruct

from stacks.foundation.secret_store import GENERATED_SECRETS

if TYPE_CHECKING:
    from stacks.stages import Stage

LAMBDA_MANAGED_POLICIES = [
    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
]
EXTERNAL_SECRET_REASON = (
    # bandit B105: a suppression's reason, not a credential
    "Holds a credential issued by an external provider (Neon, Upstash, Cloudflare R2, BULI2, the identity "  # nosec B105
    "provider); it is rotated at that provider and the new value put here, as no Secrets Manager rotation "
    "function can change it there."
)
GENERATED_SECRET_REASON = (
    # bandit B105: a suppression's reason, not a credential
    "The service and callback keys are shared with BULI2, the origin key with Cloudflare and the webhook key with "  # nosec B105
    "the client, each of which must switch at "
    "the same moment; a new image-link key must reach every API task at once; each is rotated by the documented "
    "manual procedure (docs/infrastructure.md), apart from the others, not on a schedule. The NIK hash key is never "
    "rotated: every stored NIK hash is computed with it. The PII key rotates through FILOT_PII_OLD_KEYS and a "
    "re-encryption pass (docs/infrastructure.md)."
)


def suppress_known_findings(stage: Stage) -> None:
    """Applied by build_stage, so the app and the tests see the same suppressions."""
    for name, secret in stage.foundation.secrets.secrets.items():
        reason = GENERATED_SECRET_REASON if name in GENERATED_SECRETS else EXTERNAL_SECRET_REASON
        _suppress(secret, "AwsSolutions-SMG4", reason)

    compute = stage.compute
    _suppress(
        compute.load_balancer.access_logs,
        "AwsSolutions-S1",
        "This bucket only receives the load balancer's access logs; logging access to it would need another "
        "bucket, whose own access logs would need another.",
    )
    _suppress(
        compute.load_balancer.load_balancer,
        "AwsSolutions-EC23",
        "The load balancer is the public entry point of the mobile API and must accept HTTP(S) from anywhere; "
        "the tasks behind it accept traffic only from its security group.",
    )
    for service in (compute.backend, compute.gpu_worker, compute.cpu_worker):
        _suppress(
            service.task_definition,
            "AwsSolutions-ECS2",
            "Only non-secret settings are plain environment values (stage, URLs without credentials, thresholds, "
            "OMP_THREAD_LIMIT); every credential is an ECS secret from Secrets Manager, as the tests assert.",
        )
        _suppress(
            service.task_definition.obtain_execution_role(),
            "AwsSolutions-IAM5",
            "ecr:GetAuthorizationToken has no resource-level permissions and must name '*'; the image pull "
            "itself is limited to the image's repository.",
            applies_to=["Resource::*"],
        )
    _suppress(
        compute.gpu_capacity.role,
        "AwsSolutions-IAM5",
        "The ECS container agent's permissions as CDK grants them for a capacity provider: ecs:Submit* is "
        "limited to this cluster, ecs:Poll and StartTelemetrySession are conditioned on it, and "
        "DiscoverPollEndpoint and GetAuthorizationToken have no resource-level permissions.",
        applies_to=["Action::ecs:Submit*", "Resource::*"],
    )
    _suppress(
        compute.gpu_capacity.role,
        "AwsSolutions-IAM4",
        "AmazonSSMManagedInstanceCore is AWS's documented policy for Session Manager on an instance (what an "
        "operator uses to run nvidia-smi on a GPU host without SSH); AWS keeps its actions current.",
        applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    )
    _suppress(
        compute.gpu_capacity.auto_scaling_group,
        "AwsSolutions-AS3",
        "ECS managed scaling launches and terminates these instances as the GPU queue grows and empties (down "
        "to zero); per-instance notifications would page on normal operation. Capacity failures raise the "
        "gpu-workers-missing alarm instead.",
    )
    functions = [compute.scheduler.function] + ([compute.lambda_api.function] if compute.lambda_api else [])
    for function in functions:
        _suppress(
            function,
            "AwsSolutions-IAM4",
            "The AWS-managed basic execution (CloudWatch Logs) and VPC access (ENI management) policies are the "
            "documented minimum for a Lambda in a VPC; both are scoped by AWS to exactly those actions.",
            applies_to=LAMBDA_MANAGED_POLICIES,
        )
    if compute.lambda_api is not None:
        _suppress(
            compute.lambda_api.http_api,
            "AwsSolutions-APIG4",
            "The application authorizes every route itself: JWTs verified against the identity provider's JWKS "
            "(issuer, audience, algorithms pinned), and the service key with HMAC signature for BULI2's "
            "callbacks, which no API Gateway authorizer could check; /health is public by design.",
        )

    if stage.pipeline is not None:
        prefix = stage.config.name_prefix
        web_wildcards = (
            [
                f"Resource::arn:<AWS::Partition>:s3:::{prefix}-web-<AWS::AccountId>/*",
                "Resource::arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/*",
            ]
            if stage.web is not None
            else []
        )
        _suppress(
            stage.pipeline.deploy_role,
            "AwsSolutions-IAM5",
            "ecr:GetAuthorizationToken and the Service Quotas reads have no resource-level permissions; the "
            "secret and parameter wildcards are the stage's own prefix (preflight reads each secret the stage has, "
            "whose names end in a random suffix); certificates are matched by ARN only once issued, so the stage's "
            "account and region are the narrowest scope. The web deploy puts and deletes the app's files, whose "
            "names change with every build, in the one web bucket; CloudFront names a distribution only when the "
            "web stack creates it, after this role exists, so invalidations are allowed on the account's "
            "distributions (an invalidation only drops cached copies).",
            applies_to=[
                "Resource::*",
                f"Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:{prefix}/*",
                f"Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/{prefix}/*",
                "Resource::arn:<AWS::Partition>:acm:<AWS::Region>:<AWS::AccountId>:certificate/*",
                *web_wildcards,
            ],
        )
        if stage.pipeline.promote_role is not None:
            _suppress(
                stage.pipeline.promote_role,
                "AwsSolutions-IAM5",
                "ecr:GetAuthorizationToken (the registry login) has no resource-level permissions; the pulls are "
                "limited to the stage's two repositories.",
                applies_to=["Resource::*"],
            )
    if stage.web is not None:
        _suppress(
            stage.web.distribution,
            "AwsSolutions-CFR1",
            "Users reach the web app through Cloudflare, which proxies the domain to this distribution: CloudFront "
            "sees Cloudflare's points of presence, not the user's country, so a geo restriction here would decide "
            "nothing. The files it serves are the public app; the API enforces who may do what.",
        )
        _suppress(
            stage.web.distribution,
            "AwsSolutions-CFR2",
            "Cloudflare proxies the domain and applies its WAF and DDoS protection before a request reaches "
            "CloudFront; the distribution serves only the public static app (GET and HEAD, no origin logic), so a "
            "second WAF here would filter nothing of value at an extra monthly cost.",
        )
    _skip_checkov_findings(stage)

    # Not cdk-nag: CDK's built-in template validation warns about literal zones, which we name on purpose.
    Validations.of(stage.network).acknowledge(
        Acknowledgment(
            id="CloudFormation-Validate::W3010",
            reason="The zones are explicit stage config so that synthesis never looks them up (offline, no "
            "credentials).",
        )
    )


def _suppress(construct: IConstruct, rule: str, reason: str, *, applies_to: list[str] | None = None) -> None:
    NagSuppressions.add_resource_suppressions(
        construct,
        [NagPackSuppression(id=rule, reason=reason, applies_to=applies_to)],
        apply_to_children=True,
    )


# What CDK's own provider for the VPC's default security group (restrictDefaultSecurityGroup) runs as.
DEFAULT_SG_PROVIDER = "Custom::VpcRestrictDefaultSGCustomResourceProvider"
NO_DEAD_LETTERS_REASON = (
    "EventBridge invokes it every minute with retries off: a failed run is counted (scheduler-errors alarm) and "
    "the next minute's run does the same work again, so a dead-letter queue would only hold stale duplicates."
)
NO_RESERVED_CONCURRENCY_REASON = (
    "Reserved concurrency comes out of the account's pool, which starts at 10 in a new account and cannot set "
    "any aside; throttling is alarmed instead (lambda-throttled)."
)


def _skip_checkov_findings(stage: Stage) -> None:
    if stage.web is not None:
        _skip(
            stage.web.logs,
            "CKV_AWS_18",
            "This bucket only receives the web distribution's and the site bucket's access logs; logging access to "
            "it would need another bucket, whose own access logs would need another.",
        )
        _skip(
            stage.web.logs,
            "CKV_AWS_21",
            "Access logs are written once by CloudFront and S3 and expire after 90 days; versions would only keep "
            "what the lifecycle rule removes.",
        )
        _skip(
            stage.web.distribution,
            "CKV_AWS_68",
            "Cloudflare proxies the web app's domain and applies its WAF before CloudFront; the distribution serves "
            "only the public static app (GET and HEAD), so a WAF here would filter nothing of value.",
        )
    compute = stage.compute
    _skip(
        compute.load_balancer.access_logs,
        "CKV_AWS_18",
        "This bucket only receives the load balancer's access logs; logging access to it would need another "
        "bucket, whose own access logs would need another.",
    )
    _skip(
        compute.load_balancer.access_logs,
        "CKV_AWS_21",
        "Access logs are written once by the load balancer and expire after 90 days; versions would only keep "
        "what the lifecycle rule removes.",
    )
    _skip(
        compute.gpu_capacity.role.node.find_child("DefaultPolicy"),
        "CKV_AWS_111",
        "CDK's stock ECS container-instance policy for a capacity provider: ecs:Submit* is limited to this "
        "cluster and Poll/StartTelemetrySession conditioned on it; DiscoverPollEndpoint and GetAuthorizationToken "
        "have no resource-level permission; its logs:CreateLogStream/PutLogEvents on * is CDK's default for the "
        "agent (narrowing it would mean rewriting CDK's policy document; noted in docs/infrastructure.md).",
    )
    functions = [compute.scheduler.function] + ([compute.lambda_api.function] if compute.lambda_api else [])
    for function in functions:
        _skip(function, "CKV_AWS_115", NO_RESERVED_CONCURRENCY_REASON)
    _skip(compute.scheduler.function, "CKV_AWS_116", NO_DEAD_LETTERS_REASON)
    if compute.lambda_api is not None:
        _skip(
            compute.lambda_api.function,
            "CKV_AWS_116",
            "API Gateway invokes it synchronously: a failure is the HTTP answer, nothing is left to re-deliver.",
        )
    provider = stage.network.node.try_find_child(DEFAULT_SG_PROVIDER)
    if provider is not None:
        handler = provider.node.find_child("Handler")
        reason = (
            "CDK's own custom-resource handler that strips the VPC's default security group, run by "
            "CloudFormation on deploys only: it calls the EC2 API (outside any VPC), once, synchronously."
        )
        for check in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"):
            _skip(handler, check, reason)


def _skip(construct: IConstruct, check: str, reason: str) -> None:
    """A checkov skip in the template metadata of the construct's CloudFormation resource."""
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource of its own to carry {check}")
    skips = [*(resource.get_metadata("checkov") or {}).get("skip", []), {"id": check, "comment": reason}]
    resource.add_metadata("checkov", {"skip": skips})
