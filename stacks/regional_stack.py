"""One region's complete Cloakr deployment; nothing in it refers to another region."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack, Tags
from aws_cdk import aws_events as events
from constructs import Construct

from cloakr.config.regions import RegionConfig
from stacks.constructs.audit_bucket import AuditBucket
from stacks.constructs.data_tables import DataTables
from stacks.constructs.encryption_keys import EncryptionKeys
from stacks.constructs.gateway_api import GatewayApi
from stacks.constructs.gateway_functions import GatewayFunctions
from stacks.constructs.security_alarms import SecurityAlarms
from stacks.constructs.shared_layer import SharedLayer
from stacks.constructs.table_backup import TableBackup
from stacks.constructs.web_firewall import WebFirewall
from stacks.nag_suppressions import acknowledge_findings


class RegionalStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: RegionConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        Tags.of(self).add("project", "cloakr")
        Tags.of(self).add("compliance", "+".join(config.compliance_frameworks))
        keys = EncryptionKeys(self, "Keys")
        self.tables = DataTables(self, "Tables", key=keys.data_key)
        storage = AuditBucket(self, "Storage", key=keys.data_key, config=config)
        layer = SharedLayer(self, "Shared")
        # Incidents travel on the region's default bus, where GuardDuty findings also arrive.
        bus = events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
        self.functions = GatewayFunctions(
            self, "Functions", config=config, layer=layer.layer, data_key=keys.data_key,
            signing_key=keys.signing_key, tables=self.tables.tables, bucket=storage.bucket, incident_bus=bus,
        )
        self.api = GatewayApi(self, "Gateway", config=config, functions=self.functions.functions, key=keys.data_key)
        WebFirewall(self, "Firewall", config=config, stage_arn=self.api.stage.stage_arn, key=keys.data_key)
        SecurityAlarms(
            self, "Alarms", config=config, key=keys.data_key, api=self.api.api, bus=bus,
            functions=self.functions.functions, dead_letters=self.functions.dead_letters,
        )
        if config.backup_required:
            TableBackup(self, "Backup", key=keys.data_key, tables=list(self.tables.tables.values()))
        acknowledge_findings(self, backup_plan=config.backup_required, config=config)
