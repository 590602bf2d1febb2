"""``python -m cloakr.local`` (``make run``): start the local gateway with a demo tenant and print how to call it."""

from __future__ import annotations

import argparse
import os
import signal
from typing import Any

from cloakr.constants import ENV_UPSTREAM_KEY, ENV_UPSTREAM_URL, SCOPES
from cloakr.local import stop_on_sigterm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cloakr local", description="Run the Cloakr gateway on 127.0.0.1 with an embedded AWS backend (moto).")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLOAKR_PORT", "8787")))
    parser.add_argument("--region", default=os.environ.get("CLOAKR_REGION", "eu-central-1"))
    parser.add_argument("--separate-backend", action="store_true",
                        help="run moto in its own process (load tests: the gateway's memory is then its own)")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM (a test harness, a container) as with Ctrl+C: the backend process is stopped too.
    stop_on_sigterm()
    # No CloudWatch agent locally: Powertools would print EMF blobs between the gateway's log lines.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

    backend = None
    try:
        from cloakr.local.backend import start_backend

        backend = start_backend(args.region, isolated=args.separate_backend)
        _serve(args, backend)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second stop request must not cut the clean-up short
        if backend is not None:
            backend.stop()
    return 0


def _serve(args: argparse.Namespace, backend: Any) -> None:
    """Create the demo tenant, print how to call the gateway, serve until interrupted."""
    from cloakr.gateway.services import services
    from cloakr.gateway.settings import region_config
    from cloakr.local.digests import DigestClock
    from cloakr.local.server import serve

    store = services().tenants
    tenant = store.create_tenant("Demo tenant", profiles=["gdpr"])
    config = region_config()
    digests = DigestClock(config.digest_period, retain_days=config.audit_retention_days).start()  # the stack's schedule, which moto does not run
    _, key = store.create_key(tenant.tenant_id, SCOPES, name="demo admin key")
    httpd = serve("127.0.0.1", args.port)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    model = "cloakr-echo"
    upstream = (f"Chat models other than cloakr-echo go to {os.environ[ENV_UPSTREAM_URL]}.\n" if os.environ.get(ENV_UPSTREAM_URL)
                else f"cloakr-echo answers with the prompt it received (redacted; the reply has the originals restored).\n"
                f"Set {ENV_UPSTREAM_URL} (and {ENV_UPSTREAM_KEY}) to send other models to a real OpenAI-compatible API.\n")
    print(f"""Cloakr local gateway ({args.region}) on {url}
AWS backend (moto): {backend.endpoint}
Demo tenant {tenant.tenant_id}, admin API key (shown once):

  {key}

Try it:
  curl -s {url}/v1/health
  curl -s -X POST {url}/v1/redact -H "Authorization: Bearer {key}" \\
       -H "Content-Type: application/json" -d '{{"text": "Mail jane.doe@example.com, card 4111 1111 1111 1111"}}'

  curl -s -X POST {url}/v1/chat/completions -H "Authorization: Bearer {key}" \\
       -H "Content-Type: application/json" \\
       -d '{{"model": "{model}", "messages": [{{"role": "user", "content": "I am Jane Doe, mail me at jane.doe@example.com"}}]}}'

  python - <<'PY'
from openai import OpenAI
client = OpenAI(base_url="{url}/v1", api_key="{key}")
answer = client.chat.completions.create(model="{model}", messages=[{{"role": "user", "content": "Mail jane.doe@example.com"}}])
print(answer.choices[0].message.content)
PY
{upstream}
Press Ctrl+C to stop.""", flush=True)
    try:
        httpd.serve_forever()
    finally:
        digests.stop()
        httpd.server_close()


if __name__ == "__main__":
    raise SystemExit(main())
