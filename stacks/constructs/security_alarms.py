"""Where security incidents and operational alarms go: one CMK-encrypted SNS topic per region.

Cloakr publishes incidents (tamper detected, repeated authentication failures, card data in PCI mode) to
EventBridge as ``source=cloakr, detail-type=security_incident``; GuardDuty findings join them. Alarms cover the
failure modes that mean requests are being refused or lost: 5xx, authorizer denials and errors, throttles, DLQ.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cloakr.config.regions import RegionConfig
from cloakr.constants import INCIDENT_DETAIL_TYPE, INCIDENT_SOURCE, METRICS_NAMESPACE, SERVICE_NAME
from stacks.constructs.service_roles import service_role



class SecurityAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: RegionConfig,
        key: kms.IKey,
        api: apigw.RestApi,
        functions: dict[str, lambda_.IFunction],
        dead_letters: sqs.IQueue,
        bus: events.IEventBus,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Incidents", master_key=key, enforce_ssl=True, display_name="Cloakr incidents")
        # Undeliverable notifications are kept in the dead-letter queue (alarmed below), not dropped.
        self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email, dead_letter_queue=dead_letters))
        publisher = self._publisher_role()
        events.Rule(
            self,
            "IncidentRule",
            event_bus=bus,
            event_pattern=events.EventPattern(source=[INCIDENT_SOURCE], detail_type=[INCIDENT_DETAIL_TYPE]),
            targets=[targets.SnsTopic(self.topic, dead_letter_queue=dead_letters, authorize_using_role=True, role=publisher)],
        )
        events.Rule(
            self,
            "GuardDutyRule",
            event_pattern=events.EventPattern(source=["aws.guardduty"], detail_type=["GuardDuty Finding"]),
            targets=[targets.SnsTopic(self.topic, dead_letter_queue=dead_letters, authorize_using_role=True, role=publisher)],
        )
        action = actions.SnsAction(self.topic)
        period = Duration.minutes(5)
        dimension = {"service": SERVICE_NAME}
        alarms = {
            "Api5xx": api.metric_server_error(period=period, statistic="Sum"),
            "Api4xx": cloudwatch.Metric(  # includes 429s from stage throttling
                namespace="AWS/ApiGateway", metric_name="4XXError", dimensions_map={"ApiName": api.rest_api_name},
                period=period, statistic="Sum",
            ),
            "AuthorizerDenials": cloudwatch.Metric(
                namespace=METRICS_NAMESPACE, metric_name="AuthorizerDenied", dimensions_map=dimension,
                period=period, statistic="Sum",
            ),
            "AuthorizerErrors": functions["authorizer"].metric_errors(period=period),
            "LambdaThrottles": cloudwatch.MathExpression(
                expression="+".join(f"t{i}" for i in range(len(functions))),
                using_metrics={f"t{i}": fn.metric_throttles(period=period) for i, fn in enumerate(functions.values())},
                period=period,
            ),
            "DeadLetters": dead_letters.metric_approximate_number_of_messages_visible(period=period),
        }
        thresholds = {"Api5xx": 5, "Api4xx": 100, "AuthorizerDenials": 50, "AuthorizerErrors": 1,
                      "LambdaThrottles": 1, "DeadLetters": 1}
        for name, metric in alarms.items():
            alarm = cloudwatch.Alarm(
                self, name, metric=metric, threshold=thresholds[name], evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=f"Cloakr {config.region}: {name}",
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)

    def _publisher_role(self) -> iam.Role:
        """The role EventBridge publishes incidents with. Without it, CDK grants ``events.amazonaws.com`` itself
        sns:Publish on the topic and use of the data key with no condition, so any account's rule could publish
        through them (confused deputy). The role is assumable only by EventBridge rules of this account and region,
        and holds the topic's publish grant (and the key use it needs) as an identity policy."""
        stack = Stack.of(self)
        return service_role(self, "PublisherRole", "events", f"arn:{stack.partition}:events:{stack.region}:{stack.account}:rule/*",
                            "EventBridge: publish Cloakr incidents and GuardDuty findings to the incident topic")
