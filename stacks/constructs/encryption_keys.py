"""KMS keys of one region: the data key (everything at rest) and the audit-digest signing key.

Rotation every 90 days is stricter than KMS's yearly default. Neither key trusts the account with ``kms:*`` (CDK's
default): the account may administer the keys, and may use the data key only through the AWS services that
encrypt this stack's resources (``kms:ViaService``); direct cryptographic use is granted in the key policy to
this stack's own function roles, by name, through :func:`grant_key_use`. An IAM policy elsewhere in the account
therefore cannot decrypt a vault entry or sign a digest.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cloakr.constants import KMS_ROTATION_DAYS

#: Managing a key (deploys, rotation, aliases, scheduled deletion) without any data access. The account root
#: keeps these so the key can never become unmanageable (KMS's lockout safety check).
ADMIN_ACTIONS = [
    "kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
]
#: Services that encrypt this stack's tables, bucket, queues, function environments and backups with the data
#: key on a caller's behalf (the caller still needs IAM permission on the resource itself).
VIA_SERVICES = ("dynamodb", "s3", "sqs", "lambda", "backup")
SERVICE_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"]
#: Envelope encryption by the gateway functions (cloakr.crypto.envelope): data keys in, wrapped keys out.
ENVELOPE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")


def grant_key_use(key: kms.IKey, role: iam.IRole, *actions: str) -> None:
    """Both halves KMS requires for direct use: the role's IAM policy and a key-policy statement naming the role."""
    key.grant(role, *actions)
    key.add_to_resource_policy(iam.PolicyStatement(principals=[role], actions=list(actions), resources=["*"]))


def _admin_policy() -> iam.PolicyDocument:
    return iam.PolicyDocument(
        statements=[iam.PolicyStatement(principals=[iam.AccountRootPrincipal()], actions=ADMIN_ACTIONS, resources=["*"])]
    )


class EncryptionKeys(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.data_key = kms.Key(
            self,
            "DataKey",
            description=f"Cloakr {stack.region}: DynamoDB, S3, logs, SNS and envelope encryption",
            enable_key_rotation=True,
            rotation_period=Duration.days(KMS_ROTATION_DAYS),
            alias=f"alias/cloakr/{stack.region}/data",
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
            policy=_admin_policy(),
        )
        self.data_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="UseThroughThisRegionsServices",
                principals=[iam.AccountRootPrincipal()],
                actions=SERVICE_USE_ACTIONS,
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:CallerAccount": stack.account,
                        "kms:ViaService": [f"{service}.{stack.region}.amazonaws.com" for service in VIA_SERVICES],
                    }
                },
            )
        )
        # CloudWatch Logs encrypts log groups with the key only for this account's log groups in this region.
        self.data_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:*"
                    }
                },
            )
        )
        # EventBridge and CloudWatch alarms publish to the CMK-encrypted incident topic; EventBridge and SNS put
        # undeliverable messages on the CMK-encrypted dead-letter queue.
        self.data_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PublishersOfThisAccount",
                principals=[
                    iam.ServicePrincipal("events.amazonaws.com"),
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                    iam.ServicePrincipal("sns.amazonaws.com"),
                ],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        self.signing_key = kms.Key(
            self,
            "DigestSigningKey",
            description=f"Cloakr {stack.region}: signs audit digests (tamper evidence)",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            alias=f"alias/cloakr/{stack.region}/audit-signing",
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
            policy=_admin_policy(),
        )
        # Verifying is a public-key operation: auditors in the account (`cloakr audit verify`) may do it; only the
        # digest function may sign (granted in GatewayFunctions).
        self.signing_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="VerifyWithinThisAccount",
                principals=[iam.AccountRootPrincipal()],
                actions=["kms:Verify", "kms:GetPublicKey", "kms:DescribeKey"],
                resources=["*"],
            )
        )
