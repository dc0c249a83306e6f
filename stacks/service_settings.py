"""The FILOT_* settings the stacks hand the services: which come from which secret field, which are plain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SecretField:
    """One JSON field of one Secrets Manager secret (``filot-<stage>/<secret>``)."""

    secret: str
    field: str


# Every credential, URL with a password in it, or key: injected as an ECS secret (or, for a Lambda, read from
# Secrets Manager at cold start), never as a plain environment value.
SECRET_SETTINGS: dict[str, SecretField] = {
    "FILOT_DATABASE_URL": SecretField("database", "url"),
    "FILOT_REDIS_URL": SecretField("redis", "url"),
    "FILOT_S3_ENDPOINT_URL": SecretField("r2", "endpoint_url"),
    "FILOT_R2_ACCESS_KEY_ID": SecretField("r2", "access_key_id"),
    "FILOT_R2_SECRET_ACCESS_KEY": SecretField("r2", "secret_access_key"),
    "FILOT_BULI2_URL": SecretField("buli2", "url"),
    "FILOT_BULI2_API_KEY": SecretField("buli2", "api_key"),
    "FILOT_SERVICE_KEY": SecretField("service-key", "key"),
    "FILOT_CALLBACK_KEY": SecretField("callback-key", "key"),
    "FILOT_LINK_KEY": SecretField("link-key", "key"),
    "FILOT_NIK_HASH_KEY": SecretField("nik-hash-key", "key"),
    "FILOT_WEBHOOK_KEY": SecretField("webhook-key", "key"),
    "FILOT_PII_KEY": SecretField("pii-key", "key"),
    "FILOT_JWT_JWKS_URL": SecretField("jwt", "jwks_url"),
    "FILOT_JWT_ISSUER": SecretField("jwt", "issuer"),
    "FILOT_JWT_AUDIENCE": SecretField("jwt", "audience"),
}
# Secret names with the fields each must hold, in the order operators fill them in (see docs/infrastructure.md).
SECRET_FIELDS: dict[str, tuple[str, ...]] = {}
for _field in SECRET_SETTINGS.values():
    SECRET_FIELDS.setdefault(_field.secret, ())
    SECRET_FIELDS[_field.secret] += (_field.field,)

# Least privilege: each workload gets only the secrets it reads. The NIK hash key stays with the workers, which
# decide documents; the API never hashes a NIK.
API_SECRETS = tuple(name for name in SECRET_SETTINGS if name != "FILOT_NIK_HASH_KEY")
WORKER_SECRETS = (
    "FILOT_DATABASE_URL",
    "FILOT_REDIS_URL",
    "FILOT_S3_ENDPOINT_URL",
    "FILOT_R2_ACCESS_KEY_ID",
    "FILOT_R2_SECRET_ACCESS_KEY",
    "FILOT_BULI2_URL",
    "FILOT_BULI2_API_KEY",
    "FILOT_NIK_HASH_KEY",
    "FILOT_WEBHOOK_KEY",
    "FILOT_PII_KEY",
)
# The scheduled function reads the queues and (with the reconciler) the database and BULI2.
# The reconciler re-sends escalations, whose image links are presigned on the bucket: it needs the R2 keys too.
SCHEDULER_SECRETS = (
    "FILOT_DATABASE_URL",
    "FILOT_REDIS_URL",
    "FILOT_BULI2_URL",
    "FILOT_BULI2_API_KEY",
    "FILOT_S3_ENDPOINT_URL",
    "FILOT_R2_ACCESS_KEY_ID",
    "FILOT_R2_SECRET_ACCESS_KEY",
    "FILOT_WEBHOOK_KEY",
    "FILOT_PII_KEY",
)

# Plain settings the stacks derive from the stage; the stage config may not override them.
DERIVED_SETTINGS = frozenset(
    {
        "FILOT_STAGE",
        "FILOT_API_URL",
        "FILOT_STORAGE_URL",
        "FILOT_API_HOST",
        "FILOT_API_PORT",
        "FILOT_TRUSTED_PROXY_HOPS",
        "FILOT_CLOUDFLARE_RANGES",
        # From filot:webDomainName (stacks/compute/containers.py, cors_environment).
        "FILOT_CORS_ORIGINS",
    }
)
RESERVED_NAMES = frozenset(SECRET_SETTINGS) | DERIVED_SETTINGS
# A Lambda cannot take ECS secrets: it gets this variable (JSON {name: {"secretArn", "field"}}) and
# services/processes/lambda_handlers.py resolves it at cold start.
LAMBDA_SECRETS_VARIABLE = "FILOT_SECRETS"
# Debian's OpenMP Tesseract is several times slower with its default threading (docs/design.md, measured facts).
OCR_ENVIRONMENT = {"OMP_THREAD_LIMIT": "1"}
# g4dn.xlarge has 4 vCPUs: one warm Tesseract process each, and one more document in flight so the GPU
# preprocesses the next while all four read.
# The GPU service requires its CUDA kernels: it refuses to start on the CPU twins (services/cli/serve.py).
GPU_WORKER_ENVIRONMENT = {"FILOT_OCR_PROCESSES": "4", "FILOT_WORKER_CONCURRENCY": "5", "FILOT_KERNEL_BACKEND": "cuda"}
API_PORT = 8000
