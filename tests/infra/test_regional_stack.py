"""What every regional stack must contain, checked on the synthesized templates of all five regions."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match
from cloakr.config.regions import load_regions
from cloakr.constants import (
    INCIDENT_DETAIL_TYPE,
    INCIDENT_SOURCE,
    KMS_ROTATION_DAYS,
    PREFIX_DIGESTS,
    PREFIX_EXPORTS,
    PREFIX_REPORTS,
    SUPPORTED_REGIONS,
    TABLES,
)

from .conftest import ROOT

pytestmark = pytest.mark.infra
CONFIGS = load_regions(ROOT / "regions")


def resources(synth, region: str, cfn_type: str) -> dict[str, dict]:
    return {k: v for k, v in synth.raw[region]["Resources"].items() if v["Type"] == cfn_type}


def test_one_stack_per_region(synth):
    assert sorted(synth.templates) == sorted(SUPPORTED_REGIONS)
    for stack in synth.assembly.stacks:
        assert stack.environment.region == stack.stack_name.removeprefix("Cloakr-")


def test_kms_keys(synth, region):
    keys = resources(synth, region, "AWS::KMS::Key")
    symmetric = [k for k in keys.values() if "KeySpec" not in k["Properties"]]
    signing = [k for k in keys.values() if k["Properties"].get("KeySpec") == "ECC_NIST_P256"]
    assert len(symmetric) == 1 and len(signing) == 1
    assert symmetric[0]["Properties"]["EnableKeyRotation"] is True
    assert symmetric[0]["Properties"]["RotationPeriodInDays"] == KMS_ROTATION_DAYS
    assert signing[0]["Properties"]["KeyUsage"] == "SIGN_VERIFY"
    assert all(k["DeletionPolicy"] == "Retain" for k in keys.values())
    for key in keys.values():
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            assert statement["Effect"] == "Allow" and statement["Principal"] not in ("*", {"AWS": "*"})
            if _is_account_root(statement["Principal"]) and not statement.get("Condition"):
                # The account administers the keys but reaches data only through conditions or named roles.
                assert not {"kms:*", "kms:Decrypt", "kms:Sign", "kms:GenerateDataKey"} & set(_actions(statement))
    roles = resources(synth, region, "AWS::IAM::Role")
    direct = _role_statements(symmetric[0], roles)
    assert set(direct) == {"redact", "chat", "admin"}
    assert all(actions == {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"} for actions in direct.values())
    assert _role_statements(signing[0], roles) == {"audit_digest": {"kms:Sign"}}


def _actions(statement: dict) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def _is_account_root(principal: dict) -> bool:
    return ":root" in json.dumps(principal.get("AWS", ""))


def _role_statements(key: dict, roles: dict[str, dict]) -> dict[str, set[str]]:
    """Function name -> actions granted by key-policy statements whose principal is one of the stack's roles."""
    granted: dict[str, set[str]] = {}
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        principals = statement["Principal"].get("AWS", [])
        for role in principals if isinstance(principals, list) else [principals]:
            if isinstance(role, dict) and "Fn::GetAtt" in role:
                name = roles[role["Fn::GetAtt"][0]]["Properties"]["Description"].split()[1]  # "Cloakr <fn> function"
                granted.setdefault(name, set()).update(_actions(statement))
    return granted


def test_tables_are_encrypted_recoverable_and_single_region(synth, region):
    tables = resources(synth, region, "AWS::DynamoDB::Table")
    assert len(tables) == len(TABLES)
    for table in tables.values():
        props = table["Properties"]
        assert props["SSESpecification"]["SSEType"] == "KMS" and props["SSESpecification"]["SSEEnabled"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["DeletionProtectionEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"
        assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
        assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]
        assert "Replicas" not in props
    assert not resources(synth, region, "AWS::DynamoDB::GlobalTable")
    indexes = [i["IndexName"] for t in tables.values() for i in t["Properties"].get("GlobalSecondaryIndexes", [])]
    assert indexes == ["by-key-hash"]


def test_bucket_is_locked_down(synth, region):
    template = synth.templates[region]
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "ObjectLockEnabled": True,
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like(
                {"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})}
            )]},
            "LoggingConfiguration": Match.object_like({"DestinationBucketName": Match.any_value()}),
        },
    )
    policies = resources(synth, region, "AWS::S3::BucketPolicy").values()
    assert len(policies) == 2
    for policy in policies:
        denies = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert any(s["Condition"].get("Bool", {}).get("aws:SecureTransport") == "false" for s in denies)


