"""The four regional DynamoDB tables: audit events, tenants and keys, token vault, data subjects.

Plain single-region tables (``Table``, not ``TableV2``, which emits global tables): a tenant's data never has a
replica outside its home region. All use the generic ``pk``/``sk`` key schema of ``cloakr.tables``.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from cloakr.constants import KEY_HASH_INDEX, PARTITION_KEY, SORT_KEY, TABLES, TTL_ATTRIBUTE


class DataTables(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {}
        for role in TABLES:
            table = dynamodb.Table(
                self,
                role.capitalize(),
                partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
                encryption_key=key,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                deletion_protection=True,
                removal_policy=RemovalPolicy.RETAIN,
                time_to_live_attribute=TTL_ATTRIBUTE,
            )
            self.tables[role] = table
        self.tables["tenants"].add_global_secondary_index(
            index_name=KEY_HASH_INDEX,
            partition_key=dynamodb.Attribute(name="key_hash", type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.ALL,
        )
