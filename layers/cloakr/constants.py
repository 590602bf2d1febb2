"""Names shared by the infrastructure (CDK) and the runtime (Lambda, local gateway, CLI).

One place, so a table, an environment variable or a scope cannot be spelled two ways.
"""

from __future__ import annotations

SERVICE_NAME = "cloakr"
STACK_PREFIX = "Cloakr"
METRICS_NAMESPACE = "Cloakr"

# The five regions Cloakr ships configurations for; adding a region is adding a file under regions/.
SUPPORTED_REGIONS: tuple[str, ...] = ("us-east-1", "us-west-2", "eu-central-1", "ap-southeast-1", "ap-south-1")

# Environment variables the stack sets on every function and the local gateway sets on itself.
ENV_REGION = "CLOAKR_REGION"
ENV_REGION_CONFIG = "CLOAKR_REGION_CONFIG"  # JSON of the region's RegionConfig
ENV_AUDIT_TABLE = "CLOAKR_AUDIT_TABLE"
ENV_TENANTS_TABLE = "CLOAKR_TENANTS_TABLE"
ENV_VAULT_TABLE = "CLOAKR_VAULT_TABLE"
ENV_SUBJECTS_TABLE = "CLOAKR_SUBJECTS_TABLE"
ENV_BUCKET = "CLOAKR_BUCKET"
ENV_DATA_KEY_ID = "CLOAKR_DATA_KEY_ID"
ENV_SIGNING_KEY_ID = "CLOAKR_SIGNING_KEY_ID"
ENV_INCIDENT_TOPIC = "CLOAKR_INCIDENT_TOPIC_ARN"
ENV_EVENT_BUS = "CLOAKR_EVENT_BUS"
# Security incidents on EventBridge: the stack's rule, the runtime and the SDK's webhook handler all match these.
INCIDENT_SOURCE = "cloakr"
INCIDENT_DETAIL_TYPE = "security_incident"
# Monthly report schedules (EventBridge Scheduler): the group, the function and role a schedule invokes, its DLQ.
ENV_SCHEDULE_GROUP = "CLOAKR_SCHEDULE_GROUP"
ENV_REPORTS_FUNCTION_ARN = "CLOAKR_REPORTS_FUNCTION_ARN"
ENV_SCHEDULER_ROLE_ARN = "CLOAKR_SCHEDULER_ROLE_ARN"
ENV_SCHEDULE_DLQ_ARN = "CLOAKR_SCHEDULE_DLQ_ARN"
ENV_UPSTREAM_URL = "CLOAKR_UPSTREAM_URL"
ENV_UPSTREAM_KEY = "CLOAKR_UPSTREAM_KEY"
ENV_UPSTREAM_SECRET_ARN = "CLOAKR_UPSTREAM_SECRET_ARN"
# Local gateway only: where its AWS backend (moto) listens. Not AWS_ENDPOINT_URL, so nothing else in the process
# (tests using moto's in-process mock, the CLI) is redirected by it.
ENV_AWS_ENDPOINT = "CLOAKR_AWS_ENDPOINT_URL"

# Table key schema: every table uses generic `pk`/`sk` string keys so one small data-access layer serves all.
PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"
# Logical table roles; the physical name is chosen by CloudFormation and passed in through the environment.
TABLE_AUDIT = "audit"
TABLE_TENANTS = "tenants"  # tenants and their API keys
TABLE_VAULT = "vault"  # token vault: placeholder <-> encrypted original
TABLE_SUBJECTS = "subjects"  # data subjects: consent, erase requests, blocks
TABLES: tuple[str, ...] = (TABLE_AUDIT, TABLE_TENANTS, TABLE_VAULT, TABLE_SUBJECTS)
# Secondary index on the tenants table to find a key by its hash.
KEY_HASH_INDEX = "by-key-hash"

# S3 prefixes in the regional bucket; digests sit under Object Lock retention.
PREFIX_DIGESTS = "digests/"
PREFIX_EXPORTS = "exports/"
PREFIX_REPORTS = "reports/"

# API key scopes (least privilege: a new key gets only what it asks for).
SCOPES: tuple[str, ...] = (
    "chat:write",
    "redact:write",
    "models:read",
    "audit:read",
    "audit:export",
    "keys:admin",
    "users:admin",
    "reports:read",
)

# Request limits, enforced both by WAF (body size) and by the handlers.
MAX_BODY_BYTES = 1_048_576
# Deepest nesting of arrays and objects a request body may have: every walk over a body (tokenizing, policy scans,
# provider mapping) recurses per level, and OpenAI bodies (JSON schemas included) stay far below this.
MAX_JSON_DEPTH = 64
# Most strings (object keys included) a request body may hold: chat tokenizes each string on its own, some 0.1 ms
# apiece even when short, so a 1 MiB body of 100,000 tiny strings would cost seconds of CPU. 1,000 messages and
# 128 tool schemas stay well below it.
MAX_JSON_STRINGS = 20_000
KMS_ROTATION_DAYS = 90
# A tenant's own (BYOK) key carries this tag with the tenant id as value: the stack lets its functions describe
# only keys so tagged, and ``cloakr admin byok`` refuses keys without it.
TENANT_KEY_TAG = "cloakr:tenant"

# The signing algorithm used for audit digests (KMS asymmetric key, ECC_NIST_P256).
DIGEST_SIGNING_ALGORITHM = "ECDSA_SHA_256"

# API keys look like ck_<region-code>_<key_id>_<secret>; the code names the key's home region.
KEY_REGION_CODES: dict[str, str] = {
    "use1": "us-east-1", "usw2": "us-west-2", "euc1": "eu-central-1", "apse1": "ap-southeast-1", "aps1": "ap-south-1",
}

# What a caller sees when the authorizer itself fails (its key lookup throttled or timed out): a retryable 503,
# the same in API Gateway (a gateway response) and in the local gateway.
AUTHORIZER_UNAVAILABLE_STATUS = 503
AUTHORIZER_UNAVAILABLE = ("authorizer_unavailable", "Authorization is unavailable; retry later.")
