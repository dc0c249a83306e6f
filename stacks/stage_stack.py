"""StageStack: what every stack of a stage shares, so no stack can forget one of them.

Its name (``filot-<stage>-<component>``), the stage's account and region (or another region where a service needs
it: the web stack lives in us-east-1, CloudFront's certificate region), the project and stage tags, termination
protection (``filot:deletionProtection``) and, with an account pinned, a template rule that refuses any other.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnRule, CfnRuleAssertion, Environment, Fn, Stack, Tags
from constructs import Construct

from stacks.config import StageConfig


class StageStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: StageConfig,
        component: str,
        description: str,
        region: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            id_,
            stack_name=config.stack_name(component),
            env=Environment(account=config.account, region=region or config.region),
            description=f"FiLot {config.stage}: {description}",
            termination_protection=config.deletion_protection,
        )
        Tags.of(self).add("project", "filot")
        Tags.of(self).add("stage", config.stage)
        if config.account is not None:
            _pin_account(self, config)


def _pin_account(stack: Stack, config: StageConfig) -> None:
    """The CDK CLI refuses credentials of another account when the environment names one; this rule also stops
    a deploy that does not go through the CLI (a template uploaded by hand, a pipeline assuming the wrong role)
    before CloudFormation creates anything."""
    CfnRule(
        stack,
        "PinnedAccount",
        assertions=[
            CfnRuleAssertion(
                assert_=Fn.condition_equals(Aws.ACCOUNT_ID, config.account),
                assert_description=(
                    f"FiLot {config.stage} deploys only to account {config.account} (filot:account): "
                    "check the credentials or the stage"
                ),
            )
        ],
    )
