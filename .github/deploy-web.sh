#!/usr/bin/env bash
# usage: .github/deploy-web.sh <stage> <web.tar.gz> <sha256> [-c key=value ...]
#
# Puts the web app the build job packed (web/dist as a tarball) on the stage's CloudFront site, as the deploy
# workflow runs it after .github/deploy-stage.sh, with the stage's deploy role. The tarball must have the digest
# the build recorded: staging and production get the same bytes, as they get the same image digests. Only
# config.json differs between stages; it is written here from the stage config (python -m stacks.web_config, which
# refuses a stage without filot:webOidc; -c pairs are passed to it). The bucket and the distribution are found
# through the web stack's SSM parameters in us-east-1.
#
# Order matters to a user who has the app open: the new hashed assets go up first (cached a year, immutable),
# then index.html, config.json and the other top-level files (no-cache, so browsers revalidate them), then the
# entry points' cached copies are invalidated, and only then are the files the new build no longer has deleted.
set -euo pipefail
usage="usage: $0 <stage> <web.tar.gz> <sha256> [-c key=value ...]"
stage="${1:?$usage}"
tarball="${2:?$usage}"
expected="${3:?$usage}"
shift 3
# The web stack's region (stacks/web/stack.py, WEB_REGION): CloudFront reads its certificates there.
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
IMMUTABLE="public, max-age=31536000, immutable"
REVALIDATE="no-cache"

actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
if [ "$actual" != "$expected" ]; then
  echo "error: $tarball has sha256 $actual, the build recorded $expected: not deploying it" >&2
  exit 1
fi
site="$(mktemp -d)"
trap 'rm -rf "$site"' EXIT
tar -xzf "$tarball" -C "$site"
if [ ! -f "$site/index.html" ] || [ ! -d "$site/assets" ]; then
  echo "error: $tarball holds no index.html and assets/ (is it web/dist?)" >&2
  exit 1
fi
if [ -e "$site/config.json" ]; then
  echo "error: $tarball holds a config.json: the build must not (each stage's is written here)" >&2
  exit 1
fi
python -m stacks.web_config --stage "$stage" --out "$site/config.json" "$@"

parameter() {
  aws ssm get-parameter --name "/filot-$stage/web/$1" --query Parameter.Value --output text
}
bucket="$(parameter bucket-name)"
distribution="$(parameter distribution-id)"

aws s3 sync "$site/assets" "s3://$bucket/assets" --cache-control "$IMMUTABLE" --no-progress
# cp, not sync: a new index.html often has the old one's size (hashes are fixed-length), which sync would skip.
aws s3 cp "$site" "s3://$bucket" --recursive --exclude "assets/*" --cache-control "$REVALIDATE" --no-progress
invalidation="$(aws cloudfront create-invalidation --distribution-id "$distribution" \
  --paths "/" "/index.html" "/config.json" --query Invalidation.Id --output text)"
# Every file is up by now, so these only delete (with the same headers, should one still differ).
aws s3 sync "$site/assets" "s3://$bucket/assets" --delete --cache-control "$IMMUTABLE" --no-progress
aws s3 sync "$site" "s3://$bucket" --delete --exclude "assets/*" --cache-control "$REVALIDATE" --no-progress
echo "web app $actual deployed to $stage: s3://$bucket, distribution $distribution (invalidation $invalidation)"
