"""The AWS side of the local gateway: moto's server on loopback, with the tables the stack defines."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from cloakr import constants as c
from cloakr.tables import create_tables

LOCAL_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}


@dataclass
class Backend:
    server: Any
    endpoint: str
    tables: dict[str, str]
    data_key_id: str = ""
    signing_key_id: str = ""
    bucket: str = ""

    def stop(self) -> None:
        if isinstance(self.server, subprocess.Popen):
            self.server.terminate()
            self.server.wait(timeout=10)
        else:
            self.server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_isolated() -> tuple[subprocess.Popen, str]:
    """moto in its own process: its state cannot be reset by ``mock_aws`` used elsewhere in this process (tests)."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return process, endpoint
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("the moto server did not start")
    except BaseException:  # also when interrupted while waiting: the process must not outlive us
        process.kill()
        process.wait()
        raise


def start_backend(region: str, port: int = 0, isolated: bool = False) -> Backend:
    if isolated:
        server, endpoint = _start_isolated()
    else:
        # moto's werkzeug server logs every request line; the gateway's own logs are the useful ones.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        host, bound = server.get_host_and_port()
        endpoint = f"http://{host}:{bound}"
    try:
        return _provision(server, endpoint, region)
    except BaseException:  # interrupted or failed while provisioning: the backend process must not outlive us
        Backend(server, endpoint, {}).stop()
        raise


def _provision(server: Any, endpoint: str, region: str) -> Backend:
    os.environ.update(LOCAL_ENV)
    os.environ[c.ENV_AWS_ENDPOINT] = endpoint
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ[c.ENV_REGION] = region
    tables = create_tables(boto3.client("dynamodb", region_name=region, endpoint_url=endpoint))
    env_names = {c.TABLE_AUDIT: c.ENV_AUDIT_TABLE, c.TABLE_TENANTS: c.ENV_TENANTS_TABLE,
                 c.TABLE_VAULT: c.ENV_VAULT_TABLE, c.TABLE_SUBJECTS: c.ENV_SUBJECTS_TABLE}
    for role, name in tables.items():
        os.environ[env_names[role]] = name
    data_key, signing_key, bucket = create_keys_and_bucket(region, endpoint)
    os.environ.update({c.ENV_DATA_KEY_ID: data_key, c.ENV_SIGNING_KEY_ID: signing_key, c.ENV_BUCKET: bucket})
    os.environ.update(create_incident_and_schedule_targets(region, endpoint))
    return Backend(server, endpoint, tables, data_key, signing_key, bucket)


def create_incident_and_schedule_targets(region: str, endpoint: str | None = None) -> dict[str, str]:
    """Where incidents and report schedules go locally: the default event bus, an incident topic (published to
    directly, as no EventBridge rule runs here) and a schedule group. moto stores schedules but never fires them,
    so locally a schedule is created, listed and deleted, and reports are made with ``POST /v1/reports``."""
    topic = boto3.client("sns", region_name=region, endpoint_url=endpoint).create_topic(Name="cloakr-incidents")["TopicArn"]
    group = "cloakr-reports"
    boto3.client("scheduler", region_name=region, endpoint_url=endpoint).create_schedule_group(Name=group)
    account = topic.split(":")[4]
    return {
        c.ENV_EVENT_BUS: "default", c.ENV_INCIDENT_TOPIC: topic, c.ENV_SCHEDULE_GROUP: group,
        c.ENV_REPORTS_FUNCTION_ARN: f"arn:aws:lambda:{region}:{account}:function:cloakr-local-reports",
        c.ENV_SCHEDULER_ROLE_ARN: f"arn:aws:iam::{account}:role/cloakr-local-scheduler",
    }


def create_keys_and_bucket(region: str, endpoint: str | None = None, bucket: str = "cloakr-local-data") -> tuple[str, str, str]:
    """The stack's other resources: the symmetric data key, the digest signing key and the regional bucket."""
    kms = boto3.client("kms", region_name=region, endpoint_url=endpoint)
    data_key = kms.create_key(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT", Description="cloakr data key")["KeyMetadata"]["Arn"]
    signing_key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description="cloakr digest signing key")["KeyMetadata"]["Arn"]
    s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint)
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True, **extra)
    return data_key, signing_key, bucket
