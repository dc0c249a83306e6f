"""PipelineStack: ``filot-<stage>-pipeline``, the roles GitHub Actions assumes for this stage, by OIDC.

No access key exists anywhere: a workflow job exchanges its GitHub OIDC token for a role session. Two roles, each
trusting one kind of job of one repository:

- ``filot-<stage>-deploy``: jobs of the GitHub environment named after the stage (production's has required
  reviewers: the manual approval). It pushes and tags images in the stage's two repositories, runs preflight
  (reads the stage's secrets, parameters, quota and certificate) and deploys through the CDK bootstrap roles,
  which it may assume and nothing else does: those of the stage's region and, for the web stack, of us-east-1.
  With a web app it also uploads the build to the web bucket and invalidates the distribution's entry points
  (``.github/deploy-web.sh``), finding both through the web stack's two SSM parameters.
- ``filot-<stage>-diff``: pull-request jobs. It may assume the CDK bootstrap lookup roles only (read-only), which
  is what ``cdk diff --no-change-set`` needs to read the deployed templates.

Deployed by an operator once per stage (docs/infrastructure.md, "From an empty account"), never by the pipeline
itself: the deploy role cannot widen its own rights.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks import parameters
from stacks.config import StageConfig
from stacks.foundation.registry import IMAGE_NAMES
from stacks.stage_stack import StageStack
from stacks.web.stack import WEB_REGION, site_bucket_name

GITHUB_ISSUER = "token.actions.githubusercontent.com"
# The CDK bootstrap's default qualifier (`cdk bootstrap` without --qualifier).
BOOTSTRAP_QUALIFIER = "hnb659fds"
DEPLOY_BOOTSTRAP_ROLES = ("deploy", "file-publishing", "image-publishing", "lookup")
# The web stack has no container image: in its region the deploy needs the template upload, the deploy and lookups.
WEB_BOOTSTRAP_ROLES = ("deploy", "file-publishing", "lookup")
ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:DescribeImageScanFindings",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]


class PipelineStack(StageStack):
    """``deploy_role`` and ``diff_role``; with ``filot:githubOidcProvider`` true (the default) also the account's
    GitHub OIDC provider, which exists once per account (a second stage in the same account sets it false)."""

    def __init__(self, scope: Construct, id_: str, *, config: StageConfig, data_key_arn: str) -> None:
        super().__init__(
            scope, id_, config=config, component="pipeline", description="GitHub Actions roles (OIDC) for CI/CD"
        )
        if config.github_repository is None:
            raise ValueError("the pipeline stack needs filot:githubRepository")
        repository = config.github_repository
        if config.github_oidc_provider:
            provider_arn = iam.OidcProviderNative(
                self,
                "GitHub",
                url=f"https://{GITHUB_ISSUER}",
                client_ids=["sts.amazonaws.com"],
            ).oidc_provider_arn
        else:
            provider_arn = f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:oidc-provider/{GITHUB_ISSUER}"

        def github(subject: str) -> iam.IPrincipal:
            return iam.WebIdentityPrincipal(
                provider_arn,
                conditions={
                    "StringEquals": {f"{GITHUB_ISSUER}:aud": "sts.amazonaws.com", f"{GITHUB_ISSUER}:sub": subject}
                },
            )

        def role(id_: str, name: str, subject: str, description: str, hours: int) -> iam.Role:
            return iam.Role(
                self,
                id_,
                role_name=f"{config.name_prefix}-{name}",
                description=f"GitHub Actions {description} in {repository}",
                assumed_by=github(f"repo:{repository}:{subject}"),
                max_session_duration=Duration.hours(hours),
            )

        self.deploy_role = role(
            "DeployRole",
            "deploy",
            f"environment:{config.stage}",
            f"jobs of environment {config.stage}: build, preflight, deploy",
            2,
        )
        self.deploy_role.add_to_policy(_assume_bootstrap_roles(DEPLOY_BOOTSTRAP_ROLES))
        repositories = [
            f"arn:{Aws.PARTITION}:ecr:{Aws.REGION}:{Aws.ACCOUNT_ID}:repository/{config.name_prefix}/{image}"
            for image in IMAGE_NAMES
        ]
        self.deploy_role.add_to_policy(iam.PolicyStatement(actions=ECR_PUSH_ACTIONS, resources=repositories))
        self.deploy_role.add_to_policy(
            # No resource-level permissions exist for these: the registry login and the quota reads.
            iam.PolicyStatement(
                actions=[
                    "ecr:GetAuthorizationToken",
                    "servicequotas:GetServiceQuota",
                    "servicequotas:GetAWSDefaultServiceQuota",
                ],
                resources=["*"],
            )
        )
        # Preflight: every secret of the stage (values checked, never printed), its parameters, its certificate.
        self.deploy_role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[
                    f"arn:{Aws.PARTITION}:secretsmanager:{Aws.REGION}:{Aws.ACCOUNT_ID}:secret:{config.secret_prefix}*"
                ],
            )
        )
        self.deploy_role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[data_key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{Aws.REGION}.amazonaws.com"}},
            )
        )
        self.deploy_role.add_to_policy(
            iam.PolicyStatement(
                actions=["ssm:GetParameter"],
                resources=[f"arn:{Aws.PARTITION}:ssm:{Aws.REGION}:{Aws.ACCOUNT_ID}:parameter/{config.name_prefix}/*"],
            )
        )
        self.deploy_role.add_to_policy(
            iam.PolicyStatement(
                actions=["acm:DescribeCertificate"],
                resources=[f"arn:{Aws.PARTITION}:acm:{Aws.REGION}:{Aws.ACCOUNT_ID}:certificate/*"],
            )
        )

        # The next stage's deploy job copies the images this stage tested, by digest: pull-only, nothing else.
        self.promote_role: iam.Role | None = None
        if config.promotes_to is not None:
            self.promote_role = role(
                "PromoteRole",
                "promote",
                f"environment:{config.promotes_to}",
                f"jobs of environment {config.promotes_to}: pull the images {config.stage} tested",
                1,
            )
            self.promote_role.add_to_policy(
                iam.PolicyStatement(
                    actions=["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"],
                    resources=repositories,
                )
            )
            self.promote_role.add_to_policy(iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]))

        self.diff_role = role("DiffRole", "diff", "pull_request", "pull-request jobs: cdk diff (read-only)", 1)
        self.diff_role.add_to_policy(_assume_bootstrap_roles(("lookup",)))
        if config.web_domain_name is not None:
            self._allow_web_deploy(config)

    def _allow_web_deploy(self, config: StageConfig) -> None:
        """What ``cdk deploy filot-<stage>-web`` and ``.github/deploy-web.sh`` need in us-east-1, and no more:
        the bootstrap roles there, the two parameters, list/put/delete in the one bucket, invalidations."""
        self.deploy_role.add_to_policy(_assume_bootstrap_roles(WEB_BOOTSTRAP_ROLES, region=WEB_REGION))
        self.diff_role.add_to_policy(_assume_bootstrap_roles(("lookup",), region=WEB_REGION))
        self.deploy_role.add_to_policy(
            iam.PolicyStatement(
                actions=["ssm:GetParameter"],
                resources=[
                    f"arn:{Aws.PARTITION}:ssm:{WEB_REGION}:{Aws.ACCOUNT_ID}:parameter"
                    + parameters.parameter_name(config.name_prefix, key)
                    for key in (parameters.WEB_BUCKET_NAME, parameters.WEB_DISTRIBUTION_ID)
                ],
            )
        )
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{site_bucket_name(config.name_prefix)}"
        self.deploy_role.add_to_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket_arn]))
        self.deploy_role.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject", "s3:DeleteObject"], resources=[f"{bucket_arn}/*"])
        )
        # CloudFront makes the distribution's id when it creates it, after this stack exists (the web stack is
        # deployed through this role): the account's distributions are the narrowest name this policy can know.
        self.deploy_role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudfront:CreateInvalidation"],
                resources=[f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:distribution/*"],
            )
        )


def _assume_bootstrap_roles(kinds: tuple[str, ...], *, region: str = Aws.REGION) -> iam.PolicyStatement:
    """The CDK bootstrap roles of these kinds in one region (the stage's unless told: the web stack's is another)."""
    role = f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/cdk-{BOOTSTRAP_QUALIFIER}"
    return iam.PolicyStatement(
        actions=["sts:AssumeRole", "sts:TagSession"],
        resources=[f"{role}-{kind}-role-{Aws.ACCOUNT_ID}-{region}" for kind in kinds],
    )
