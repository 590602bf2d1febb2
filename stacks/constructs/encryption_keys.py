"""KMS keys of one region: the data key (everything at rest) and the audit-digest signing key.

Rotation every 90 days is stricter than KMS's yearly default; the key policy names the stack's roles through
grants, plus only the regional service principals that encrypt on the stack's behalf (CloudWatch Logs, SNS).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cloakr.constants import KMS_ROTATION_DAYS


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
        )
        # CloudWatch Logs encrypts log groups with the key only for this account's log groups in this region.
        self.data_key.add_to_resource_policy(
            iam.PolicyStatement(
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
        # EventBridge and CloudWatch alarms publish to the CMK-encrypted incident topic.
        self.data_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[
                    iam.ServicePrincipal("events.amazonaws.com"),
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
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
        )
