"""WAFv2 web ACL in front of the API stage: AWS managed rule groups, a per-IP rate limit and a body-size limit.

The Common rule set's own 8 KB body limit would refuse ordinary long prompts, so it is switched to count and the
region's configured limit (``max_body_bytes``) is enforced by a rule of our own on ``Content-Length`` instead. WAF logs go to a log
group whose name must start with ``aws-waf-logs-``; the Authorization header is redacted from them.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk import aws_kms as kms
from constructs import Construct

from cloakr.config.regions import RegionConfig

MANAGED_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AWSManagedRulesAmazonIpReputationList", ()),
    ("AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),
    ("AWSManagedRulesKnownBadInputsRuleSet", ()),
    ("AWSManagedRulesSQLiRuleSet", ()),
)
# How much of a body the managed rule groups inspect (the most WAF allows for API Gateway).
WAF_BODY_INSPECTION_LIMIT = "KB_64"


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


class WebFirewall(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: RegionConfig, stage_arn: str, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        rules: list[wafv2.CfnWebACL.RuleProperty] = []
        for priority, (group, counted) in enumerate(MANAGED_GROUPS):
            rules.append(
                wafv2.CfnWebACL.RuleProperty(
                    name=group,
                    priority=priority,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS",
                            name=group,
                            rule_action_overrides=[
                                wafv2.CfnWebACL.RuleActionOverrideProperty(
                                    name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                                )
                                for rule in counted
                            ]
                            or None,
                        )
                    ),
                    visibility_config=_visibility(group),
                )
            )
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name="RatePerIp",
                priority=len(rules),
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=config.waf_rate_limit, aggregate_key_type="IP", evaluation_window_sec=300
                    )
                ),
                visibility_config=_visibility("RatePerIp"),
            )
        )
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name="BodySize",
                priority=len(rules),
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                        regex_string=greater_than_regex(config.max_body_bytes),
                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": "content-length"}),
                        text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
                    )
                ),
                visibility_config=_visibility("BodySize"),
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            association_config=wafv2.CfnWebACL.AssociationConfigProperty(
                request_body={"API_GATEWAY": wafv2.CfnWebACL.RequestBodyAssociatedResourceTypeConfigProperty(
                    default_size_inspection_limit=WAF_BODY_INSPECTION_LIMIT
                )}
            ),
            visibility_config=_visibility(f"cloakr-{config.region}"),
        )
        wafv2.CfnWebACLAssociation(self, "StageAssociation", resource_arn=stage_arn, web_acl_arn=self.web_acl.attr_arn)
        self.log_group = logs.LogGroup(
            self,
            "WafLogs",
            log_group_name=f"aws-waf-logs-cloakr-{config.region}",
            encryption_key=key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.RETAIN,
        )
        wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[self.log_group.log_group_arn],
            redacted_fields=[wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"})],
        )



def greater_than_regex(limit: int) -> str:
    """A regex matching exactly the decimal integers greater than ``limit`` (no leading zeros).

    WAF inspects at most 64 KB of a body, so a byte-size check on the body cannot enforce a 1 MB limit; the
    ``Content-Length`` header can, compared as text. Chunked bodies without the header are still capped by the
    functions (413).
    """
    digits = str(limit)
    width = len(digits)
    options = [f"[1-9][0-9]{{{width},}}"]
    for i, d in enumerate(digits):
        if d != "9":
            low = int(d) + 1
            options.append(f"{digits[:i]}[{low}-9][0-9]{{{width - i - 1}}}")
    return "^(" + "|".join(options) + ")$"
