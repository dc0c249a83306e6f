"""WebStack: ``filot-<stage>-web``, the web app (a static React build) behind CloudFront at ``filot:webDomainName``.

It lives in us-east-1 whatever the stage's region: CloudFront (a global service) reads the certificate of an
alternate domain name only from there, and a stack can hold only certificates of its own region. Nothing personal
is stored here: the bucket holds the app's public HTML, JavaScript and CSS and its config.json (the API's address
and the identity provider's public client id); documents and personal data stay with the API in the stage's
region. Cloudflare proxies the name to the distribution (docs/infrastructure.md, "The web app").

Contents, and why each is so:

- a private bucket (all public access blocked, TLS only, versioned, access logged) that only this distribution
  reads, through Origin Access Control with the distribution's ARN as the condition: the files are public, but
  they are public through one door, with the headers below;
- the distribution: HTTPS only (HTTP redirects), TLS 1.2 (2021 policy) at least, HTTP/2 and HTTP/3,
  ``index.html`` at the root and for every unknown path (the app routes in the browser), logs to S3;
- one cache policy that keeps what the origin says: the deploy (``.github/deploy-web.sh``) uploads ``assets/*``
  (hashed names) with a year's immutable Cache-Control and everything else with ``no-cache``, and an object
  uploaded without Cache-Control is not cached at all;
- the response headers policy from ``web/security-headers.json`` (CSP with the stage's API and identity origins).

The deploy finds the bucket and the distribution through SSM parameters in us-east-1 (stacks/parameters.py).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import parameters
from stacks.config import CLOUDFRONT_CERTIFICATE_REGION, StageConfig
from stacks.log_buckets import access_log_bucket
from stacks.stage_stack import StageStack
from stacks.web import security_headers
from stacks.web.security_headers import SECURITY_HEADERS_FILE, SecurityHeaders

WEB_REGION = CLOUDFRONT_CERTIFICATE_REGION
LOG_DAYS = 90
# Old versions of the site's files (each deploy overwrites index.html and config.json, deletes stale assets) are
# kept this long: enough to see what was served when, not a release store (a rollback redeploys a build).
NONCURRENT_DAYS = 30
ASSET_MAX_AGE = Duration.days(365)
# The app answers every route itself: CloudFront serves index.html where S3 has no such object (403 without
# ListBucket, 404 with it), with 200, and caches that answer for no time so a deploy shows at once.
SPA_FALLBACK_STATUSES = (403, 404)
INDEX = "index.html"


def site_bucket_name(name_prefix: str) -> str:
    """``filot-<stage>-web-<account>``: fixed, so the pipeline stack (another region) can name it in the deploy
    role's policy without a cross-region reference; the account id keeps it globally unique."""
    return f"{name_prefix}-web-{Aws.ACCOUNT_ID}"


