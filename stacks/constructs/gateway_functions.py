"""The six Lambda functions, each with its own role, log group and only the grants its job needs.

API functions share one code asset (``lambdas/api``) and differ in routes and permissions; the two scheduled jobs
run from EventBridge with a dead-letter queue so a failed digest or report is kept and alarmed on, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cloakr import constants as c
from cloakr.config.regions import RegionConfig
from cloakr.constants import TENANT_KEY_TAG
from stacks.constructs.encryption_keys import ENVELOPE_ACTIONS, grant_key_use
from stacks.constructs.service_roles import service_role

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
LOG_RETENTION = logs.RetentionDays.ONE_YEAR
# Tenants' monthly report schedules (EventBridge Scheduler) live in this group, one group per regional stack.
REPORT_SCHEDULE_GROUP = "cloakr-reports"


# Converse and ConverseStream are authorised by these two actions.
BEDROCK_INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def bedrock_routes(config: RegionConfig, *routings: str) -> list[str]:
    """Bedrock model ids (as sent upstream) of the config's models whose routing is one of ``routings`` and allowed
    in the region; a model whose routing the region does not allow is never callable, so it gets no permission."""
    return sorted({m.upstream_id or m.id for m in config.models
                   if m.provider == "bedrock" and m.routing in routings and m.routing in config.allowed_routings})


def profile_model(profile_id: str) -> str:
    """The foundation model behind a cross-region inference profile: its id without the geography prefix
    (``eu.anthropic.claude-...`` -> ``anthropic.claude-...``; ``global.`` likewise)."""
    return profile_id.split(".", 1)[1]


def bedrock_statements(config: RegionConfig, partition: str, region: str, account: str) -> list[iam.PolicyStatement]:
    """The chat role's Bedrock permissions, derived from the region config. In-region models: that foundation model
    in this region. Geo/global models (allowed only where the region allows that routing): the inference profile in
    this region, and its foundation model in whichever region the profile sends the request to (Bedrock picks it),
    but only when invoked through that profile (``bedrock:InferenceProfileArn``), never directly."""
    statements = []
    in_region = bedrock_routes(config, "in-region")
    if in_region:
        statements.append(iam.PolicyStatement(
            actions=BEDROCK_INVOKE, resources=[f"arn:{partition}:bedrock:{region}::foundation-model/{m}" for m in in_region]))
    for profile in bedrock_routes(config, "geo", "global"):
        profile_arn = f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{profile}"
        statements.append(iam.PolicyStatement(actions=BEDROCK_INVOKE, resources=[profile_arn]))
        statements.append(iam.PolicyStatement(
            actions=BEDROCK_INVOKE, resources=[f"arn:{partition}:bedrock:*::foundation-model/{profile_model(profile)}"],
            conditions={"StringEquals": {"bedrock:InferenceProfileArn": profile_arn}}))
    return statements


@dataclass(frozen=True)
class FunctionSpec:
    """What differs between the functions; everything else (runtime, tracing, logging) is shared."""

    name: str
    asset: str
    memory_mb: int
    timeout_s: int
    reserved_concurrency: int


SPECS = (
    FunctionSpec("authorizer", "authorizer", 512, 10, 20),
    FunctionSpec("redact", "api", 1024, 29, 20),
    FunctionSpec("chat", "api", 1024, 29, 20),
    FunctionSpec("admin", "api", 512, 29, 5),
    FunctionSpec("audit_digest", "audit_digest", 512, 300, 1),
    FunctionSpec("reports", "reports", 512, 300, 1),
)
SCHEDULED = ("audit_digest", "reports")
# The bucket prefixes the admin function writes: audit exports (cloakr.audit.exports) and on-demand compliance
# reports (cloakr.compliance.reports). Digests (PREFIX_DIGESTS) are written by the digest job alone.
ADMIN_WRITES = (c.PREFIX_EXPORTS, c.PREFIX_REPORTS)


class GatewayFunctions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: RegionConfig,
        layer: lambda_.ILayerVersion,
        data_key: kms.IKey,
        signing_key: kms.IKey,
        tables: dict[str, dynamodb.Table],
        bucket: s3.IBucket,
        incident_bus: events.IEventBus,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.config = config
        environment = {
            "POWERTOOLS_SERVICE_NAME": c.SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": c.METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            c.ENV_REGION: config.region,
            c.ENV_REGION_CONFIG: config.to_json(),
            c.ENV_AUDIT_TABLE: tables[c.TABLE_AUDIT].table_name,
            c.ENV_TENANTS_TABLE: tables[c.TABLE_TENANTS].table_name,
            c.ENV_VAULT_TABLE: tables[c.TABLE_VAULT].table_name,
            c.ENV_SUBJECTS_TABLE: tables[c.TABLE_SUBJECTS].table_name,
            c.ENV_BUCKET: bucket.bucket_name,
            c.ENV_DATA_KEY_ID: data_key.key_arn,
            c.ENV_SIGNING_KEY_ID: signing_key.key_arn,
            c.ENV_EVENT_BUS: incident_bus.event_bus_name,
        }
        self.dead_letters = sqs.Queue(
            self,
            "ScheduledDeadLetters",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=data_key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.functions: dict[str, lambda_.Function] = {}
        for spec in SPECS:
            log_group = logs.LogGroup(
                self,
                f"{spec.name}-logs",
                encryption_key=data_key,
                retention=LOG_RETENTION,
                removal_policy=RemovalPolicy.RETAIN,
            )
            role = iam.Role(
                self,
                f"{spec.name}-role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Cloakr {spec.name} function ({config.region})",
            )
            fn = lambda_.Function(
                self,
                spec.name,
                runtime=lambda_.Runtime.PYTHON_3_13,
                architecture=lambda_.Architecture.ARM_64,
                handler="handler.handler",
                code=lambda_.Code.from_asset(str(LAMBDAS_DIR / spec.asset), exclude=["**/__pycache__"]),
                layers=[layer],
                memory_size=spec.memory_mb,
                timeout=Duration.seconds(spec.timeout_s),
                reserved_concurrent_executions=spec.reserved_concurrency,
                tracing=lambda_.Tracing.ACTIVE,
                role=role,
                log_group=log_group,
                environment=environment,
                environment_encryption=data_key,
                dead_letter_queue=self.dead_letters if spec.name in SCHEDULED else None,
                retry_attempts=2 if spec.name in SCHEDULED else None,
                on_failure=destinations.SqsDestination(self.dead_letters) if spec.name in SCHEDULED else None,
            )
            # Logs are written through the function's own log group only (no logs:CreateLogGroup anywhere).
            log_group.grant_write(role)
            self.functions[spec.name] = fn
        self._grant(tables, bucket, data_key, signing_key, incident_bus, stack)
        self._schedule(config)

    def _grant(self, tables, bucket, data_key, signing_key, incident_bus, stack: Stack) -> None:
        f = self.functions
        audit, tenants, vault, subjects = (tables[n] for n in c.TABLES)
        # The request path (authorizer, redact, chat) writes audit records of what it refuses or serves and counts
        # incident signals in the subjects table (counters, incident items, automatic blocks).
        for name in ("authorizer", "redact", "chat"):
            audit.grant_write_data(f[name])
            tenants.grant_read_data(f[name])
            subjects.grant_read_write_data(f[name])
            incident_bus.grant_put_events_to(f[name])
        # Chat keeps conversation token maps in the vault; every POST route keeps idempotent answers there.
        for name in ("redact", "chat"):
            vault.grant_read_write_data(f[name])
        for table in tables.values():
            table.grant_read_write_data(f["admin"])
        # Admin reads the whole bucket (digests to verify the trail, exports and reports to hand out) but writes
        # and deletes only the download copies it makes: never a digest, whatever its lock.
        bucket.grant_read(f["admin"])
        for prefix in ADMIN_WRITES:
            bucket.grant_put(f["admin"], prefix + "*")
            bucket.grant_delete(f["admin"], prefix + "*")
        signing_key.grant(f["admin"], "kms:Verify", "kms:GetPublicKey", "kms:DescribeKey")
        data_key.grant(f["admin"], "kms:DescribeKey", "kms:GetKeyRotationStatus")
        incident_bus.grant_put_events_to(f["admin"])
        for name, prefix in (("audit_digest", c.PREFIX_DIGESTS), ("reports", c.PREFIX_REPORTS)):
            audit.grant_read_data(f[name])
            tenants.grant_read_data(f[name])
            bucket.grant_put(f[name], prefix + "*")
            bucket.grant_read(f[name])
        # Reports: an audit record per report, the report's index item, incidents from the subjects table.
        audit.grant_write_data(f["reports"])
        subjects.grant_read_data(f["reports"])
        f["audit_digest"].add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObjectRetention"], resources=[bucket.arn_for_objects(c.PREFIX_DIGESTS + "*")])
        )
        grant_key_use(signing_key, f["audit_digest"].role, "kms:Sign")
        signing_key.grant(f["audit_digest"], "kms:GetPublicKey")
        # Envelope encryption of vault entries and stored payloads (encryption context binds tenant and region).
        for name in ("redact", "chat", "admin"):
            grant_key_use(data_key, f[name].role, *ENVELOPE_ACTIONS)
        # Tenants' own keys (BYOK): any customer key of this account and region, but only for data keys whose
        # encryption context is Cloakr's (tenant, region, purpose) in this region, and only keys tagged for Cloakr.
        # The tenant's key policy must also name these roles (docs/deploy.md), so no key is usable by default.
        tenant_keys = f"arn:{stack.partition}:kms:{stack.region}:{stack.account}:key/*"
        for name in ("redact", "chat", "admin"):
            f[name].add_to_role_policy(iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[tenant_keys],
                conditions={"StringEquals": {"kms:EncryptionContext:region": stack.region},
                            "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["tenant_id", "region", "purpose"]}},
            ))
            f[name].add_to_role_policy(iam.PolicyStatement(
                actions=["kms:DescribeKey"], resources=[tenant_keys],
                conditions={"Null": {f"aws:ResourceTag/{TENANT_KEY_TAG}": "false"}},
            ))
        # Only the Bedrock models the region's config lets callers name, and only as far as its routings allow: the
        # gateway enforces routing per request, and IAM holds the same line if it is ever bypassed.
        for statement in bedrock_statements(self.config, stack.partition, stack.region, stack.account):
            f["chat"].add_to_role_policy(statement)
        # The upstream key for an OpenAI-compatible provider lives in this region's Secrets Manager under cloakr/.
        f["chat"].add_to_role_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[f"arn:{stack.partition}:secretsmanager:{stack.region}:{stack.account}:secret:cloakr/upstream*"],
            )
        )

    def _schedule(self, config: RegionConfig) -> None:
        digest_every = Duration.hours(1) if config.digest_period == "hour" else Duration.days(1)
        events.Rule(
            self,
            "audit_digest-schedule",
            schedule=events.Schedule.rate(digest_every),
            targets=[
                targets.LambdaFunction(
                    self.functions["audit_digest"],
                    dead_letter_queue=self.dead_letters,
                    retry_attempts=3,
                    max_event_age=Duration.hours(2),
                )
            ],
        )
        self._report_schedules()

    def _report_schedules(self) -> None:
        """Tenants create their monthly report schedules through the admin API; EventBridge Scheduler invokes the
        reports function with this role, and undeliverable invocations land in the dead-letter queue."""
        stack = Stack.of(self)
        reports, admin = self.functions["reports"], self.functions["admin"]
        group = scheduler.CfnScheduleGroup(self, "ReportSchedules", name=REPORT_SCHEDULE_GROUP)
        role = service_role(self, "scheduler-role", "scheduler",
                            f"arn:{stack.partition}:scheduler:{stack.region}:{stack.account}:schedule/{REPORT_SCHEDULE_GROUP}/*",
                            "EventBridge Scheduler: invoke the reports function for tenants' monthly schedules")
        # The unqualified function only (grant_invoke would add every version, ARN:*).
        role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[reports.function_arn]))
        self.dead_letters.grant_send_messages(role)
        schedules_arn = f"arn:{stack.partition}:scheduler:{stack.region}:{stack.account}:schedule/{REPORT_SCHEDULE_GROUP}/*"
        admin.add_to_role_policy(iam.PolicyStatement(
            actions=["scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:DeleteSchedule"], resources=[schedules_arn]))
        admin.add_to_role_policy(iam.PolicyStatement(actions=["scheduler:ListSchedules"], resources=["*"]))
        admin.add_to_role_policy(iam.PolicyStatement(
            actions=["iam:PassRole"], resources=[role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}))
        for name, value in ((c.ENV_SCHEDULE_GROUP, group.name), (c.ENV_REPORTS_FUNCTION_ARN, reports.function_arn),
                            (c.ENV_SCHEDULER_ROLE_ARN, role.role_arn), (c.ENV_SCHEDULE_DLQ_ARN, self.dead_letters.queue_arn)):
            admin.add_environment(name, value)
