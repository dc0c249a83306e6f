#!/usr/bin/env bash
# Production runs the bytes staging tested: `pull` (with staging's promote role) records the digest of each
# image staging ran under IMAGE_TAG and logs in to staging's registry; `push` (with production's deploy role)
# copies each image by that digest and fails unless production's tag names the same digest.
set -euo pipefail
: "${IMAGE_TAG:?}" "${AWS_REGION:?}"
state="${RUNNER_TEMP:-/tmp}/promote"
mkdir -p "$state"
registry() { echo "$(aws sts get-caller-identity --query Account --output text).dkr.ecr.$AWS_REGION.amazonaws.com"; }

case "${1:-}" in
  pull)
    source_registry="$(registry)"
    aws ecr get-login-password | docker login --username AWS --password-stdin "$source_registry"
    echo "$source_registry" > "$state/registry"
    for image in backend gpu-worker; do
      aws ecr describe-images --repository-name "filot-staging/$image" \
        --image-ids "imageTag=deployed-staging-$IMAGE_TAG" --query 'imageDetails[0].imageDigest' --output text \
        > "$state/$image.digest"
      echo "staging ran filot-staging/$image@$(cat "$state/$image.digest")"
    done
    ;;
  push)
    source_registry="$(cat "$state/registry")"
    target_registry="$(registry)"
    aws ecr get-login-password | docker login --username AWS --password-stdin "$target_registry"
    for image in backend gpu-worker; do
      digest="$(cat "$state/$image.digest")"
      target="$target_registry/filot-production/$image:$IMAGE_TAG"
      if ! aws ecr describe-images --repository-name "filot-production/$image" --image-ids "imageTag=$IMAGE_TAG" >/dev/null 2>&1; then
        docker buildx imagetools create --tag "$target" "$source_registry/filot-staging/$image@$digest"
      fi
      arrived="$(aws ecr describe-images --repository-name "filot-production/$image" \
        --image-ids "imageTag=$IMAGE_TAG" --query 'imageDetails[0].imageDigest' --output text)"
      if [ "$arrived" != "$digest" ]; then
        echo "error: filot-production/$image:$IMAGE_TAG is $arrived, staging ran $digest" >&2
        exit 1
      fi
      echo "filot-production/$image:$IMAGE_TAG is $digest, as staging ran"
    done
    ;;
  *) echo "usage: $0 pull|push" >&2; exit 2 ;;
esac
