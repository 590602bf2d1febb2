"""Moto audit table, signing key and bucket shared by the digest and verification tests."""

import boto3
import pytest
from moto import mock_aws

from cloakr.tables import create_tables


@pytest.fixture
def env():
    with mock_aws():
        region = "us-east-1"
        names = create_tables(boto3.client("dynamodb", region_name=region), prefix="t")
        table = boto3.resource("dynamodb", region_name=region).Table(names["audit"])
        kms = boto3.client("kms", region_name=region)
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket="cloakr-digests")
        yield dict(audit_table=table, kms=kms, s3=s3, bucket="cloakr-digests", signing_key_id=key)
