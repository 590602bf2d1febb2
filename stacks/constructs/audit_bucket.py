"""The regional bucket for audit digests, exports and reports, and the bucket that receives its access logs.

Object Lock is enabled on the bucket (it can only be set at creation) with a default GOVERNANCE retention: digests
are written with their own COMPLIANCE retention by the digest job, while exports and reports, which tenants may be
required to erase (GDPR), stay deletable by a deliberately privileged role.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cloakr.config.regions import RegionConfig


class AuditBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, config: RegionConfig) -> None:
        super().__init__(scope, construct_id)
        # S3 server access logs cannot be delivered to a KMS-CMK bucket; SSE-S3 is the supported option.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(config.audit_retention_days))],
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.governance(Duration.days(1)),
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="audit-bucket/",
            removal_policy=RemovalPolicy.RETAIN,
        )
