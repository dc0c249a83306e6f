"""SSM parameter names through which one stack hands another a value that can change on replacement.

A CloudFormation export cannot change while another stack imports it, so replacing a load balancer, a service or
a certificate behind a strong cross-stack reference deadlocks the deploy. These values travel as SSM parameters
instead: the producing stack writes ``/<name_prefix>/<key>``, the consuming one reads it at deploy time (a
template parameter of type ``AWS::SSM::Parameter::Value<String>``) and picks up a new value on its next deploy.
What never changes (fixed names of retained secrets, repositories and log groups; the VPC) stays a typed reference.
"""

from __future__ import annotations

from aws_cdk import aws_ssm as ssm
from constructs import Construct

CERTIFICATE_ARN = "foundation/certificate-arn"
API_SERVICE_NAME = "compute/api-service-name"
GPU_WORKER_SERVICE_NAME = "compute/gpu-worker-service-name"
CPU_WORKER_SERVICE_NAME = "compute/cpu-worker-service-name"
LOAD_BALANCER_FULL_NAME = "compute/load-balancer-full-name"
TARGET_GROUP_FULL_NAME = "compute/api-target-group-full-name"
SCHEDULER_FUNCTION_NAME = "compute/scheduler-function-name"
API_FUNCTION_NAME = "compute/api-function-name"
# Written by the web stack in its own region (us-east-1), read by .github/deploy-web.sh to upload and invalidate.
WEB_BUCKET_NAME = "web/bucket-name"
WEB_DISTRIBUTION_ID = "web/distribution-id"


def parameter_name(name_prefix: str, key: str) -> str:
    return f"/{name_prefix}/{key}"


def publish(scope: Construct, *, name_prefix: str, key: str, value: str, description: str) -> ssm.StringParameter:
    """Write one handed-over value (construct id from the key, so the id never carries a value)."""
    construct_id = "Param" + "".join(part.title() for part in key.replace("/", "-").split("-"))
    return ssm.StringParameter(
        scope,
        construct_id,
        parameter_name=parameter_name(name_prefix, key),
        string_value=value,
        description=description,
    )


def read(scope: Construct, *, name_prefix: str, key: str) -> str:
    """The value another stack published, resolved when this stack deploys."""
    return ssm.StringParameter.value_for_string_parameter(scope, parameter_name(name_prefix, key))
