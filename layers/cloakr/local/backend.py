"""The AWS side of the local gateway: moto's server on loopback, with the tables the stack defines."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

from cloakr import constants as c
from cloakr.tables import create_tables

LOCAL_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}


@dataclass
class Backend:
    server: ThreadedMotoServer
    endpoint: str
    tables: dict[str, str]

    def stop(self) -> None:
        self.server.stop()


def start_backend(region: str, port: int = 0) -> Backend:
    # moto's werkzeug server logs every request line; the gateway's own logs are the useful ones.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    endpoint = f"http://{host}:{bound}"
    os.environ.update(LOCAL_ENV)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ[c.ENV_REGION] = region
    tables = create_tables(boto3.client("dynamodb", region_name=region))
    env_names = {c.TABLE_AUDIT: c.ENV_AUDIT_TABLE, c.TABLE_TENANTS: c.ENV_TENANTS_TABLE,
                 c.TABLE_VAULT: c.ENV_VAULT_TABLE, c.TABLE_SUBJECTS: c.ENV_SUBJECTS_TABLE}
    for role, name in tables.items():
        os.environ[env_names[role]] = name
    return Backend(server, endpoint, tables)
