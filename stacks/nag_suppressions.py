"""Every cdk-nag acknowledgement in one reviewed place, each with the specific reason it is acceptable.

Rules are acknowledged on the narrowest construct that triggers them (paths are relative to the regional stack).
A new finding fails the synth until someone fixes it or adds an entry here with a reason a reviewer can check.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Validations
from cloakr.config.regions import RegionConfig

from stacks.constructs.gateway_functions import bedrock_routes, profile_model

#: A reason shorter than this cannot say why the finding is acceptable here (enforced by tests/infra).
REASON_MIN_LENGTH = 40
API_FUNCTIONS = ("authorizer", "redact", "chat", "admin")
ALL_FUNCTIONS = (*API_FUNCTIONS, "audit_digest", "reports")
PACKS = ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")


def _in_packs(rule: str) -> list[str]:
    return [f"{pack}-{rule}" for pack in PACKS]


NO_VPC = (
    "The functions call only regional AWS endpoints (DynamoDB, KMS, S3, Bedrock) over TLS with IAM auth and hold no "
    "network listeners; a VPC would add NAT egress to the internet without reducing exposure. Network controls are "
    "WAF in front of API Gateway and least-privilege IAM behind it."
)
INLINE_POLICY = (
    "Each function has its own role whose only policy is the CDK-generated DefaultPolicy, scoped to this stack's "
    "tables, bucket prefixes and keys; a managed policy per role would add indirection without narrowing anything."
)
RUNTIME = (
    "python3.13 is the runtime the layer is built and tested for (wheels are resolved for cp313 arm64); moving to a "
    "newer runtime is a deliberate upgrade with its own test run, not an automatic one."
)
SYNC_DLQ = (
    "Invoked synchronously by API Gateway: the caller receives the error and retries; a dead-letter queue applies "
    "only to asynchronous invocations. The scheduled functions do have a DLQ."
)
WILDCARDS: list[tuple[str, str]] = [
    ("AwsSolutions-IAM5[Resource::*]", "X-Ray PutTraceSegments/PutTelemetryRecords and scheduler:ListSchedules accept no resource ARN."),
    ("AwsSolutions-IAM5[Action::kms:ReEncrypt*]", "CDK's grantEncryptDecrypt on this stack's own data key only."),
    ("AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", "Envelope encryption and CMK-encrypted tables/logs: this stack's data key only."),
    ("AwsSolutions-IAM5[Action::s3:List*]", "CDK bucket grants on this stack's audit bucket only."),
    ("AwsSolutions-IAM5[Action::s3:GetObject*]", "CDK bucket grants on this stack's audit bucket only."),
    ("AwsSolutions-IAM5[Action::s3:GetBucket*]", "CDK bucket grants on this stack's audit bucket only."),
    ("AwsSolutions-IAM5[Action::s3:Abort*]", "Multipart uploads of exports and reports to this stack's bucket."),
    ("AwsSolutions-IAM5[Action::s3:DeleteObject*]", "Admin deletes only its own download copies under exports/ and reports/ of this stack's bucket; it has no delete on digests/."),
]
# Findings whose resource part contains a logical id or the region: matched by prefix below.
WILDCARD_PREFIXES: list[tuple[str, str]] = [
    ("AwsSolutions-IAM5[Resource::<TablesTenants", "Queries on the tenants table's by-key-hash index (CDK grants name index/*)."),
    ("AwsSolutions-IAM5[Resource::<StorageBucket", "Objects of this stack's audit bucket: reads anywhere; writes only under the prefix the function produces (digests/, exports/ or reports/)."),
    ("AwsSolutions-IAM5[Resource::arn:aws:bedrock:", "A geo or global inference profile the region config allows sends each request to a destination region Bedrock picks, so its one foundation model is granted in any region, and only through that profile of this stack (bedrock:InferenceProfileArn condition)."),
    ("AwsSolutions-IAM5[Resource::arn:aws:secretsmanager:", "Only secrets named cloakr/upstream* in this region (upstream model API keys)."),
    ("AwsSolutions-IAM5[Resource::arn:aws:kms:", "Tenants' own (BYOK) keys are created by tenants after deployment; use is limited to Cloakr's encryption context in this region and to keys tagged cloakr:tenant, and each key's own policy must name the role."),
    ("AwsSolutions-IAM5[Resource::arn:aws:scheduler:", "Tenants' report schedules are created at run time, all inside this stack's cloakr-reports schedule group."),
]

STACK_WIDE: list[tuple[str, str]] = [
    ("AwsSolutions-COG4", "Callers are applications authenticated by Cloakr API keys through the Lambda REQUEST authorizer (hashed keys, scopes, expiry, region); there are no Cognito users."),
    ("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]", "API Gateway's account-level logging role requires this AWS managed policy."),
    ("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]", "AWS Backup's service role for the table backup plan requires this AWS managed policy."),
    *((rule, "Residency: data must not leave the region, so cross-region replication is not allowed; versioning, Object Lock and access logs protect the objects in place.") for rule in _in_packs("S3BucketReplicationEnabled")),
    *((rule, "Lambda proxy integrations are invoked over AWS's signed internal channel; backend client certificates apply only to HTTP integrations.") for rule in _in_packs("APIGWSSLEnabled")),
    *((rule, "Caching is off on purpose: responses contain restored personal data and must never be served from a cache (Cache-Control: no-store).") for rule in _in_packs("APIGWCacheEnabledAndEncrypted")),
    *((rule, INLINE_POLICY) for rule in _in_packs("IAMNoInlinePolicy")),
]

BY_PATH: dict[str, list[tuple[str, str]]] = {
    "Storage/AccessLogs": [
        *((rule, "S3 server access logs can only be delivered to an SSE-S3 bucket, not SSE-KMS.") for rule in _in_packs("S3DefaultEncryptionKMS")),
    ],
    "Alarms/PublisherRole": [
        ("AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", "CDK's grantPublish on the CMK-encrypted incident topic: EventBridge's publisher role may use this stack's data key only, to encrypt the messages it publishes."),
    ],
    "Functions/ScheduledDeadLetters": [
        ("Serverless-SQSRedrivePolicy", "This queue is itself the terminal dead-letter queue, alarmed on any message."),
    ],
    "Gateway/Api/Default/v1/health/GET": [
        ("AwsSolutions-APIG4", "The health check is public by design and returns only service status, no tenant data."),
        ("AwsSolutions-COG4", "The health check is public by design and carries no tenant data."),
    ],
    **{
        f"Functions/{name}": [
            ("AwsSolutions-L1", RUNTIME),
            ("Serverless-LambdaLatestVersion", RUNTIME),
            *((rule, NO_VPC) for rule in _in_packs("LambdaInsideVPC")),
        ]
        + (
            [("Serverless-LambdaDLQ", SYNC_DLQ), *((rule, SYNC_DLQ) for rule in _in_packs("LambdaDLQ") if "PCI" not in rule)]
            if name in API_FUNCTIONS
            else []
        )
        for name in ALL_FUNCTIONS
    },
}
NO_BACKUP = (
    "This region's compliance frameworks do not require AWS Backup; tables keep 35 days of point-in-time recovery, "
    "deletion protection and RETAIN."
)


def all_acknowledgements() -> list[tuple[str, str]]:
    """Every (rule, reason) pair this module can apply, for review and for the reason-quality test."""
    pairs = [*STACK_WIDE, *WILDCARDS, *WILDCARD_PREFIXES, *(pair for rules in BY_PATH.values() for pair in rules)]
    return pairs + [(rule, NO_BACKUP) for rule in _in_packs("DynamoDBInBackupPlan")]


def acknowledge_findings(stack: Stack, *, backup_plan: bool, config: RegionConfig) -> None:
    stack_rules = list(STACK_WIDE)
    if not backup_plan:
        stack_rules += [(rule, NO_BACKUP) for rule in _in_packs("DynamoDBInBackupPlan") if "PCI" not in rule]
    _acknowledge(stack, stack_rules)
    for path, rules in BY_PATH.items():
        _acknowledge(stack.node.find_child(path) if "/" not in path else _find(stack, path), rules)
    functions = stack.node.find_child("Functions")
    wildcard_ids = [rule for rule, _ in WILDCARDS]
    _acknowledge(functions, WILDCARDS)
    _acknowledge_prefixed(stack, WILDCARD_PREFIXES, known=wildcard_ids, config=config)


def _find(stack: Stack, path: str):
    node = stack
    for part in path.split("/"):
        node = node.node.find_child(part)
    return node


def _acknowledge(scope, rules: list[tuple[str, str]]) -> None:
    """Validation ids are ``<pack>::<rule>``; the pack is the rule id's part before its first hyphen."""
    if rules:
        Validations.of(scope).acknowledge(
            *(Acknowledgment(id=f"{rule_id.split('-', 1)[0]}::{rule_id}", reason=reason) for rule_id, reason in rules)
        )


