"""PublicLoadBalancer: the internet-facing Application Load Balancer in front of the API, with access logs.

With a domain, the stage is served through Cloudflare: HTTPS on 443 with the stage's certificate, port 80
redirected, only Cloudflare's published ranges let in (a managed prefix list from the stage config), and only
requests carrying the origin header Cloudflare adds (its value in the ``origin-key`` secret) reach the API;
anything else gets 403. Without a domain (a sandbox) it answers plain HTTP on 80 to anyone.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.log_buckets import access_log_bucket

ACCESS_LOG_DAYS = 90
# The header Cloudflare's Transform Rule sets on every request it forwards to the origin.
ORIGIN_HEADER = "X-Filot-Origin"
# A request that reached the load balancer without Cloudflare (a scanner on its DNS name, a leaked address).
DIRECT_ACCESS_BODY = '{"error": {"code": "origin_only_via_cloudflare", "message": "use the API domain"}}'


class PublicLoadBalancer(Construct):
    """``load_balancer``, ``listener`` (where the API's targets go), ``access_logs`` (the bucket), ``url`` (the
    address clients and BULI2 call back on) and, behind Cloudflare, ``origin_conditions`` (what a request must
    carry to be forwarded) and ``cloudflare`` (the prefix list)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        name_prefix: str,
        domain_name: str | None,
        certificate_arn: str | None,
        cloudflare_ranges: Sequence[str],
        origin_header_value: str | None,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, id_)
        self.access_logs = access_log_bucket(
            self,
            "AccessLogs",
            keep=Duration.days(ACCESS_LOG_DAYS),
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            drop_invalid_header_fields=True,
            deletion_protection=deletion_protection,
            # Uploads of 10 MiB over slow mobile links.
            idle_timeout=Duration.seconds(120),
        )
        self.load_balancer.log_access_logs(self.access_logs, prefix="alb")
        self.origin_conditions: list[elbv2.ListenerCondition] = []
        self.cloudflare: ec2.CfnPrefixList | None = None

        if domain_name is None:
            self.listener = self.load_balancer.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=True
            )
            self.url = f"http://{self.load_balancer.load_balancer_dns_name}"
            return

        if certificate_arn is None or origin_header_value is None or not cloudflare_ranges:
            raise ValueError("a domain needs its certificate, the origin header's value and Cloudflare's ranges")
        self.cloudflare = ec2.CfnPrefixList(
            self,
            "Cloudflare",
            prefix_list_name=f"{name_prefix}-cloudflare-ipv4",
            address_family="IPv4",
            max_entries=len(cloudflare_ranges),
            entries=[
                ec2.CfnPrefixList.EntryProperty(cidr=block, description="Cloudflare (filot:cloudflareIpv4Ranges)")
                for block in cloudflare_ranges
            ],
        )
        from_cloudflare = ec2.Peer.prefix_list(self.cloudflare.attr_prefix_list_id)
        self.listener = self.load_balancer.add_listener(
            "Https",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            open=False,
            default_action=elbv2.ListenerAction.fixed_response(
                403, content_type="application/json", message_body=DIRECT_ACCESS_BODY
            ),
        )
        self.load_balancer.add_listener(
            "HttpRedirect",
            port=80,
            protocol=elbv2.ApplicationProtocol.HTTP,
            open=False,
            default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
        )
        for port in (443, 80):
            self.load_balancer.connections.allow_from(
                from_cloudflare, ec2.Port.tcp(port), f"Cloudflare to {port} (filot:cloudflareIpv4Ranges)"
            )
        self.origin_conditions = [elbv2.ListenerCondition.http_header(ORIGIN_HEADER, [origin_header_value])]
        self.url = f"https://{domain_name}"
