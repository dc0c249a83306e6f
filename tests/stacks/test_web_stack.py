"""WebStack template: the web app behind CloudFront in us-east-1, its bucket readable by that distribution only,
HTTPS only, the security headers from web/security-headers.json with the stage's origins, the SPA fallback."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.stages import build_stage
from stacks.web.stack import WEB_REGION
from tests.stacks.conftest import VARIANT, WEB_CERTIFICATE_ARN, Synthesized


@pytest.fixture(scope="module")
def template(variant: Synthesized) -> Template:
    assert variant.stage.web is not None
    return variant.template(variant.stage.web)


@pytest.fixture(scope="module")
def production_template(production: Synthesized) -> Template:
    assert production.stage.web is not None
    return production.template(production.stage.web)


def _one(template: Template, kind: str) -> dict[str, Any]:
    ((_, resource),) = template.find_resources(kind).items()
    return dict(resource["Properties"])


def _distribution(template: Template) -> dict[str, Any]:
    return dict(_one(template, "AWS::CloudFront::Distribution")["DistributionConfig"])


def _logical_id(template: Template, kind: str, **properties: Any) -> str:
    found = template.find_resources(kind, {"Properties": properties} if properties else None)
    ((logical_id, _),) = found.items()
    return str(logical_id)


def test_the_web_stack_is_in_us_east_1_with_the_stage_rules(production: Synthesized, variant: Synthesized) -> None:
    # CloudFront reads certificates only from us-east-1; the stage's other stacks stay in its region.
    assert production.stage.web is not None and variant.stage.web is not None
    assert (production.stage.web.stack_name, production.stage.web.region) == ("filot-production-web", WEB_REGION)
    assert production.stage.compute.region == "ap-southeast-2"
    rules = Template.from_stack(variant.stage.web).to_json()["Rules"]
    assert rules["PinnedAccount"]["Assertions"][0]["Assert"] == {
        "Fn::Equals": [{"Ref": "AWS::AccountId"}, "123456789012"]
    }
    assert production.stage.web.termination_protection and not variant.stage.web.termination_protection


def test_a_stage_without_a_web_domain_has_no_web_stack() -> None:
    stage = build_stage(App(), replace(VARIANT, web_domain_name=None, web_certificate_arn=None, web_oidc=None))
    assert stage.web is None
    assert [stack.stack_name for stack in stage.stacks] == [
        f"filot-staging-{component}" for component in ("foundation", "network", "compute", "monitoring", "pipeline")
    ]


def test_the_site_bucket_is_private_versioned_tls_only_and_logged(template: Template) -> None:
    site_id = _logical_id(template, "AWS::S3::Bucket", VersioningConfiguration={"Status": "Enabled"})
    site = template.find_resources("AWS::S3::Bucket")[site_id]["Properties"]
    assert site["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert site["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]  # no ACLs
    assert site["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert site["BucketName"] == {"Fn::Join": ["", ["filot-staging-web-", {"Ref": "AWS::AccountId"}]]}
    assert site["LoggingConfiguration"]["LogFilePrefix"] == "s3/"
    statements = _bucket_statements(template, site_id)
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_only_this_distribution_may_read_the_site_through_origin_access_control(template: Template) -> None:
    site_id = _logical_id(template, "AWS::S3::Bucket", VersioningConfiguration={"Status": "Enabled"})
    distribution_id = _logical_id(template, "AWS::CloudFront::Distribution")
    (allow,) = [s for s in _bucket_statements(template, site_id) if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert source["Fn::Join"][1][-2:] == [":distribution/", {"Ref": distribution_id}]
    control = _one(template, "AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]
    assert (control["OriginAccessControlOriginType"], control["SigningBehavior"], control["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    (origin,) = _distribution(template)["Origins"]
    assert "OriginAccessControlId" in origin
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    assert origin["DomainName"] == {"Fn::GetAtt": [site_id, "RegionalDomainName"]}


def test_viewers_get_https_only_tls_1_2_at_least_and_http_2_and_3(template: Template) -> None:
    distribution = _distribution(template)
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert distribution["DefaultCacheBehavior"]["AllowedMethods"] == ["GET", "HEAD"]
    assert distribution["ViewerCertificate"] == {
        "AcmCertificateArn": WEB_CERTIFICATE_ARN,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert distribution["HttpVersion"] == "http2and3"
    assert distribution["Aliases"] == ["app.staging.filot.example"]
    assert distribution["Logging"]["Prefix"] == "cloudfront/"


def test_every_route_of_the_app_gets_index_html(template: Template) -> None:
    distribution = _distribution(template)
    assert distribution["DefaultRootObject"] == "index.html"
    assert sorted(distribution["CustomErrorResponses"], key=lambda r: r["ErrorCode"]) == [
        {"ErrorCode": code, "ResponseCode": 200, "ResponsePagePath": "/index.html", "ErrorCachingMinTTL": 0}
        for code in (403, 404)
    ]


def test_the_cache_keeps_what_the_deploy_says_and_nothing_unsaid(template: Template) -> None:
    # The deploy marks assets/* immutable for a year and index.html/config.json no-cache; an object without
    # Cache-Control is not cached (default 0), so an entry point can never stick at the edge by accident.
    config = _one(template, "AWS::CloudFront::CachePolicy")["CachePolicyConfig"]
    assert (config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]) == (0, 0, 365 * 24 * 3600)
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert (key["CookiesConfig"], key["HeadersConfig"], key["QueryStringsConfig"]) == (
        {"CookieBehavior": "none"},
        {"HeaderBehavior": "none"},
        {"QueryStringBehavior": "none"},
    )


def _headers(template: Template) -> dict[str, Any]:
    return dict(_one(template, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"])


def test_the_security_headers_carry_the_csp_with_the_stages_api_and_identity_origins(template: Template) -> None:
    policy = _headers(template)
    security = policy["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "connect-src 'self' https://api.staging.filot.example https://id.filot.example;" in csp
    assert "{" not in csp and "}" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": 63072000,
        "IncludeSubdomains": True,
        "Preload": False,
        "Override": True,
    }
    custom = {item["Header"]: item["Value"] for item in policy["CustomHeadersConfig"]["Items"]}
    assert set(custom) == {"Permissions-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy"}
    assert custom["Cross-Origin-Opener-Policy"] == "same-origin"
    assert _distribution(template)["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": _logical_id(template, "AWS::CloudFront::ResponseHeadersPolicy")
    }


def test_without_sign_in_config_the_csp_names_the_api_only(production_template: Template) -> None:
    csp = _headers(production_template)["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "connect-src 'self' https://api.filot.id;" in csp
    assert "{" not in csp


def test_a_requested_certificate_is_for_the_web_domain_validated_by_dns(production_template: Template) -> None:
    certificate = _one(production_template, "AWS::CertificateManager::Certificate")
    assert certificate["DomainName"] == "app.filot.id"
    assert certificate["ValidationMethod"] == "DNS"
    viewer = _distribution(production_template)["ViewerCertificate"]
    assert viewer["AcmCertificateArn"] == {
        "Ref": _logical_id(production_template, "AWS::CertificateManager::Certificate")
    }


def test_an_imported_certificate_requests_none(template: Template) -> None:
    assert template.find_resources("AWS::CertificateManager::Certificate") == {}


def test_the_deploy_finds_the_bucket_and_distribution_in_ssm(template: Template) -> None:
    names = {
        resource["Properties"]["Name"]: resource["Properties"]["Value"]
        for resource in template.find_resources("AWS::SSM::Parameter").values()
    }
    assert names == {
        "/filot-staging/web/bucket-name": {"Ref": _site_id(template)},
        "/filot-staging/web/distribution-id": {"Ref": _logical_id(template, "AWS::CloudFront::Distribution")},
    }
    outputs = template.to_json()["Outputs"]
    assert "DistributionDomainName" in outputs  # the Cloudflare CNAME's target


def _site_id(template: Template) -> str:
    return _logical_id(template, "AWS::S3::Bucket", VersioningConfiguration={"Status": "Enabled"})


def _bucket_statements(template: Template, bucket_id: str) -> list[dict[str, Any]]:
    (policy,) = [
        resource["Properties"]
        for resource in template.find_resources("AWS::S3::BucketPolicy").values()
        if resource["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    return list(policy["PolicyDocument"]["Statement"])