def _audit_bucket(synth, region: str) -> dict:
    [bucket] = [b["Properties"] for b in resources(synth, region, "AWS::S3::Bucket").values() if b["Properties"].get("ObjectLockEnabled")]
    return bucket


def test_bucket_lifecycle_expires_download_copies_and_aborts_orphaned_uploads(synth, region):
    from stacks.constructs import audit_bucket as ab

    bucket = _audit_bucket(synth, region)
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert all(r["Status"] == "Enabled" for r in rules.values())
    # Bucket-wide: exports stream multipart uploads, and a crashed one must not leave billed, invisible parts.
    abort = rules.pop("AbortIncompleteUploads")
    assert abort["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1} and "Prefix" not in abort
    expected = {PREFIX_EXPORTS: ab.EXPORT_OBJECT_DAYS, PREFIX_REPORTS: ab.REPORT_OBJECT_DAYS}
    for name, prefix in (("Exports", PREFIX_EXPORTS), ("Reports", PREFIX_REPORTS)):
        expire, markers = rules.pop(f"Expire{name}"), rules.pop(f"Remove{name}DeleteMarkers")
        assert expire["Prefix"] == markers["Prefix"] == prefix
        assert expire["ExpirationInDays"] == expected[prefix]
        # Versioned: the expiry is a delete marker; the data goes once noncurrent, after the default lock has passed.
        assert expire["NoncurrentVersionExpiration"] == {"NoncurrentDays": ab.NONCURRENT_DAYS}
        assert markers["ExpiredObjectDeleteMarker"] is True and "ExpirationInDays" not in markers
    assert rules == {}  # nothing else expires: digests live under their own COMPLIANCE retention
    lock = bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert lock == {"Mode": "GOVERNANCE", "Days": ab.DEFAULT_LOCK_DAYS}
    assert min(expected.values()) > ab.DEFAULT_LOCK_DAYS

def test_functions(synth, region):
    functions = resources(synth, region, "AWS::Lambda::Function")
    ours = {k: v for k, v in functions.items() if v["Properties"].get("Handler") == "handler.handler"}
    assert len(ours) == 6
    roles = set()
    for fn in ours.values():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.13" and props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["ReservedConcurrentExecutions"] >= 1
        assert "LogGroup" in props["LoggingConfig"]
        assert props["Environment"]["Variables"]["CLOAKR_REGION"] == region
        assert json.loads(props["Environment"]["Variables"]["CLOAKR_REGION_CONFIG"])["region"] == region
        assert len(props["Layers"]) == 1
        roles.add(json.dumps(props["Role"]))
    assert len(roles) == 6, "each function has its own role"
    scheduled = [f for f in ours.values() if "DeadLetterConfig" in f["Properties"]]
    assert len(scheduled) == 2


def test_every_route_but_health_is_authorized(synth, region):
    methods = resources(synth, region, "AWS::ApiGateway::Method")
    resources_by_id = resources(synth, region, "AWS::ApiGateway::Resource")
    open_methods = [
        resources_by_id[m["Properties"]["ResourceId"]["Ref"]]["Properties"]["PathPart"]
        for m in methods.values()
        if m["Properties"]["AuthorizationType"] != "CUSTOM"
    ]
    assert open_methods == ["health"]
    assert len(methods) > 20
    [authorizer] = resources(synth, region, "AWS::ApiGateway::Authorizer").values()
    assert authorizer["Properties"]["Type"] == "REQUEST"


def _identity_sources(synth, region: str) -> list[str]:
    [authorizer] = resources(synth, region, "AWS::ApiGateway::Authorizer").values()
    return [s.strip() for s in authorizer["Properties"]["IdentitySource"].split(",")]


def test_authorizer_decisions_are_cached_per_key_and_route(synth, region):
    """The authorizer decides per key and route (scope), so API Gateway's decision cache is keyed by both; the end
    user is not part of it (a missing header source is a 401 before the authorizer), and the authorizer does not
    decide on it."""
    [authorizer] = resources(synth, region, "AWS::ApiGateway::Authorizer").values()
    assert authorizer["Properties"]["AuthorizerResultTtlInSeconds"] > 0  # cached: the key must be right
    assert sorted(_identity_sources(synth, region)) == sorted(
        ["method.request.header.Authorization", "context.httpMethod", "context.resourcePath"])


class _CachingGateway:
    """API Gateway in front of the real authorizer: decisions cached by the synthesized identity sources."""

    ARN = "arn:aws:execute-api:eu-central-1:123456789012:api1/prod"

    def __init__(self, identity_sources: list[str]) -> None:
        self.identity_sources = identity_sources
        self.cache: dict[tuple[str, ...], dict] = {}

    def _source(self, name: str, method: str, resource: str, headers: dict[str, str]) -> str:
        values = {"context.httpMethod": method, "context.resourcePath": resource}
        if name.startswith("method.request.header."):
            return headers[name.removeprefix("method.request.header.")]
        return values[name]

    def allows(self, key: str, method: str, resource: str, **headers: str) -> bool:
        import fnmatch

        from cloakr.gateway import authorizer
        from tests.conftest import make_api_event

        headers = {"Authorization": f"Bearer {key}", **{k.replace("_", "-"): v for k, v in headers.items()}}
        method_arn = f"{self.ARN}/{method}{resource}"
        cache_key = tuple(self._source(n, method, resource, headers) for n in self.identity_sources)
        if cache_key not in self.cache:
            event = make_api_event(method, resource, headers=headers)
            self.cache[cache_key] = authorizer.authorize({**event, "methodArn": method_arn})
        statement = self.cache[cache_key]["policyDocument"]["Statement"][0]
        granted = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        return statement["Effect"] == "Allow" and any(fnmatch.fnmatchcase(method_arn, r) for r in granted)


def test_a_cached_denial_does_not_spill_to_other_routes_or_end_users(synth, services):
    """A key denied one route (scope) within the cache's lifetime still reaches its other routes, and a blocked end
    user of a key does not block the key's other users (the functions refuse the blocked one)."""
    from cloakr.gateway.services import services as built
    from cloakr.tenants.blocks import block_user

    tenant_id = services.tenant.tenant_id
    block_user(services.table("subjects"), tenant_id, built().user_key(tenant_id, "user-7"), "admin")
    _, key = built().tenants.create_key(services.tenant.tenant_id, ["redact:write"])
    gateway = _CachingGateway(_identity_sources(synth, "eu-central-1"))
    assert not gateway.allows(key, "POST", "/v1/chat/completions")
    assert gateway.allows(key, "POST", "/v1/redact")
    assert not gateway.allows(key, "POST", "/v1/chat/completions")
    assert gateway.allows(key, "POST", "/v1/redact", X_Cloakr_User="user-7")  # refused by the function, not here
    assert gateway.allows(key, "POST", "/v1/redact", X_Cloakr_User="user-8")


def test_api_stage_and_tls(synth, region):
    template = synth.templates[region]
    template.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {"EndpointConfiguration": {"Types": ["REGIONAL"]}, "SecurityPolicy": "SecurityPolicy_TLS13_1_2_PQ_2025_09"},
    )
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "TracingEnabled": True,
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": [Match.object_like({"DataTraceEnabled": False, "ThrottlingRateLimit": Match.any_value()})],
        },
    )


