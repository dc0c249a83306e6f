"""ImageRegistry: one private ECR repository per container image under images/."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from constructs import Construct

# One entry per folder under images/ (a test keeps the two in step).
IMAGE_NAMES: tuple[str, ...] = ("backend", "gpu-worker")
# The pipeline adds this tag (deployed-<stage>-<git sha>) to an image when a stage starts running it: such images
# are never expired, so a rollback target is always there, however many builds came after.
DEPLOYED_TAG_PREFIX = "deployed-"
# "Keep this many" is the only way a tag-prefix rule can keep images; no repository comes near it.
KEEP_ALL_DEPLOYED = 10_000
UNTAGGED_DAYS = 7


class ImageRegistry(Construct):
    """Scanned, tag-immutable repositories named ``<name_prefix>/<image>``, each keeping its newest images."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        keep_images: int,
        key: kms.IKey,
        image_names: Sequence[str] = IMAGE_NAMES,
    ) -> None:
        super().__init__(scope, id_)
        self.repositories: dict[str, ecr.Repository] = {}
        for image in image_names:
            self.repositories[image] = ecr.Repository(
                self,
                image,
                repository_name=f"{name_prefix}/{image}",
                image_scan_on_push=True,
                # Deployments pin a tag; immutability means that tag always names the image that was tested.
                image_tag_mutability=ecr.TagMutability.IMMUTABLE,
                encryption=ecr.RepositoryEncryption.KMS,
                encryption_key=key,
                # ECR applies the first rule an image matches: a deployed image matches the first and only that.
                lifecycle_rules=[
                    ecr.LifecycleRule(
                        rule_priority=1,
                        description="keep every image a stage has deployed",
                        tag_status=ecr.TagStatus.TAGGED,
                        tag_prefix_list=[DEPLOYED_TAG_PREFIX],
                        max_image_count=KEEP_ALL_DEPLOYED,
                    ),
                    ecr.LifecycleRule(
                        rule_priority=2,
                        description=f"expire untagged images after {UNTAGGED_DAYS} days",
                        tag_status=ecr.TagStatus.UNTAGGED,
                        max_image_age=Duration.days(UNTAGGED_DAYS),
                    ),
                    ecr.LifecycleRule(
                        rule_priority=3,
                        description=f"keep the newest {keep_images} images never deployed",
                        tag_status=ecr.TagStatus.ANY,
                        max_image_count=keep_images,
                    ),
                ],
                # Images a running service points at must outlive a stack deletion.
                removal_policy=RemovalPolicy.RETAIN,
            )
