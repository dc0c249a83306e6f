"""The GPU OCR worker: g4dn.xlarge capacity provider on the ECS GPU AMI, one GPU per task, scaled on the GPU queue."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from stacks.metric_names import GPU_PROCESSING_TIME_MS, NAMESPACE_GPU_WORKER, NAMESPACE_SCHEDULER, QUEUE_LENGTH
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import container, expression, named_metrics, scaling_alarms, task_of

GPU_QUEUE = {
    "Namespace": NAMESPACE_SCHEDULER,
    "MetricName": QUEUE_LENGTH,
    "Dimensions": [{"Name": "Queue", "Value": "GPU"}],
}


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.compute)


def test_launch_template_is_g4dn_xlarge_on_the_ecs_gpu_ami(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": Match.object_like(
                {
                    "InstanceType": "g4dn.xlarge",
                    "MetadataOptions": {"HttpPutResponseHopLimit": 1, "HttpTokens": "required"},
                    "BlockDeviceMappings": [Match.object_like({"Ebs": Match.object_like({"Encrypted": True})})],
                }
            )
        },
    )
    # The AMI id is resolved at deploy time from the public SSM parameter of the ECS GPU-optimized AMI.
    parameters = template.to_json()["Parameters"]
    gpu_ami = [p for p in parameters.values() if "amazon-linux-2023/gpu/recommended" in str(p.get("Default", ""))]
    assert gpu_ami and gpu_ami[0]["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"


def test_instances_advertise_their_gpu_to_ecs(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": Match.object_like(
                {
                    "UserData": {
                        "Fn::Base64": {
                            "Fn::Join": [
                                "",
                                Match.array_with([Match.string_like_regexp("ECS_ENABLE_GPU_SUPPORT=true")]),
                            ]
                        }
                    }
                }
            )
        },
    )


def test_group_may_idle_at_zero_and_protects_instances_running_tasks(template: Template) -> None:
    template.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {"MinSize": "0", "MaxSize": "4", "NewInstancesProtectedFromScaleIn": True},
    )


def test_capacity_provider_uses_managed_scaling_and_termination_protection(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ECS::CapacityProvider",
        {
            "Name": "filot-production-gpu",
            "AutoScalingGroupProvider": Match.object_like(
                {
                    "ManagedScaling": {"Status": "ENABLED", "TargetCapacity": 100},
                    "ManagedTerminationProtection": "ENABLED",
                }
            ),
        },
    )
    (association,) = template.find_resources("AWS::ECS::ClusterCapacityProviderAssociations").values()
    (provider_id,) = template.find_resources("AWS::ECS::CapacityProvider")
    assert {"Ref": provider_id} in association["Properties"]["CapacityProviders"]


def test_task_takes_one_gpu_four_vcpu_and_memory_sized_to_the_instance(template: Template) -> None:
    worker = container(template, "worker-gpu")
    assert worker["ResourceRequirements"] == [{"Type": "GPU", "Value": "1"}]
    assert worker["Cpu"] == 4096
    assert 12 * 1024 <= worker["Memory"] <= 15 * 1024  # g4dn.xlarge: 16 GiB, less what the OS and agent keep
    assert worker["Command"] == ["worker-gpu"]
    assert task_of(template, "worker-gpu")["RequiresCompatibilities"] == ["EC2"]


def test_service_runs_on_the_gpu_capacity_provider_from_zero(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "DesiredCount": 0,
            "CapacityProviderStrategy": [{"CapacityProvider": Match.any_value(), "Weight": 1}],
            "DeploymentConfiguration": Match.object_like(
                {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
            ),
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"MinCapacity": 0, "MaxCapacity": 4, "ScalableDimension": "ecs:service:DesiredCount"},
    )


def test_scales_out_by_the_gpu_queue_over_the_configured_backlog_per_worker(
    template: Template, production: Synthesized
) -> None:
    backlog = [alarm for alarm in scaling_alarms(template) if (expression(alarm) or "").startswith("CEIL(")]
    backlog = [alarm for alarm in backlog if GPU_QUEUE in named_metrics(alarm)]
    assert len(backlog) == 1
    alarm = backlog[0]
    per_worker = production.stage.config.backlog.gpu_per_worker
    assert expression(alarm) == f"CEIL(queue / {per_worker}) - FILL(tasks, 0)"
    assert any(m["MetricName"] == "DesiredTaskCount" for m in named_metrics(alarm))
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)
    (policy_id,) = [action["Ref"] for action in alarm["AlarmActions"]]
    policy = template.to_json()["Resources"][policy_id]["Properties"]
    assert policy["PolicyType"] == "StepScaling"
    # A shortfall of 1 task adds 1, of 2-3 adds 2, of 4 or more adds 4 (gpuWorkerMax is 4); offsets from 1.
    assert policy["StepScalingPolicyConfiguration"]["AdjustmentType"] == "ChangeInCapacity"
    assert policy["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 1, "ScalingAdjustment": 1},
        {"MetricIntervalLowerBound": 1, "MetricIntervalUpperBound": 3, "ScalingAdjustment": 2},
        {"MetricIntervalLowerBound": 3, "ScalingAdjustment": 4},
    ]


def test_scales_in_one_task_at_a_time_when_idle_down_to_zero(template: Template) -> None:
    idle = [
        alarm
        for alarm in scaling_alarms(template)
        if GPU_QUEUE in named_metrics(alarm) and (expression(alarm) or "").startswith("IF(")
    ]
    assert len(idle) == 1
    alarm = idle[0]
    metrics = named_metrics(alarm)
    assert {"Namespace": NAMESPACE_GPU_WORKER, "MetricName": GPU_PROCESSING_TIME_MS, "Dimensions": []} in metrics
    assert any(m["Namespace"] == "ECS/ContainerInsights" and m["MetricName"] == "RunningTaskCount" for m in metrics)
    assert (expression(alarm) or "").startswith("IF(queue == 0 AND")
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (15, 15)
    (policy_id,) = [action["Ref"] for action in alarm["AlarmActions"]]
    policy = template.to_json()["Resources"][policy_id]["Properties"]["StepScalingPolicyConfiguration"]
    assert policy["StepAdjustments"] == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": -1}]


def test_variant_starts_from_zero_gpu_workers_within_its_own_maximum(variant: Synthesized) -> None:
    """The variant keeps its GPU task warm by the clock instead (test_warm_hours_keep_one_gpu_task_from_until)."""
    template = variant.template(variant.stage.compute)
    template.has_resource_properties(
        "AWS::ECS::Service", {"DesiredCount": 0, "CapacityProviderStrategy": Match.any_value()}
    )
    template.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "0", "MaxSize": "2"})


def test_gpu_worker_keeps_one_warm_tesseract_per_vcpu_busy(template: Template) -> None:
    environment = {pair["Name"]: pair["Value"] for pair in container(template, "worker-gpu")["Environment"]}
    assert environment["FILOT_OCR_PROCESSES"] == "4"  # g4dn.xlarge: 4 vCPUs
    assert int(environment["FILOT_WORKER_CONCURRENCY"]) > 4  # one more in flight: preprocessing overlaps OCR
    assert environment["OMP_THREAD_LIMIT"] == "1"


def test_the_service_waits_for_the_capacity_provider_association(template: Template) -> None:
    """CreateService naming a capacity provider not yet associated with the cluster fails a first deploy."""
    resources = template.to_json()["Resources"]
    (association,) = [k for k, r in resources.items() if r["Type"] == "AWS::ECS::ClusterCapacityProviderAssociations"]
    gpu_service = next(
        r for r in resources.values()
        if r["Type"] == "AWS::ECS::Service" and "CapacityProviderStrategy" in r["Properties"]
    )
    assert association in gpu_service["DependsOn"]


def test_operators_reach_gpu_instances_through_session_manager_and_tasks_not_their_metadata(
    template: Template,
) -> None:
    roles = [
        r for r in template.find_resources("AWS::IAM::Role").values()
        if "ec2.amazonaws.com" in str(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(roles) == 1 and "AmazonSSMManagedInstanceCore" in str(roles[0]["Properties"]["ManagedPolicyArns"])
    (launch_template,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    user_data = str(launch_template["Properties"]["LaunchTemplateData"]["UserData"])
    assert "ECS_AWSVPC_BLOCK_IMDS=true" in user_data and "ECS_ENABLE_GPU_SUPPORT=true" in user_data


def test_no_warm_hours_no_schedule(template: Template) -> None:
    for target in template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values():
        assert "ScheduledActions" not in target["Properties"]


def test_warm_hours_keep_one_gpu_task_from_until(variant: Synthesized) -> None:
    template = variant.template(variant.stage.compute)
    scheduled = [
        t["Properties"]["ScheduledActions"]
        for t in template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
        if "ScheduledActions" in t["Properties"]
    ]
    assert len(scheduled) == 1  # the GPU service's alone
    actions = {a["Schedule"]: a["ScalableTargetAction"] for a in scheduled[0]}
    # The variant: at least one task from 23:00 to 13:00 UTC, back to its minimum (0) after.
    assert actions == {"cron(0 23 * * ? *)": {"MinCapacity": 1}, "cron(0 13 * * ? *)": {"MinCapacity": 0}}
