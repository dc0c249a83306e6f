"""ComputeStack template: the cluster, the API on Fargate behind its load balancer, secrets as ECS secrets."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Match, Template

from stacks.compute.load_balancer import PublicLoadBalancer
from stacks.service_settings import API_SECRETS, SECRET_SETTINGS, WORKER_SECRETS
from stacks.stages import build_stage
from tests.stacks.conftest import CDK_CONTEXT, VARIANT, Synthesized
from tests.stacks.helpers import container, environment, lambda_function, secret_names, task_of

CONTAINERS = ("api", "worker-cpu", "worker-gpu")


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.compute)


@pytest.fixture(scope="module")
def variant_template(variant: Synthesized) -> Template:
    return variant.template(variant.stage.compute)


def test_stack_is_named_per_stage_in_sydney(production: Synthesized) -> None:
    stack = production.stage.compute
    assert stack.stack_name == "filot-production-compute"
    assert stack.region == "ap-southeast-2"


def test_cluster_is_named_for_the_stage_with_container_insights(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ECS::Cluster",
        {"ClusterName": "filot-production", "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]},
    )


def test_api_runs_on_fargate_with_2_vcpu_and_4_gb(template: Template) -> None:
    task = task_of(template, "api")
    assert (task["Cpu"], task["Memory"]) == ("2048", "4096")
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert task["NetworkMode"] == "awsvpc"
    api = container(template, "api")
    assert api["Command"] == ["api"]
    assert api["PortMappings"] == [{"ContainerPort": 8000, "Name": "http", "Protocol": "tcp"}]
    assert api["HealthCheck"]["Command"] == ["CMD", "python", "/usr/local/bin/filot-healthcheck"]


def test_api_service_keeps_its_minimum_in_private_subnets_and_rolls_back_bad_deploys(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "LaunchType": "FARGATE",
            "DesiredCount": 2,
            "LoadBalancers": [Match.object_like({"ContainerName": "api", "ContainerPort": 8000})],
            "DeploymentConfiguration": Match.object_like(
                {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}, "MinimumHealthyPercent": 100}
            ),
            "NetworkConfiguration": {"AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "DISABLED"})},
        },
    )


def test_load_balancer_is_public_drops_bad_headers_and_logs_access(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Scheme": "internet-facing",
            "LoadBalancerAttributes": Match.array_with(
                [
                    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                ]
            ),
        },
    )
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )


def test_a_sandbox_without_a_domain_listens_on_plain_http() -> None:
    stack = Stack(App(), "Sandbox", env=Environment(region="ap-southeast-2"))
    sandbox = PublicLoadBalancer(
        stack,
        "LoadBalancer",
        vpc=ec2.Vpc(stack, "Vpc"),
        name_prefix="filot-sandbox",
        domain_name=None,
        certificate_arn=None,
        cloudflare_ranges=(),
        origin_header_value=None,
        deletion_protection=False,
    )
    sandbox.listener.add_action("Api", action=elbv2.ListenerAction.fixed_response(200))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {"Port": 80, "Protocol": "HTTP"})
    template.resource_count_is("AWS::EC2::PrefixList", 0)


def test_with_a_domain_the_api_is_https_with_the_certificate_from_ssm_and_http_redirects(template: Template) -> None:
    parameters = template.to_json()["Parameters"]
    (certificate,) = [
        name
        for name, value in parameters.items()
        if value.get("Default") == "/filot-production/foundation/certificate-arn"
    ]
    assert parameters[certificate]["Type"] == "AWS::SSM::Parameter::Value<String>"
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": {"Ref": certificate}}],
            "SslPolicy": Match.string_like_regexp(r"TLS13"),
        },
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "DefaultActions": [
                Match.object_like(
                    {"Type": "redirect", "RedirectConfig": Match.object_like({"Port": "443", "Protocol": "HTTPS"})}
                )
            ],
        },
    )
    assert environment(container(template, "api"))["FILOT_API_URL"] == "https://api.filot.id"


def test_behind_cloudflare_the_api_counts_the_client_cloudflare_names(template: Template) -> None:
    api = environment(container(template, "api"))
    assert api["FILOT_TRUSTED_PROXY_HOPS"] == "1"
    assert api["FILOT_CLOUDFLARE_RANGES"].split(",") == CDK_CONTEXT["filot:cloudflareIpv4Ranges"]


def test_only_cloudflare_reaches_the_load_balancer(template: Template) -> None:
    (prefix_list,) = template.find_resources("AWS::EC2::PrefixList").values()
    ranges = [entry["Cidr"] for entry in prefix_list["Properties"]["Entries"]]
    assert ranges == CDK_CONTEXT["filot:cloudflareIpv4Ranges"]
    assert prefix_list["Properties"]["MaxEntries"] == len(ranges)
    (prefix_list_id,) = template.find_resources("AWS::EC2::PrefixList")
    (alb_group,) = [name for name, group in template.find_resources("AWS::EC2::SecurityGroup").items() if "Alb" in name]
    inline = template.find_resources("AWS::EC2::SecurityGroup")[alb_group]["Properties"].get("SecurityGroupIngress", [])
    assert inline == []
    ingress = [
        rule["Properties"]
        for rule in template.find_resources("AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [alb_group, "GroupId"]}
    ]
    assert {rule["FromPort"] for rule in ingress} == {80, 443}
    for rule in ingress:
        assert rule["SourcePrefixListId"] == {"Fn::GetAtt": [prefix_list_id, "PrefixListId"]}
        assert "CidrIp" not in rule and "CidrIpv6" not in rule


def test_requests_without_the_cloudflare_origin_header_get_403(template: Template) -> None:
    (https,) = [
        listener["Properties"]
        for listener in template.find_resources("AWS::ElasticLoadBalancingV2::Listener").values()
        if listener["Properties"]["Port"] == 443
    ]
    (default,) = https["DefaultActions"]
    assert (default["Type"], default["FixedResponseConfig"]["StatusCode"]) == ("fixed-response", "403")
    (rule,) = template.find_resources("AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert rule["Properties"]["Actions"][0]["Type"] == "forward"
    (condition,) = rule["Properties"]["Conditions"]
    assert condition["Field"] == "http-header"
    assert condition["HttpHeaderConfig"]["HttpHeaderName"] == "X-Filot-Origin"
    # The value is read by CloudFormation from the secret at deploy time; the template names only the secret.
    assert condition["HttpHeaderConfig"]["Values"] == [
        "{{resolve:secretsmanager:filot-production/origin-key:SecretString:key::}}"
    ]


def test_the_load_balancer_is_protected_from_deletion_unless_the_stage_opts_out(
    template: Template, variant_template: Template
) -> None:
    for synthesized, protected in ((template, "true"), (variant_template, "false")):
        (alb,) = synthesized.find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
        attributes = {a["Key"]: a["Value"] for a in alb["Properties"]["LoadBalancerAttributes"]}
        assert attributes["deletion_protection.enabled"] == protected


def test_target_group_checks_health_on_the_health_route(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"HealthCheckPath": "/health/live", "Port": 8000, "TargetType": "ip", "Matcher": {"HttpCode": "200"}},
    )


@pytest.mark.parametrize(
    ("metric", "target"), [("ECSServiceAverageCPUUtilization", 60), ("ALBRequestCountPerTarget", 600)]
)
def test_api_scales_on_cpu_and_request_count(template: Template, metric: str, target: int) -> None:
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": Match.object_like({"PredefinedMetricType": metric}),
                    "TargetValue": target,
                }
            ),
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 2, "MaxCapacity": 6}
    )


@pytest.mark.parametrize(
    ("name", "expected"), [("api", API_SECRETS), ("worker-cpu", WORKER_SECRETS), ("worker-gpu", WORKER_SECRETS)]
)
def test_credentials_are_injected_as_ecs_secrets_never_as_plain_environment(
    template: Template, name: str, expected: tuple[str, ...]
) -> None:
    definition = container(template, name)
    assert secret_names(definition) == set(expected)
    for entry in definition["Secrets"]:
        field = SECRET_SETTINGS[entry["Name"]].field
        join = entry["ValueFrom"]["Fn::Join"][1]
        assert "Secrets" in join[0]["Fn::ImportValue"]  # a secret of the foundation stack
        assert join[1] == f":{field}::"  # one JSON field of the secret
    assert not set(environment(definition)) & set(SECRET_SETTINGS)


@pytest.mark.parametrize("name", CONTAINERS)
def test_plain_environment_holds_the_stage_settings_and_one_tesseract_thread(template: Template, name: str) -> None:
    plain = environment(container(template, name))
    assert plain["FILOT_STAGE"] == "production"
    assert plain["FILOT_STORAGE_URL"] == "s3://filot-production-documents"
    assert plain["OMP_THREAD_LIMIT"] == "1"
    assert plain["FILOT_APPROVE_AT"] == "85"  # from cdk.json filot:environment
    assert set(plain) >= {"FILOT_API_URL"}
    # The API behind the load balancer counts the address the balancer saw (one hop of X-Forwarded-For).
    assert plain.get("FILOT_TRUSTED_PROXY_HOPS") == ("1" if name == "api" else None)


@pytest.mark.parametrize(
    ("name", "repository", "group"),
    [("api", "backend", "api"), ("worker-cpu", "backend", "worker-cpu"), ("worker-gpu", "gpu-worker", "worker-gpu")],
)
def test_images_come_from_ecr_by_tag_and_logs_go_to_their_group(
    template: Template, name: str, repository: str, group: str
) -> None:
    definition = container(template, name)
    image = definition["Image"]["Fn::Join"][1]
    assert image[-1] == ":0.1.0"
    assert repository.replace("-", "") in image[-2]["Fn::ImportValue"]
    options = definition["LogConfiguration"]["Options"]
    assert definition["LogConfiguration"]["LogDriver"] == "awslogs"
    assert group.replace("-", "") in options["awslogs-group"]["Fn::ImportValue"]
    assert options["mode"] == "non-blocking"


def test_the_stage_image_tag_is_used(variant_template: Template) -> None:
    assert container(variant_template, "api")["Image"]["Fn::Join"][1][-1] == ":git-3f485a8"


def test_the_api_answers_cross_origin_requests_from_the_stages_web_app_only(
    template: Template, variant_template: Template
) -> None:
    # cdk.json: production's web app is app.filot.id; the workers serve no browser.
    assert environment(container(template, "api"))["FILOT_CORS_ORIGINS"] == "https://app.filot.id"
    for name in ("worker-cpu", "worker-gpu"):
        assert "FILOT_CORS_ORIGINS" not in environment(container(template, name))
    assert environment(container(variant_template, "api"))["FILOT_CORS_ORIGINS"] == "https://app.staging.filot.example"
    # The API on Lambda serves the same browsers.
    function = lambda_function(variant_template, "services.processes.lambda_handlers.api")
    assert function["Environment"]["Variables"]["FILOT_CORS_ORIGINS"] == "https://app.staging.filot.example"


def test_without_a_web_app_the_api_allows_no_browser_origin() -> None:
    config = replace(VARIANT, web_domain_name=None, web_certificate_arn=None, web_oidc=None)
    compute = Template.from_stack(build_stage(App(), config).compute)
    assert "FILOT_CORS_ORIGINS" not in environment(container(compute, "api"))
