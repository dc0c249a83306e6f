"""ImageRegistry: one private ECR repository per container image under images/."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ecr as ecr
from constructs import Construct

# One entry per folder under images/ (a test keeps the two in step).
IMAGE_NAMES: tuple[str, ...] = ("backend", "gpu-worker")


class ImageRegistry(Construct):
    """Scanned, tag-immutable repositories named ``<name_prefix>/<image>``, each keeping its newest images."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        keep_images: int,
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
                encryption=ecr.RepositoryEncryption.AES_256,
                lifecycle_rules=[
                    ecr.LifecycleRule(
                        description=f"keep the newest {keep_images} images",
                        tag_status=ecr.TagStatus.ANY,
                        max_image_count=keep_images,
                    )
                ],
                # Images a running service points at must outlive a stack deletion.
                removal_policy=RemovalPolicy.RETAIN,
            )