def test_every_gateway_error_is_json_without_detail(synth, region):
    """API Gateway's own refusals (no key, throttled, authorizer down, body too large) answer the same
    ``{"error": {"code", "message"}}`` JSON with the security headers as the handlers; a failed authorizer is a
    retryable 503, never a bare 500."""
    responses = {r["Properties"]["ResponseType"]: r["Properties"] for r in resources(synth, region, "AWS::ApiGateway::GatewayResponse").values()}
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX", "AUTHORIZER_FAILURE",
            "AUTHORIZER_CONFIGURATION_ERROR", "REQUEST_TOO_LARGE", "BAD_REQUEST_BODY"} <= set(responses)
    for response_type, props in responses.items():
        body = json.loads(props["ResponseTemplates"]["application/json"])
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, response_type
        headers = props["ResponseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == "'application/json'"
        assert "gatewayresponse.header.Strict-Transport-Security" in headers
    assert responses["AUTHORIZER_FAILURE"]["StatusCode"] == "503"
    assert json.loads(responses["AUTHORIZER_FAILURE"]["ResponseTemplates"]["application/json"])["error"]["code"] == "authorizer_unavailable"


def test_waf(synth, region):
    acl = next(iter(resources(synth, region, "AWS::WAFv2::WebACL").values()))["Properties"]
    names = {r["Name"] for r in acl["Rules"]}
    assert {
        "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesAmazonIpReputationList", "RatePerIp", "BodySize",
    } <= names
    rate = next(r for r in acl["Rules"] if r["Name"] == "RatePerIp")
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == CONFIGS[region].waf_rate_limit
    assert resources(synth, region, "AWS::WAFv2::WebACLAssociation")
    logging = next(iter(resources(synth, region, "AWS::WAFv2::LoggingConfiguration").values()))
    assert logging["Properties"]["LogDestinationConfigs"]
    synth.templates[region].has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": f"aws-waf-logs-cloakr-{region}"}
    )


