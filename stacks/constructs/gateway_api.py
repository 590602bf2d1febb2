"""The regional REST API: every route but the health check behind the Lambda REQUEST authorizer.

Request bodies are never logged (data tracing off): they are prompts full of personal data. Access logs carry
request ids, status and latency only. Gateway-generated errors use the same ``{"error": {...}}`` shape and
security headers as the functions, so clients see one error format.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cloakr.config.regions import RegionConfig
from cloakr.constants import AUTHORIZER_UNAVAILABLE, AUTHORIZER_UNAVAILABLE_STATUS
from cloakr.gateway.openapi import request_models
from cloakr.gateway.scopes import ROUTE_SCOPES
from constructs import Construct

STAGE = "prod"
# Which function serves a route; every other route in ROUTE_SCOPES goes to the admin function.
FUNCTION_BY_PATH = {"/v1/redact": "redact", "/v1/classify": "redact", "/v1/chat/completions": "chat", "/v1/models": "chat", "/v1/models/{model_id}": "chat"}
# (path, methods, function) for every authorized route, from the one route table the authorizer also uses.
ROUTES: tuple[tuple[str, tuple[str, ...], str], ...] = tuple(
    (path.lstrip("/"), tuple(m for (m, p) in ROUTE_SCOPES if p == path), FUNCTION_BY_PATH.get(path, "admin"))
    for path in dict.fromkeys(p for (_, p) in ROUTE_SCOPES)
)
HEALTH_PATH = "v1/health"
# API Gateway caches the authorizer's answer per combination of these values. The authorizer decides per key and per
# route (scope), so the route (method and resource template) is part of the cache key: a route the key may not use
# is refused on that route alone, not on every route for the cache's lifetime. The end user (X-Cloakr-User) is not
# (a missing header source would make API Gateway answer 401 without calling the authorizer), so the authorizer
# does not decide on it: the functions refuse blocked end users on every request.
AUTHORIZER_IDENTITY_SOURCES = (
    apigw.IdentitySource.header("Authorization"),
    apigw.IdentitySource.context("httpMethod"),
    apigw.IdentitySource.context("resourcePath"),
)
AUTHORIZER_CACHE_SECONDS = 60


def edge_schema(model) -> dict | None:
    """The part of a body model API Gateway checks before any function runs: a JSON object with the required
    fields, and no others where the model forbids extras. Field types and limits stay with the handler, whose
    errors name the field (the edge only says "The request body is not valid"). Bodies with no required field
    may be empty, so they get no edge model."""
    schema = model.model_json_schema()
    if not schema.get("required"):
        return None
    edge = {"type": "object", "required": sorted(schema["required"])}
    if model.model_config.get("extra") == "forbid":
        edge["additionalProperties"] = False
        edge["properties"] = {name: {} for name in schema.get("properties", {})}
    return edge
SECURITY_HEADERS = {
    "Strict-Transport-Security": "'max-age=63072000; includeSubDomains'",
    "X-Content-Type-Options": "'nosniff'",
    "Cache-Control": "'no-store'",
    "Content-Security-Policy": "'default-src \\'none\\''",
}
GATEWAY_ERRORS = {
    apigw.ResponseType.UNAUTHORIZED: ("unauthorized", "A valid API key is required."),
    apigw.ResponseType.ACCESS_DENIED: ("forbidden", "This API key may not use this route."),
    apigw.ResponseType.REQUEST_TOO_LARGE: ("payload_too_large", "The request body is too large."),
    apigw.ResponseType.THROTTLED: ("rate_limited", "Too many requests; retry later."),
    apigw.ResponseType.BAD_REQUEST_BODY: ("validation_error", "The request body is not valid."),
    apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN: ("not_found", "No such route."),
    apigw.ResponseType.DEFAULT_4_XX: ("bad_request", "The request was refused."),
    apigw.ResponseType.DEFAULT_5_XX: ("gateway_error", "The gateway failed; retry later."),
    # The authorizer could not decide (its key lookup was throttled, timed out or failed): nothing was forwarded,
    # and a retry may succeed, so 503 rather than API Gateway's default 500.
    apigw.ResponseType.AUTHORIZER_FAILURE: AUTHORIZER_UNAVAILABLE,
    apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR: AUTHORIZER_UNAVAILABLE,
}
# Status codes that differ from API Gateway's defaults, by response type name (jsii hands out a new ResponseType
# object on every access, so the objects themselves cannot be looked up).
GATEWAY_STATUS = {name: str(AUTHORIZER_UNAVAILABLE_STATUS) for name in ("AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR")}


class GatewayApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: RegionConfig,
        functions: dict[str, lambda_.IFunction],
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", encryption_key=key, retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"cloakr-{config.region}",
            description=f"Cloakr privacy gateway ({config.display_name})",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=False,
                ),
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                throttling_rate_limit=200,
                throttling_burst_limit=400,
                caching_enabled=False,
            ),
        )
        cfn_api: apigw.CfnRestApi = self.api.node.default_child  # type: ignore[assignment]
        cfn_api.add_property_override("SecurityPolicy", "SecurityPolicy_TLS13_1_2_PQ_2025_09")
        cfn_api.add_property_override("EndpointAccessMode", "STRICT")
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "KeyAuthorizer",
            handler=functions["authorizer"],
            identity_sources=list(AUTHORIZER_IDENTITY_SOURCES),
            results_cache_ttl=Duration.seconds(AUTHORIZER_CACHE_SECONDS),
        )
        validator = self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        integrations = {name: apigw.LambdaIntegration(fn) for name, fn in functions.items() if name != "authorizer"}
        models = request_models()
        for path, methods, fn_name in ROUTES:
            resource = self.api.root.resource_for_path(path)
            for method in methods:
                schema = edge_schema(models[(method, "/" + path)]) if (method, "/" + path) in models else None
                name = f"{method.title()}{''.join(p.strip('{}').title().replace('_', '') for p in path.split('/'))}Body"
                body_model = self.api.add_model(
                    name,
                    model_name=name,
                    content_type="application/json",
                    schema=apigw.JsonSchema(
                        schema=apigw.JsonSchemaVersion.DRAFT4,
                        type=apigw.JsonSchemaType.OBJECT,
                        required=schema["required"],
                        additional_properties=schema.get("additionalProperties", True),
                        properties={name: apigw.JsonSchema() for name in schema.get("properties", {})} or None,
                    ),
                ) if schema else None
                resource.add_method(
                    method,
                    integrations[fn_name],
                    authorizer=self.authorizer,
                    authorization_type=apigw.AuthorizationType.CUSTOM,
                    request_validator=validator,
                    request_models={"application/json": body_model} if body_model else None,
                )
        # Health is the one public route: it says whether the service is up and nothing about tenants.
        self.api.root.resource_for_path(HEALTH_PATH).add_method(
            "GET", integrations["admin"], authorization_type=apigw.AuthorizationType.NONE
        )
        for response_type, (code, message) in GATEWAY_ERRORS.items():
            self.api.add_gateway_response(
                f"{code}-{response_type.response_type}",
                type=response_type,
                status_code=GATEWAY_STATUS.get(response_type.response_type),
                response_headers={**SECURITY_HEADERS, "Content-Type": "'application/json'"},
                templates={"application/json": json.dumps({"error": {"code": code, "message": message}})},
            )
        self.stage = self.api.deployment_stage
