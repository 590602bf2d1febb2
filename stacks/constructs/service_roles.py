"""Roles that AWS services assume on Cloakr's behalf."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct


def service_role(scope: Construct, construct_id: str, service: str, source_arn: str, description: str) -> iam.Role:
    """A role only ``service`` acting for this account's resources matching ``source_arn`` can assume: without the
    source conditions any account's rule or schedule could have the service act through it (confused deputy)."""
    stack = Stack.of(scope)
    return iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal(f"{service}.amazonaws.com", conditions={
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": source_arn},
        }),
        description=description,
    )
