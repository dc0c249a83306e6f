"""NetworkStack: ``filot-<stage>-network``, the VPC every workload of the stage runs in."""

from __future__ import annotations

from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import StageConfig
from stacks.network.vpc import Network
from stacks.stage_stack import StageStack


class NetworkStack(StageStack):
    """The VPC in the stage's region over the configured zones (named explicitly: synthesis looks nothing up)."""

    def __init__(self, scope: Construct, id_: str, *, config: StageConfig, flow_log_group: logs.ILogGroup) -> None:
        super().__init__(scope, id_, config=config, component="network", description="VPC, flow logs and VPC endpoints")
        self._zones = list(config.zones)
        self.network = Network(
            self,
            "Network",
            availability_zones=config.zones,
            nat_gateways=config.nat_gateways,
            flow_log_group=flow_log_group,
        )
        self.vpc = self.network.vpc

    @property
    def availability_zones(self) -> list[str]:
        # The configured zones instead of a context lookup (which needs credentials once an account is set).
        return self._zones