class WebStack(StageStack):
    """``bucket``, ``logs`` (its bucket), ``certificate``, ``distribution``, ``headers`` (what the policy sets)."""

    def __init__(
        self, scope: Construct, id_: str, *, config: StageConfig, headers_file: Path = SECURITY_HEADERS_FILE
    ) -> None:
        if config.web_domain_name is None or config.domain_name is None:
            raise ValueError("the web stack needs filot:webDomainName and filot:domainName (the API it calls)")
        domain = config.web_domain_name
        super().__init__(
            scope,
            id_,
            config=config,
            component="web",
            description=f"web app at {domain} (CloudFront and S3, us-east-1: CloudFront's certificate region)",
            region=WEB_REGION,
        )
        self.headers = security_headers.render(
            security_headers.load(headers_file),
            api_origin=f"https://{config.domain_name}",
            identity_origin=config.web_oidc.origin if config.web_oidc is not None else None,
        )
        prefix = config.name_prefix

        # CloudFront's standard logs are written with ACLs (the awslogsdelivery account gets a grant), so this one
        # bucket keeps ACLs on; it also takes the site bucket's access logs, through a bucket policy.
        self.logs = access_log_bucket(
            self, "Logs", keep=Duration.days(LOG_DAYS), object_ownership=s3.ObjectOwnership.OBJECT_WRITER
        )
        self.bucket = s3.Bucket(
            self,
            "Site",
            bucket_name=site_bucket_name(prefix),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self._log_access_to(self.logs, prefix="s3/")

        self.certificate: acm.ICertificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", config.web_certificate_arn)
            if config.web_certificate_arn is not None
            # Its validation record goes into Cloudflare by hand (DNS only); the first deploy waits for it.
            else acm.Certificate(
                self, "Certificate", domain_name=domain, validation=acm.CertificateValidation.from_dns()
            )
        )
        cache_policy = cloudfront.CachePolicy(
            self,
            "CachePolicy",
            cache_policy_name=f"{prefix}-web",
            comment="Keep what the origin's Cache-Control says; without one, do not cache",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(0),
            max_ttl=ASSET_MAX_AGE,
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
        )
        headers_policy = _headers_policy(self, f"{prefix}-web-security-headers", self.headers)
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{prefix} web app ({domain})",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cache_policy,
                response_headers_policy=headers_policy,
                compress=True,
            ),
            domain_names=[domain],
            certificate=self.certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            ssl_support_method=cloudfront.SSLMethod.SNI,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_root_object=INDEX,
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=status,
                    response_http_status=200,
                    response_page_path=f"/{INDEX}",
                    ttl=Duration.seconds(0),
                )
                for status in SPA_FALLBACK_STATUSES
            ],
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
            # North America, Europe, Asia (Jakarta and Singapore among them), where Cloudflare's requests come from.
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,
        )

        for key, value, what in (
            (parameters.WEB_BUCKET_NAME, self.bucket.bucket_name, "bucket the deploy uploads the app to"),
            (parameters.WEB_DISTRIBUTION_ID, self.distribution.distribution_id, "distribution the deploy invalidates"),
        ):
            parameters.publish(
                self, name_prefix=prefix, key=key, value=value, description=f"The {domain} web app's {what}"
            )
        CfnOutput(
            self,
            "DistributionDomainName",
            value=self.distribution.distribution_domain_name,
            description=f"Point {domain} here: a proxied CNAME in Cloudflare",
        )
        CfnOutput(self, "BucketName", value=self.bucket.bucket_name, description="Where the deploy uploads the app")
        CfnOutput(self, "DistributionId", value=self.distribution.distribution_id, description="What it invalidates")

    def _log_access_to(self, target: s3.Bucket, *, prefix: str) -> None:
        """Server access logs of the site bucket, delivered under a bucket policy (the CDK shortcut would instead
        replace the log bucket's ACL, which CloudFront's log delivery relies on)."""
        site = self.bucket.node.default_child
        if not isinstance(site, s3.CfnBucket):
            raise TypeError("the site bucket has no CfnBucket to log from")
        site.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
            destination_bucket_name=target.bucket_name, log_file_prefix=prefix
        )
        target.add_to_resource_policy(
            iam.PolicyStatement(
                sid="S3ServerAccessLogs",
                principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[target.arn_for_objects(f"{prefix}*")],
                conditions={
                    "ArnLike": {"aws:SourceArn": self.bucket.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )


def _headers_policy(scope: Construct, name: str, headers: SecurityHeaders) -> cloudfront.ResponseHeadersPolicy:
    """Every header overrides what the origin sent: S3 sends none of these, and none may be weakened."""
    return cloudfront.ResponseHeadersPolicy(
        scope,
        "SecurityHeaders",
        response_headers_policy_name=name,
        comment="From web/security-headers.json, with this stage's API and identity origins",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=headers.content_security_policy, override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=Duration.seconds(headers.hsts.max_age_seconds),
                include_subdomains=headers.hsts.include_subdomains,
                preload=headers.hsts.preload,
                override=True,
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=getattr(cloudfront.HeadersFrameOption, headers.frame_option), override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=getattr(
                    cloudfront.HeadersReferrerPolicy, headers.referrer_policy.upper().replace("-", "_")
                ),
                override=True,
            ),
        ),
        custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
            custom_headers=[
                cloudfront.ResponseCustomHeader(header=name, value=value, override=True)
                for name, value in headers.custom.items()
            ]
        ),
    )