def test_alarms_and_incidents(synth, region):
    template = synth.templates[region]
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": CONFIGS[region].alarm_email}
    )
    template.has_resource_properties(
        "AWS::Events::Rule", {"EventPattern": {"source": [INCIDENT_SOURCE], "detail-type": [INCIDENT_DETAIL_TYPE]}}
    )
    assert len(resources(synth, region, "AWS::CloudWatch::Alarm")) >= 5


def test_backup_only_where_frameworks_require_it(synth, region):
    plans = resources(synth, region, "AWS::Backup::BackupPlan")
    assert bool(plans) == CONFIGS[region].backup_required
    assert resources(synth, "us-east-1", "AWS::Backup::BackupPlan"), "HIPAA requires AWS Backup"
    assert not resources(synth, "eu-central-1", "AWS::Backup::BackupPlan")
    if plans:
        selections = resources(synth, region, "AWS::Backup::BackupSelection").values()
        tables = set(resources(synth, region, "AWS::DynamoDB::Table"))
        arns = [r["Fn::GetAtt"][0] for s in selections for r in s["Properties"]["BackupSelection"]["Resources"]]
        assert sorted(arns) == sorted(tables)


def test_nothing_refers_to_another_region(synth, region):
    text = json.dumps(synth.raw[region]["Resources"])
    for other in SUPPORTED_REGIONS:
        if other != region:
            assert other not in text


