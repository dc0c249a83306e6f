"""GpuCapacity: an EC2 capacity provider of g4dn.xlarge instances (ECS GPU-optimized AMI) for the GPU worker."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

INSTANCE_TYPE = "g4dn.xlarge"  # 4 vCPU, 16 GiB, one NVIDIA T4
# What one instance counts against the account's "Running On-Demand G and VT instances" vCPU quota.
INSTANCE_VCPUS = 4
ROOT_VOLUME_GIB = 60  # CUDA runtime image layers plus Tesseract models


class GpuCapacity(Construct):
    """An Auto Scaling group that ECS scales (managed scaling, instances protected from scale-in while they run
    tasks), from zero instances up to ``max_instances``. Exposes ``capacity_provider`` and
    ``auto_scaling_group``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster: ecs.Cluster,
        vpc: ec2.IVpc,
        name_prefix: str,
        max_instances: int,
    ) -> None:
        super().__init__(scope, id_)
        self.security_group = ec2.SecurityGroup(
            self, "Instances", vpc=vpc, description="GPU container instances: outbound only", allow_all_outbound=True
        )
        self.role = iam.Role(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="ECS container agent on the GPU instances; Session Manager for operators",
        )
        # An operator reaches an instance through Session Manager (no SSH key, no inbound port) to run nvidia-smi
        # or read the agent's log when a GPU task will not start (docs/gpu.md, "On the instance").
        self.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore"))
        user_data = ec2.UserData.for_linux()
        # The GPU AMI has the NVIDIA driver and runtime; the agent must also advertise the GPU to the scheduler.
        user_data.add_commands(
            "echo ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config",
            # Tasks in awsvpc mode cannot reach the instance metadata service, hence not the instance role: a
            # worker has its own task role and needs nothing of the instance's.
            "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config",
        )
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            instance_type=ec2.InstanceType(INSTANCE_TYPE),
            # Resolved at deploy time from the public SSM parameter of the latest ECS GPU-optimized AMI (no lookup
            # here). Amazon Linux 2023 rather than 2: AL2's support ends on 2026-06-30.
            machine_image=ecs.EcsOptimizedImage.amazon_linux2023(ecs.AmiHardwareType.GPU),
            role=self.role,
            security_group=self.security_group,
            user_data=user_data,
            require_imdsv2=True,
            # One hop: containers in awsvpc mode cannot reach the instance role through IMDS.
            http_put_response_hop_limit=1,
            detailed_monitoring=True,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        ROOT_VOLUME_GIB, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3
                    ),
                )
            ],
        )
        self.auto_scaling_group = autoscaling.AutoScalingGroup(
            self,
            "Group",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template=self.launch_template,
            # ECS managed scaling sets the desired count; the group may idle at zero instances.
            min_capacity=0,
            max_capacity=max_instances,
            default_instance_warmup=Duration.minutes(5),
        )
        self.capacity_provider = ecs.AsgCapacityProvider(
            self,
            "Provider",
            capacity_provider_name=f"{name_prefix}-gpu",
            auto_scaling_group=self.auto_scaling_group,
            machine_image_type=ecs.MachineImageType.AMAZON_LINUX_2,
            enable_managed_scaling=True,
            target_capacity_percent=100,
            # An instance running a task is never picked for scale-in; ECS lifts the protection when it empties.
            enable_managed_termination_protection=True,
            enable_managed_draining=True,
        )
        cluster.add_asg_capacity_provider(self.capacity_provider)
