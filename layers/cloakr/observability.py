"""One Logger, Tracer and Metrics for the whole process, shared by handlers and the library.

Log records carry entity types and counts, request and tenant ids; never a raw value. Anything that could hold
user text (prompts, model output, error details from upstreams) must not be passed to the logger.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

from cloakr.constants import METRICS_NAMESPACE, SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
# Only the clients Cloakr calls out with: the default patches every supported library X-Ray knows and imports each
# one that is installed, some 0.3 s of every Lambda cold start. httpx is patched where it is first used
# (``cloakr.upstream``): only the chat function calls an HTTPS model, and the import would cost every function.
tracer = Tracer(service=SERVICE_NAME, patch_modules=("botocore",))
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