def test_report_schedules(synth, region):
    """Tenants' monthly reports: a schedule group, a role only the scheduler of this account and group can assume,
    allowed to invoke the reports function alone; the admin function creates schedules and passes only that role."""
    template = synth.templates[region]
    template.has_resource_properties("AWS::Scheduler::ScheduleGroup", {"Name": "cloakr-reports"})
    roles = resources(synth, region, "AWS::IAM::Role")
    [scheduler_role] = [r for r in roles.values()
                        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service") == "scheduler.amazonaws.com"]
    condition = scheduler_role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert "aws:SourceAccount" in condition["StringEquals"] and "aws:SourceArn" in condition["ArnLike"]
    statements = [s for p in resources(synth, region, "AWS::IAM::Policy").values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    passes = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert len(passes) == 1 and passes[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    admin = [f for f in resources(synth, region, "AWS::Lambda::Function").values()
             if "CLOAKR_SCHEDULE_GROUP" in f["Properties"].get("Environment", {}).get("Variables", {})]
    assert len(admin) == 1 and {"CLOAKR_REPORTS_FUNCTION_ARN", "CLOAKR_SCHEDULER_ROLE_ARN", "CLOAKR_SCHEDULE_DLQ_ARN"} <= set(admin[0]["Properties"]["Environment"]["Variables"])
    # Only the digest runs on a fixed EventBridge rate; reports run when tenants' schedules say.
    rates = [r for r in resources(synth, region, "AWS::Events::Rule").values() if "ScheduleExpression" in r["Properties"]]
    assert len(rates) == 1


def test_request_bodies_are_checked_at_the_edge(synth, region):
    """Bodies with required fields have an API Gateway model, so malformed ones never reach a function."""
    models = {m["Properties"]["Name"]: m["Properties"]["Schema"] for m in resources(synth, region, "AWS::ApiGateway::Model").values()}
    keys = models["PostV1KeysBody"]
    assert keys["required"] == ["scopes"] and keys["additionalProperties"] is False and "expires_in_days" in keys["properties"]
    assert models["PostV1ChatCompletionsBody"]["required"] == ["messages", "model"]
    assert "additionalProperties" not in models["PostV1ChatCompletionsBody"] or models["PostV1ChatCompletionsBody"]["additionalProperties"]
    methods = [m["Properties"] for m in resources(synth, region, "AWS::ApiGateway::Method").values()]
    with_models = [m for m in methods if m.get("RequestModels")]
    assert len(with_models) == len(models) and all(m.get("RequestValidatorId") for m in with_models)


# Resource policies: who outside the account's IAM may act on a resource. Role trust policies are not among them
# (a service assuming a role acts with the role's own, scoped permissions).
RESOURCE_POLICIES = {"AWS::KMS::Key": "KeyPolicy", "AWS::SNS::TopicPolicy": "PolicyDocument",
                     "AWS::SQS::QueuePolicy": "PolicyDocument", "AWS::S3::BucketPolicy": "PolicyDocument"}


def test_no_resource_policy_grants_a_service_without_a_condition(synth, region):
    """A service principal allowed on a resource with no aws:SourceArn / aws:SourceAccount (or other) condition
    acts for any account (confused deputy): e.g. any account's EventBridge rule could publish to the incident topic
    and use the data key. Lambda permissions for services must name their source the same way."""
    unconditioned = []
    for logical_id, resource in synth.raw[region]["Resources"].items():
        field = RESOURCE_POLICIES.get(resource["Type"])
        if field:
            for statement in resource["Properties"][field]["Statement"]:
                principal = statement.get("Principal")
                if statement["Effect"] == "Allow" and isinstance(principal, dict) and "Service" in principal \
                        and not statement.get("Condition"):
                    unconditioned.append((logical_id, principal["Service"], statement["Action"]))
        if resource["Type"] == "AWS::Lambda::Permission" and resource["Properties"]["Principal"].endswith(".amazonaws.com"):
            if not {"SourceArn", "SourceAccount"} & set(resource["Properties"]):
                unconditioned.append((logical_id, resource["Properties"]["Principal"], resource["Properties"]["Action"]))
    assert unconditioned == []


def test_incidents_reach_the_topic_through_a_role_of_this_account(synth, region):
    """EventBridge publishes incidents with a role (not a grant to the service on the topic and key), and only
    EventBridge rules of this account and region can assume it."""
    roles = resources(synth, region, "AWS::IAM::Role")
    rules = [r["Properties"] for r in resources(synth, region, "AWS::Events::Rule").values() if "EventPattern" in r["Properties"]]
    role_ids = {t["RoleArn"]["Fn::GetAtt"][0] for r in rules for t in r["Targets"]}
    assert len(rules) == 2 and len(role_ids) == 1
    [trust] = roles[role_ids.pop()]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"] and "aws:SourceArn" in trust["Condition"]["ArnLike"]


def test_access_logs_expire_with_their_old_versions_and_delete_markers(synth, region):
    """The access-log bucket is versioned: an expiry only adds a delete marker, so the old versions must expire
    too, and the markers left behind be removed."""
    from stacks.constructs import audit_bucket as ab

    [logs] = [b["Properties"] for b in resources(synth, region, "AWS::S3::Bucket").values()
              if not b["Properties"].get("ObjectLockEnabled")]
    assert logs["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = logs["LifecycleConfiguration"]["Rules"]
    assert all(r["Status"] == "Enabled" and "Prefix" not in r for r in rules)
    [expire] = [r for r in rules if "ExpirationInDays" in r]
    assert expire["ExpirationInDays"] == CONFIGS[region].audit_retention_days
    assert expire["NoncurrentVersionExpiration"] == {"NoncurrentDays": ab.NONCURRENT_DAYS}
    assert any(r.get("ExpiredObjectDeleteMarker") is True for r in rules)


def _bucket_paths(resource, bucket_id: str) -> list[str]:
    """The object paths (``exports/*``; ``""`` for the bucket itself) a statement's resources name in the bucket."""
    paths = []
    for item in resource if isinstance(resource, list) else [resource]:
        if item == {"Fn::GetAtt": [bucket_id, "Arn"]}:
            paths.append("")
        elif isinstance(item, dict) and "Fn::Join" in item and item["Fn::Join"][1][0] == {"Fn::GetAtt": [bucket_id, "Arn"]}:
            paths.append("".join(item["Fn::Join"][1][1:]).lstrip("/"))
    return paths


def _bucket_writes(synth, region: str) -> dict[str, set[str]]:
    """Function name -> the bucket paths on which its role may put or delete objects."""
    [bucket_id] = [k for k, b in resources(synth, region, "AWS::S3::Bucket").items() if b["Properties"].get("ObjectLockEnabled")]
    roles = resources(synth, region, "AWS::IAM::Role")
    writes: dict[str, set[str]] = {}
    for policy in resources(synth, region, "AWS::IAM::Policy").values():
        role = roles[policy["Properties"]["Roles"][0]["Ref"]]["Properties"].get("Description", "")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if any(a.startswith(("s3:Put", "s3:Delete", "s3:*")) for a in _actions(statement)):
                for path in _bucket_paths(statement["Resource"], bucket_id):
                    writes.setdefault(role.split()[1], set()).add(path)
    return writes


def test_only_the_digest_job_writes_digests_and_admin_writes_only_its_copies(synth, region):
    """Admin may put and delete only the download copies it makes (exports/, reports/), never a digest; each
    scheduled job writes only under its own prefix."""
    assert _bucket_writes(synth, region) == {
        "admin": {f"{PREFIX_EXPORTS}*", f"{PREFIX_REPORTS}*"},
        "audit_digest": {f"{PREFIX_DIGESTS}*"},
        "reports": {f"{PREFIX_REPORTS}*"},
    }


def _bedrock_statements(synth, region: str) -> list[dict]:
    return [s for p in resources(synth, region, "AWS::IAM::Policy").values() for s in p["Properties"]["PolicyDocument"]["Statement"]
            if any(a.startswith("bedrock:") for a in _actions(s))]


def test_bedrock_access_follows_the_region_config(synth, region):
    """The chat role may invoke only the config's Bedrock models, as far as the region's routings allow: in-region
    models in this region; geo/global profiles (where allowed) in this region, their foundation model elsewhere only
    through that profile. No model or profile wildcard, and nothing for a routing the region does not allow."""
    config = CONFIGS[region]
    granted: dict[str, dict | None] = {}
    for statement in _bedrock_statements(synth, region):
        for resource in statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]:
            text = resource if isinstance(resource, str) else "".join(
                p if isinstance(p, str) else "<account>" for p in resource["Fn::Join"][1])
            granted[text] = statement.get("Condition")
    expected: dict[str, dict | None] = {}
    for model in config.models:
        model_id = model.upstream_id or model.id
        if model.provider != "bedrock" or model.routing not in config.allowed_routings:
            continue
        if model.routing == "in-region":
            expected[f"arn:aws:bedrock:{region}::foundation-model/{model_id}"] = None
        else:
            profile = f"arn:aws:bedrock:{region}:<account>:inference-profile/{model_id}"
            expected[profile] = None
            expected[f"arn:aws:bedrock:*::foundation-model/{model_id.split('.', 1)[1]}"] = "via-profile"
    assert set(granted) == set(expected)
    for resource, condition in granted.items():
        if expected[resource] == "via-profile":
            arn = condition["StringEquals"]["bedrock:InferenceProfileArn"]
            assert ":inference-profile/" in "".join(p if isinstance(p, str) else "" for p in arn["Fn::Join"][1])
        else:
            assert condition is None and "*" not in resource
    if config.allowed_routings == ("in-region",):
        assert not any("inference-profile" in r or ":*:" in r for r in granted)


def test_bedrock_routing_the_region_does_not_allow_gets_no_permission():
    """us-east-1 lists a global-profile model but allows only in-region and geo routing: no grant for it."""
    from stacks.constructs.gateway_functions import bedrock_routes

    config = CONFIGS["us-east-1"]
    assert any(m.routing == "global" for m in config.models) and "global" not in config.allowed_routings
    assert not [m for m in bedrock_routes(config, "geo", "global") if m.startswith("global.")]
    assert bedrock_routes(CONFIGS["ap-south-1"], "geo", "global") == []
