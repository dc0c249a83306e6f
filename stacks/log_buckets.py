"""The bucket a service writes its access logs to (the load balancer's, CloudFront's and S3's own)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct


def access_log_bucket(
    scope: Construct, id_: str, *, keep: Duration, object_ownership: s3.ObjectOwnership
) -> s3.Bucket:
    """Private, TLS only, S3-managed encryption (the only kind ALB and CloudFront log delivery accept), not
    versioned (logs are written once), each object expired after `keep`, retained with the stack's deletion.
    `object_ownership`: CloudFront's standard logs need ACLs (OBJECT_WRITER); the others need none."""
    return s3.Bucket(
        scope,
        id_,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=object_ownership,
        versioned=False,
        lifecycle_rules=[s3.LifecycleRule(expiration=keep)],
        removal_policy=RemovalPolicy.RETAIN,
    )
