"""Where the local stack keeps its state, and the ports it listens on (127.0.0.1 only)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
STATE = BUILD / "stack"
LAMBDA_BUILD = BUILD / "lambda"
PLAN = BUILD / "terraform" / "plan-local.json"
OUTPUTS = BUILD / "outputs.json"
ENDPOINTS = BUILD / "localstack" / "endpoints.json"
WEB_CONFIG = ROOT / "web" / "config.json"

HOST = "127.0.0.1"
API_PORT = int(os.environ.get("STACK_API_PORT", "4580"))
CDN_PORT = int(os.environ.get("STACK_CDN_PORT", "4581"))
ISSUER_PORT = int(os.environ.get("STACK_ISSUER_PORT", "4582"))
WEB_PORT = 4583
# Fault injection (stack/faults.py): its control endpoint, and the forwarders the upload API
# reaches DynamoDB and KMS through.
FAULTS_PORT = int(os.environ.get("STACK_FAULTS_PORT", "4584"))
DYNAMODB_FORWARD_PORT = int(os.environ.get("STACK_DYNAMODB_FORWARD_PORT", "4585"))
KMS_FORWARD_PORT = int(os.environ.get("STACK_KMS_FORWARD_PORT", "4586"))
# The event source mapping's control endpoint (stack/event_sources.py).
EVENT_SOURCES_PORT = int(os.environ.get("STACK_EVENT_SOURCES_PORT", "4587"))

# Fake credentials LocalStack accepts; it validates signatures against secret "test".
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": REGION}
