"""The regional bucket for audit digests, exports and reports, and the bucket that receives its access logs.

Object Lock is enabled on the bucket (it can only be set at creation) with a default GOVERNANCE retention: digests
are written with their own COMPLIANCE retention by the digest job, while exports and reports, which tenants may be
required to erase (GDPR), stay deletable by a deliberately privileged role.

Lifecycle rules keep the bucket from growing without bound. Exports and reports are copies made for download: the
tamper-evident trail they are made from stays in DynamoDB (and the signed digests here), so their objects expire
after ``EXPORT_OBJECT_DAYS`` / ``REPORT_OBJECT_DAYS``, and the API answers ``expired`` for them from then on. The
bucket is versioned, so an expiry first only adds a delete marker; the data itself goes ``NONCURRENT_DAYS`` later,
by when the default one-day GOVERNANCE retention has long passed (lifecycle never bypasses a lock, it waits for it),
and the delete marker left alone then is removed as well. Digests are under no rule (their COMPLIANCE retention is
their lifetime). Exports are streamed as multipart uploads; a crashed export leaves parts that are never visible
as objects yet are billed, so every unfinished upload is aborted after ``INCOMPLETE_UPLOAD_DAYS``.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cloakr.config.regions import RegionConfig
from cloakr.constants import PREFIX_EXPORTS, PREFIX_REPORTS
from constructs import Construct

# Download copies: an export is fetched by the SDK as soon as it is complete; a monthly report may be fetched weeks
# after the scheduler wrote it, so reports are kept for a quarter.
EXPORT_OBJECT_DAYS = 7
REPORT_OBJECT_DAYS = 90
# An expired copy's data (its noncurrent version) goes this long after its delete marker: past the one-day default
# lock, and no later than needed.
NONCURRENT_DAYS = 1
# No export runs anywhere near a day (each request works for seconds and the SDK polls), so older uploads are orphans.
INCOMPLETE_UPLOAD_DAYS = 1
DEFAULT_LOCK_DAYS = 1


def lifecycle_rules() -> list[s3.LifecycleRule]:
    """Abort orphaned multipart uploads anywhere; expire export and report copies (data and delete markers)."""
    rules = [s3.LifecycleRule(id="AbortIncompleteUploads",
                              abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS))]
    for name, prefix, days in (("Exports", PREFIX_EXPORTS, EXPORT_OBJECT_DAYS), ("Reports", PREFIX_REPORTS, REPORT_OBJECT_DAYS)):
        rules += [
            s3.LifecycleRule(id=f"Expire{name}", prefix=prefix, expiration=Duration.days(days),
                             noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS)),
            # S3 accepts no expiry in days next to ExpiredObjectDeleteMarker, so the markers have a rule of their own.
            s3.LifecycleRule(id=f"Remove{name}DeleteMarkers", prefix=prefix, expired_object_delete_marker=True),
        ]
    return rules


def access_log_rules(retention_days: int) -> list[s3.LifecycleRule]:
    """Access logs live for the region's audit retention. The bucket is versioned, so that expiry only adds a delete
    marker: without a noncurrent-version rule every log would be kept (and billed) for ever, and the markers left
    behind would pile up. Log objects are never overwritten, so a noncurrent version is always an expired log."""
    return [
        s3.LifecycleRule(id="ExpireAccessLogs", expiration=Duration.days(retention_days),
                         noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
                         abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS)),
        # S3 accepts no expiry in days next to ExpiredObjectDeleteMarker, so the markers have a rule of their own.
        s3.LifecycleRule(id="RemoveAccessLogDeleteMarkers", expired_object_delete_marker=True),
    ]


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
            lifecycle_rules=access_log_rules(config.audit_retention_days),
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
            object_lock_default_retention=s3.ObjectLockRetention.governance(Duration.days(DEFAULT_LOCK_DAYS)),
            lifecycle_rules=lifecycle_rules(),
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="audit-bucket/",
            removal_policy=RemovalPolicy.RETAIN,
        )
