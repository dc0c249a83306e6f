#!/usr/bin/env bash
# One stage's deploy, as the deploy workflow runs it (STAGE, IMAGE_TAG and AWS credentials in the environment):
# first a check that the web app's config.json can be made (filot:webOidc set), so a stage that cannot serve its
# app stops before anything changes; then foundation, network and the web stack (us-east-1; they hold what
# preflight reads, and the web app's bucket), preflight, then compute and monitoring, then the
# deployed-<stage>-<tag> tag on both images so the ECR lifecycle keeps them for rollbacks. The web app's files
# follow in .github/deploy-web.sh.
set -euo pipefail
: "${STAGE:?}" "${IMAGE_TAG:?}"
cdk() { npx --no-install cdk "$@" -c "filot:stage=$STAGE" -c "filot:imageTag=$IMAGE_TAG" --require-approval never; }

python -m stacks.web_config --stage "$STAGE" --check
cdk deploy "filot-$STAGE-foundation" "filot-$STAGE-network" "filot-$STAGE-web"
python -m stacks.preflight --stage "$STAGE" --image-tag "$IMAGE_TAG"
cdk deploy "filot-$STAGE-compute" "filot-$STAGE-monitoring"

for image in backend gpu-worker; do
  repository="filot-$STAGE/$image"
  manifest="$(aws ecr batch-get-image --repository-name "$repository" --image-ids "imageTag=$IMAGE_TAG" \
    --query 'images[0].imageManifest' --output text)"
  # A redeploy of the same tag finds the marker there already (tags are immutable): that is fine.
  aws ecr put-image --repository-name "$repository" --image-tag "deployed-$STAGE-$IMAGE_TAG" \
    --image-manifest "$manifest" >/dev/null 2>&1 || \
    aws ecr describe-images --repository-name "$repository" --image-ids "imageTag=deployed-$STAGE-$IMAGE_TAG" >/dev/null
  echo "$repository:$IMAGE_TAG marked deployed-$STAGE-$IMAGE_TAG"
done