def _acknowledge_prefixed(stack: Stack, prefixes: list[tuple[str, str]], *, known: list[str], config: RegionConfig) -> None:
    """Findings whose id embeds a logical id or region are acknowledged by computing the exact id per stack."""
    region = stack.region
    tokens = {
        "AwsSolutions-IAM5[Resource::<TablesTenants": [f"AwsSolutions-IAM5[Resource::<{stack.get_logical_id(stack.node.find_child('Tables').node.find_child('Tenants').node.default_child)}.Arn>/index/*]"],
        "AwsSolutions-IAM5[Resource::<StorageBucket": [
            f"AwsSolutions-IAM5[Resource::<{stack.get_logical_id(_find(stack, 'Storage/Bucket').node.default_child)}.Arn>/{suffix}]"
            for suffix in ("*", "digests/*", "exports/*", "reports/*")
        ],
        "AwsSolutions-IAM5[Resource::arn:aws:bedrock:": [
            f"AwsSolutions-IAM5[Resource::arn:aws:bedrock:*::foundation-model/{profile_model(profile)}]"
            for profile in bedrock_routes(config, "geo", "global")
        ],
        "AwsSolutions-IAM5[Resource::arn:aws:secretsmanager:": [
            f"AwsSolutions-IAM5[Resource::arn:aws:secretsmanager:{region}:<AWS::AccountId>:secret:cloakr/upstream*]"
        ],
        "AwsSolutions-IAM5[Resource::arn:aws:kms:": [f"AwsSolutions-IAM5[Resource::arn:aws:kms:{region}:<AWS::AccountId>:key/*]"],
        "AwsSolutions-IAM5[Resource::arn:aws:scheduler:": [
            f"AwsSolutions-IAM5[Resource::arn:aws:scheduler:{region}:<AWS::AccountId>:schedule/cloakr-reports/*]"
        ],
    }
    functions = stack.node.find_child("Functions")
    for prefix, reason in prefixes:
        _acknowledge(functions, [(rule_id, reason) for rule_id in tokens[prefix] if rule_id not in known])
