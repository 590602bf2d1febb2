"""AWS Backup for the tables, where a compliance framework asks for copies beyond point-in-time recovery.

HIPAA and PCI DSS regions get daily backups kept 35 days and monthly backups kept a year, in a CMK-encrypted
vault in the same region (no cross-region copy: residency).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from constructs import Construct


class TableBackup(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, tables: list[dynamodb.ITable]) -> None:
        super().__init__(scope, construct_id)
        vault = backup.BackupVault(self, "Vault", encryption_key=key, removal_policy=RemovalPolicy.RETAIN)
        self.plan = backup.BackupPlan(self, "Plan", backup_vault=vault)
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="daily",
                schedule_expression=events.Schedule.cron(hour="3", minute="0"),
                delete_after=Duration.days(35),
            )
        )
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="monthly",
                schedule_expression=events.Schedule.cron(day="1", hour="4", minute="0"),
                delete_after=Duration.days(365),
            )
        )
        self.plan.add_selection("Tables", resources=[backup.BackupResource.from_dynamo_db_table(t) for t in tables])
