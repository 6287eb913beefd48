"""`make up` / `make down`: LocalStack provisioned from Terraform's plan, the two adapters, the event
source mapping, the dev issuer.

up: start LocalStack (or use LOCALSTACK_ENDPOINT) -> provision from build/terraform/plan-local.json
-> bake the edge configuration with the real KMS public key (packaging/build_lambda.py) -> start the
fault forwarders (stack/faults.py: the upload API reaches DynamoDB and KMS through them), the dev
issuer, the API Gateway adapter, the CloudFront adapter and the event source mapping (stack/event_sources.py:
the verification queue -> the verifier) -> write build/outputs.json,
web/config.json and build/stack/state.json -> print the URLs and a copy-paste example.
down: stop what up started (pid files), LocalStack only if up started it.
restart-api: restart the API Gateway adapter with its configuration: a new, cold container.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import boto3

import edge_package
from stack import apigw, cloudfront, event_sources, faults, issuer, paths, processes
from stack.outputs import root_outputs, write_json
from stack.plan import Plan, Resource, Unresolved
from stack.provision import Provisioner, Resolver, load_plan
from stack.replan import replan

log = logging.getLogger("stack")
LAUNCHER = paths.ROOT / "harness" / "localstack_launcher.py"
STATE_FILE = paths.STATE / "state.json"
FORWARDED_LOG = paths.STATE / "cdn-forwarded.jsonl"
API_HANDLER = "upload_api.handler.handler"
EDGE_HANDLER = "edge_auth.handler.handler"
VERIFIER_HANDLER = "verifier.handler.handler"
EVENT_SOURCES_URL = f"http://{paths.HOST}:{paths.EVENT_SOURCES_PORT}{event_sources.CONTROL_PATH}"
API_URL = f"http://{paths.HOST}:{paths.API_PORT}"
CDN_DOMAIN = f"{paths.HOST}:{paths.CDN_PORT}"
CDN_URL = f"http://{CDN_DOMAIN}"
DISTRIBUTION_ID = "ELOCALSTACK0001"
SECRET_OR_LONG_VARIABLES = frozenset({"USER_JWKS_JSON", "OWNER_KEY", "PREVIOUS_OWNER_KEYS"})


class StackError(SystemExit):
    pass


# --- LocalStack ---------------------------------------------------------------------


def _launcher(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(LAUNCHER), action], capture_output=True, text=True, timeout=300)


def localstack_up() -> tuple[dict[str, str], bool]:
    """Endpoints, and whether this call started LocalStack (so that down may stop it)."""
    try:
        before = json.loads(_launcher("status").stdout)
        was_running = all(before["healthy"].values()) or bool(os.environ.get("LOCALSTACK_ENDPOINT"))
    except (ValueError, KeyError):
        was_running = False
    result = _launcher("up")
    sys.stdout.write(result.stdout)
    if result.returncode == 0:
        return json.loads(paths.ENDPOINTS.read_text()), not was_running
    # Emulators someone started otherwise (no pid files) still serve: use them, never stop them.
    endpoints = {"default": f"http://{paths.HOST}:4566", "dynamodb": f"http://{paths.HOST}:4567"}
    if _answers(endpoints["default"] + "/_localstack/health") and _answers(endpoints["dynamodb"] + "/moto-api/"):
        print("localstack: using the emulators already listening on 4566/4567 (not started by make up)")
        return endpoints, False
    raise StackError(f"LocalStack did not come up:\n{result.stdout}{result.stderr}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


# --- reading the plan -------------------------------------------------------------------


def plan_only(plan: Plan, type_: str) -> Resource:
    try:
        return plan.only(type_)
    except Unresolved as error:
        raise StackError(str(error)) from None


def function_by_handler(plan: Plan, handler: str) -> Resource:
    for resource in plan.of_type("aws_lambda_function"):
        if resource.values.get("handler") == handler:
            return resource
    raise StackError(f"the plan has no aws_lambda_function with handler {handler!r}")


def package_path(function: Resource, fallback: Path) -> Path:
    planned = function.values.get("filename")
    if isinstance(planned, str):
        path = Path(planned)
        path = path if path.is_absolute() else (paths.ROOT / "terraform" / path).resolve()
        if path.exists():
            return path
    return fallback


def extract(zip_path: Path, target: Path) -> Path:
    if not zip_path.exists():
        raise StackError(f"{zip_path} is missing: run `make build`")
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(target)
    return target


# --- what the (re-)plan knows, and the overrides a local stack needs ------------------------
#
# The upload API's environment and the edge's baked configuration are read from Terraform's
# plan, never rebuilt here. The re-plan (replan.py) knows every value of both except what only
# exists in AWS; each override below is listed in harness/README.md.


def api_environment(function: Resource, resolver: Resolver, overrides: dict[str, str]) -> dict[str, str]:
    """The function's environment as Terraform planned it, with the local overrides applied.

    `overrides` replaces planned entries of the same name (CDN_URL: the CDN adapter's http://
    URL, which Terraform computes from the distribution's domain); it never adds a variable.
    An entry the plan does not know and no override gives stops the stack."""
    block = (function.values.get("environment") or [{}])[0]
    variables = dict(block.get("variables") or {})
    unknown_block = function.unknown.get("environment") if isinstance(function.unknown, dict) else None
    flags: Any = unknown_block[0] if isinstance(unknown_block, list) and unknown_block else {}
    flags = flags.get("variables", {}) if isinstance(flags, dict) else {}
    unknown = sorted(name for name, flag in flags.items() if flag is True) if isinstance(flags, dict) else []
    unfilled = [name for name in unknown if name not in overrides]
    if unfilled:
        raise StackError(
            f"{function.address}: the plan does not know the environment variables {unfilled} "
            "(re-planning after provisioning failed or left them unknown; see the log above)"
        )
    for name, value in overrides.items():
        if name in variables or name in unknown:
            variables[name] = value
    return {name: str(value) for name, value in resolver.substitute(variables).items()}


def public_key_pem(kms: Any, key_id: str) -> str:
    der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


EDGE_CONFIG_OUTPUT = "edge_config"


def edge_config(plan: Plan, signing_key_id: str, pem: str) -> dict[str, Any]:
    """The edge's baked configuration: the plan's root output `edge_config`, with the real key.

    The one override: the key whose kid is the KMS key just created gets that key's real public
    key (`kms:GetPublicKey`), in place of whatever the stand-in provider's `aws_kms_public_key`
    data source planned. Anything else the plan does not know stops the stack."""
    entry = plan.root_outputs().get(EDGE_CONFIG_OUTPUT)
    if entry is None:
        raise StackError(f"the plan has no root output {EDGE_CONFIG_OUTPUT!r} (terraform/outputs.tf)")
    value = entry.get("value", plan.data.get("output_changes", {}).get(EDGE_CONFIG_OUTPUT, {}).get("after"))
    unknown = entry["unknown"]
    if unknown is True or not isinstance(value, dict):
        raise StackError(f"output.{EDGE_CONFIG_OUTPUT} is unknown in the plan (re-planning failed?)")
    key_flags = unknown.get("keys") if isinstance(unknown, dict) else None
    keys = []
    for index, key in enumerate(value.get("keys") or []):
        flags = key_flags[index] if isinstance(key_flags, list) and index < len(key_flags) else {}
        flags = flags if isinstance(flags, dict) else {}
        if flags.get("kid") is True or not isinstance(key, dict):
            raise StackError(f"output.{EDGE_CONFIG_OUTPUT}.keys[{index}].kid is unknown in the plan")
        if key.get("kid") == signing_key_id:
            keys.append({**key, "pem": pem})
            continue
        if flags.get("pem") is True:
            raise StackError(f"output.{EDGE_CONFIG_OUTPUT}.keys[{index}].pem is unknown in the plan")
        keys.append(key)
    if signing_key_id not in {key.get("kid") for key in keys}:
        raise StackError(f"output.{EDGE_CONFIG_OUTPUT} does not trust the signing key {signing_key_id}")
    others = {k: v for k, v in unknown.items() if k != "keys"} if isinstance(unknown, dict) else {}
    still_unknown = sorted(name for name, flag in others.items() if flag not in (False, None, {}, []))
    if still_unknown:
        raise StackError(f"output.{EDGE_CONFIG_OUTPUT}: {still_unknown} unknown in the plan")
    return {**value, "keys": keys}


def bake_edge(config: dict[str, Any]) -> Path:
    """Bake this configuration into the built edge package as `terraform apply` does (the
    edge_auth module's bake_package.py), and unpack it."""
    try:
        baked = edge_package.bake(
            config, paths.STATE / "lambda" / "edge_auth.zip", paths.LAMBDA_BUILD / "edge_auth.zip"
        )
    except edge_package.BakeFailed as exc:
        raise StackError(f"baking the edge package failed: {exc}") from None
    return extract(baked, paths.STATE / "functions" / "edge_auth")


# --- up / down ----------------------------------------------------------------------------


def _runtime_environment(function: Resource, endpoints: dict[str, str]) -> dict[str, str]:
    name = function.values.get("function_name", "function")
    return {
        "AWS_ENDPOINT_URL": endpoints["default"],
        "AWS_ENDPOINT_URL_DYNAMODB": endpoints.get("dynamodb", endpoints["default"]),
        "AWS_ENDPOINT_URL_KMS": endpoints.get("kms", endpoints["default"]),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": paths.REGION,
        "AWS_DEFAULT_REGION": paths.REGION,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.values.get("memory_size", 128)),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "_HANDLER": function.values.get("handler", ""),
        # No X-Ray daemon locally: the tracer would only log connection errors.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def emulated_stand_ins(plan: Plan) -> dict[str, dict[str, Any]]:
    """Computed attributes of emulated resources that policies embed: the CDN's OAI identity."""
    known = {}
    for number, resource in enumerate(plan.of_type("aws_cloudfront_origin_access_identity"), start=1):
        identity = f"ELOCALOAI{number:05d}"
        known[resource.address] = {
            "id": identity,
            "iam_arn": f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {identity}",
            "cloudfront_access_identity_path": f"origin-access-identity/cloudfront/{identity}",
            "caller_reference": "local-stack",
            "etag": "local-stack",
            "s3_canonical_user_id": "0" * 64,
        }
    return known


def _settings(read: Any, plan: Plan) -> dict[str, Any]:
    """An adapter's settings, read from the plan by the adapter itself."""
    try:
        result: dict[str, Any] = read(plan)
    except Unresolved as error:
        raise StackError(str(error)) from None
    return result


def provision(plan: Plan, endpoints: dict[str, str]) -> tuple[Plan, Provisioner]:
    """Two passes: create what the plan resolves, re-plan over it (replan.py), provision again.

    The second pass is what the stack runs on; if re-planning is impossible, the first stands,
    with what it could not resolve reported."""
    first = Provisioner(plan, endpoints)
    first.run(quiet=True)
    second_plan = replan(plan, {**first.resolver.created, **emulated_stand_ins(plan)})
    if second_plan is None:
        log.info("provision: re-planning unavailable; policies computed from unknown values stay unresolved")
        log.info("%s", first.report.line())
        return plan, first
    second = Provisioner(second_plan, endpoints)
    second.run()
    return second_plan, second


# The dependencies of the upload API that the fault forwarders stand in front of, and the
# emulator endpoint each relays to.
FORWARDED = {"dynamodb": ("dynamodb", paths.DYNAMODB_FORWARD_PORT), "kms": ("default", paths.KMS_FORWARD_PORT)}


def faults_config(endpoints: dict[str, str]) -> dict[str, Any]:
    """stack.faults' configuration: one forwarder per dependency in FORWARDED."""
    forwarders = {
        name: {"listen": port, "upstream": endpoints.get(source, endpoints["default"])}
        for name, (source, port) in FORWARDED.items()
    }
    return {"port": paths.FAULTS_PORT, "forwarders": forwarders}


def start_faults(endpoints: dict[str, str]) -> dict[str, str]:
    """Start the forwarders; the endpoints the upload API is to use instead of the emulators'."""
    config = faults_config(endpoints)
    try:
        for entry in config["forwarders"].values():
            faults.host_port(entry["upstream"])
    except ValueError as error:
        raise StackError(f"fault forwarders: {error}") from None
    write_json(paths.STATE / "faults.json", config)
    processes.start("faults", "faults", ["serve", "--config", str(paths.STATE / "faults.json")], paths.FAULTS_PORT)
    return {name: f"http://{paths.HOST}:{entry['listen']}" for name, entry in config["forwarders"].items()}


def fault_controls() -> dict[str, str]:
    """The control URL of each fault the stack can inject (stack/faults.py)."""
    controls = {name: f"http://{paths.HOST}:{paths.FAULTS_PORT}{faults.CONTROL_PREFIX}/{name}" for name in FORWARDED}
    controls[issuer.JWKS_FAULT] = f"http://{paths.HOST}:{paths.ISSUER_PORT}{faults.CONTROL_PREFIX}/{issuer.JWKS_FAULT}"
    return controls


def start_api(
    api: dict[str, Any], function: Resource, env: dict[str, str], code_dir: Path, endpoints: dict[str, str]
) -> None:
    config = {
        "port": paths.API_PORT,
        **api,
        "api_id": "local",
        "function": {
            "name": function.values.get("function_name", "upload-api"),
            "code_dir": str(code_dir),
            "handler": API_HANDLER,
            "environment": {**env, **_runtime_environment(function, endpoints)},
            "memory_mb": function.values.get("memory_size", 128),
            "timeout_seconds": function.values.get("timeout", 30),
        },
    }
    write_json(paths.STATE / "apigw.json", config)
    restart_api()


def restart_api() -> int:
    """(Re)start the API Gateway adapter from build/stack/apigw.json: the function gets a new,
    cold container (empty caches, a cold start), as Lambda gives after scaling or an update."""
    config = paths.STATE / "apigw.json"
    if not config.exists():
        raise StackError(f"{config} is missing: run `make up`")
    return processes.start("apigw", "apigw", ["--config", str(config)], paths.API_PORT)


def start_cdn(cdn: dict[str, Any], function: Resource, code_dir: Path, endpoints: dict[str, str], bucket: str) -> None:
    config = {
        "port": paths.CDN_PORT,
        "domain_name": CDN_DOMAIN,
        "distribution_id": DISTRIBUTION_ID,
        **cdn,
        "forwarded_log": str(FORWARDED_LOG),
        "origin": {"endpoint": endpoints["default"], "bucket": bucket, "region": paths.REGION},
        "function": {
            "name": function.values.get("function_name", "edge-auth"),
            "code_dir": str(code_dir),
            "handler": EDGE_HANDLER,
            # Lambda@Edge has no environment variables: only what the runtime itself sets.
            "environment": {"AWS_REGION": paths.REGION, "AWS_LAMBDA_FUNCTION_NAME": f"us-east-1.{function.name}"},
            "memory_mb": function.values.get("memory_size", 128),
            "timeout_seconds": function.values.get("timeout", 5),
        },
    }
    write_json(paths.STATE / "cloudfront.json", config)
    processes.start("cloudfront", "cloudfront", ["--config", str(paths.STATE / "cloudfront.json")], paths.CDN_PORT)


def verification(plan: Plan, resolver: Resolver) -> tuple[Resource, dict[str, str], dict[str, Any]]:
    """The verifier's function and planned environment, and its event source mapping's settings."""
    function = function_by_handler(plan, VERIFIER_HANDLER)
    try:
        mapping = event_sources.settings_from_plan(plan, resolver.created)
    except Unresolved as error:
        raise StackError(str(error)) from None
    return function, api_environment(function, resolver, {}), mapping


def start_event_sources(
    mapping: dict[str, Any], function: Resource, env: dict[str, str], endpoints: dict[str, str]
) -> None:
    """The verification queue's event source mapping, invoking the verifier (from its built zip,
    unpacked again) in workers of its own."""
    processes.stop("event_sources", quiet=True)
    code_dir = extract(
        package_path(function, paths.LAMBDA_BUILD / "verifier.zip"), paths.STATE / "functions" / "verifier"
    )
    config = {
        "port": paths.EVENT_SOURCES_PORT,
        "endpoint": endpoints["default"],
        "mapping": mapping,
        # Lambda scales pollers with the backlog up to maximum_concurrency; two fit a 2-core machine.
        "pollers": min(int(mapping.get("maximum_concurrency") or 2), 2),
        "function": {
            "name": function.values.get("function_name", "verifier"),
            "code_dir": str(code_dir),
            "handler": VERIFIER_HANDLER,
            "environment": {**env, **_runtime_environment(function, endpoints)},
            "memory_mb": function.values.get("memory_size", 128),
            "timeout_seconds": function.values.get("timeout", 30),
        },
    }
    write_json(paths.STATE / "event_sources.json", config)
    processes.start(
        "event_sources",
        "event_sources",
        ["--config", str(paths.STATE / "event_sources.json")],
        paths.EVENT_SOURCES_PORT,
    )


def up() -> dict[str, Any]:
    started = time.monotonic()
    paths.STATE.mkdir(parents=True, exist_ok=True)
    previous = json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}
    endpoints, started_localstack = localstack_up()
    started_localstack = started_localstack or bool(previous.get("started_localstack"))
    if not paths.PLAN.exists():
        raise StackError(f"{paths.PLAN} is missing: run `make tf-plan-json ENV=local`")
    plan, provisioner = provision(load_plan(), endpoints)
    report = provisioner.report
    resolver = provisioner.resolver

    bucket_resource = plan_only(plan, "aws_s3_bucket")
    # Two tables (rate-limit counters, upload records): every one must exist; the state names
    # the rate-limit table, the one the API's planned RATE_LIMIT_TABLE names.
    tables = plan.of_type("aws_dynamodb_table")
    key_resource = plan_only(plan, "aws_kms_key")
    for resource in (bucket_resource, *tables, key_resource):
        if resource.address not in resolver.created:
            raise StackError(f"{resource.address} was not created; the stack cannot work without it")
    bucket = resolver.created[bucket_resource.address]["bucket"]
    planned_env = function_by_handler(plan, API_HANDLER).values["environment"][0]["variables"]
    table = planned_env["RATE_LIMIT_TABLE"]
    if table not in {resolver.created[t.address]["name"] for t in tables}:
        raise StackError(f"the rate-limit table {table} is not in the plan")
    key_id = resolver.created[key_resource.address]["key_id"]

    api = _settings(apigw.settings_from_plan, plan)
    api_url = f"{API_URL}/{api['stage']}"
    api_function = function_by_handler(plan, API_HANDLER)
    api_env = api_environment(api_function, resolver, {"CDN_URL": CDN_URL})

    verifier_function, verifier_env, mapping = verification(plan, resolver)

    # The running adapters use the packages about to be unpacked again: stop them first.
    for name in ("event_sources", "cloudfront", "apigw"):
        processes.stop(name, quiet=True)
    kms = boto3.client("kms", endpoint_url=endpoints["default"], **paths.CREDENTIALS)
    edge_function = function_by_handler(plan, EDGE_HANDLER)
    edge_dir = bake_edge(edge_config(plan, key_id, public_key_pem(kms, key_id)))
    api_dir = extract(
        package_path(api_function, paths.LAMBDA_BUILD / "upload_api.zip"), paths.STATE / "functions" / "upload_api"
    )

    user_issuer, user_audience = api_env["USER_JWT_ISSUER"], api_env["USER_JWT_AUDIENCE"]
    state: dict[str, Any] = {
        "started_localstack": started_localstack,
        "endpoints": endpoints,
        "api_url": api_url,
        "cdn_url": CDN_URL,
        "bucket": bucket,
        "table": table,
        "signing_key_id": key_id,
        "user_jwt": {"issuer": user_issuer, "audience": user_audience, "jwks_url": api_env.get("USER_JWKS_URL")},
        # Without the owner keys (secrets) and the inline JWKS (long).
        "api_environment": {k: v for k, v in api_env.items() if k not in SECRET_OR_LONG_VARIABLES},
        "verifier_environment": verifier_env,
        "verification": {**mapping, "control_url": EVENT_SOURCES_URL},
        "forwarded_log": str(FORWARDED_LOG),
        "not_created": report.not_created,
    }
    write_json(STATE_FILE, state)  # the issuer reads its issuer/audience from here

    forwarded = start_faults(endpoints)
    state["api_endpoints"] = {**endpoints, **forwarded}
    state["faults"] = fault_controls()
    processes.start("issuer", "issuer", ["serve", "--port", str(paths.ISSUER_PORT)], paths.ISSUER_PORT)
    start_api(api, api_function, api_env, api_dir, state["api_endpoints"])
    start_cdn(_settings(cloudfront.settings_from_plan, plan), edge_function, edge_dir, endpoints, bucket)
    start_event_sources(mapping, verifier_function, verifier_env, endpoints)

    local = {
        "api_url": api_url,
        "uploads_url": f"{api_url}/uploads",
        "downloads_url": f"{api_url}/downloads",
        "cdn_url": CDN_URL,
        "cdn_domain": CDN_DOMAIN,
        "bucket_name": bucket,
        "signing_key_id": key_id,
        "rate_limit_table_name": table,
        "distribution_id": DISTRIBUTION_ID,
        "verification_queue_url": mapping["queue_url"],
        "edge_function_qualified_arn": (
            f"arn:aws:lambda:{paths.REGION}:000000000000:function:{edge_function.values.get('function_name')}:1"
        ),
    }

    def resolve(name: str) -> Any:
        expression = plan.module_config("").get("outputs", {}).get(name, {}).get("expression")
        return resolver.expression("", expression, f"output.{name}")

    outputs = root_outputs(plan, local, resolve)
    write_json(paths.OUTPUTS, outputs)
    write_json(paths.WEB_CONFIG, outputs["frontend_config"]["value"])
    state["outputs"] = {name: entry["value"] for name, entry in outputs.items()}
    write_json(STATE_FILE, state)
    print_summary(state, time.monotonic() - started)
    return state


# A real 1x1 PNG (69 bytes): the verifier publishes only an image it can read to its end.
SAMPLE_PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGO4Y6MBAAM4AUGx7UnvAAAAAElFTkSuQmCC"


def try_it_commands(api: str) -> str:
    """The quick start a user copies: upload with the body's SHA-256 (the API requires it and S3
    checks it), poll the status route until the verifier has judged the object (uploads land in
    quarantine), then download through the CDN and compare the bytes. Bodies are built with
    `jq --arg` so that no value has to be spliced into shell-quoted JSON."""
    return f"""\
  echo {SAMPLE_PNG_BASE64} | base64 -d > /tmp/hello.png
  AUTH="Authorization: Bearer $(bin/dev_token --sub alice)"
  SHA=$(openssl dgst -sha256 -binary /tmp/hello.png | base64)
  jq -nc --arg sha "$SHA" --argjson size "$(wc -c < /tmp/hello.png)" \\
       '{{content_type: "image/png", size: $size, method: "PUT", sha256: $sha}}' |
    curl -s -X POST {api}/uploads -H "$AUTH" -H 'Content-Type: application/json' -d @- | tee /tmp/upload.json; echo
  curl -s -X PUT "$(jq -r .url /tmp/upload.json)" -H 'Content-Type: image/png' -H 'If-None-Match: *' \\
       -H "x-amz-checksum-sha256: $SHA" --data-binary @/tmp/hello.png
  until curl -s "{api}/uploads/$(jq -r .upload_id /tmp/upload.json)" -H "$AUTH" | tee /tmp/status.json |
    jq -e '.verification != "pending"' > /dev/null; do sleep 1; done; cat /tmp/status.json; echo
  jq -nc --arg key "$(jq -r .key /tmp/upload.json)" '{{key: $key}}' |
    curl -s -X POST {api}/downloads -H "$AUTH" -H 'Content-Type: application/json' -d @- | tee /tmp/download.json; echo
  curl -s "$(jq -r .url /tmp/download.json)" | cmp - /tmp/hello.png && echo "downloaded: the same bytes"
"""


def summary(state: dict[str, Any], seconds: float) -> str:
    api, cdn = state["api_url"], state["cdn_url"]
    routes = "POST /uploads (+ /uploads/{upload_id}/parts|complete), GET /uploads/{upload_id}, POST /downloads"
    return f"""
Local stack up in {seconds:.1f}s (outputs: build/outputs.json, web config: web/config.json)
  API (API Gateway adapter)  {api}   {routes}
  CDN (CloudFront adapter)   {cdn}
  S3, KMS, IAM (LocalStack)  {state["endpoints"]["default"]}   bucket {state["bucket"]}
  DynamoDB                   {state["endpoints"].get("dynamodb")}   table {state["table"]}
  Verification (SQS -> verifier)  {state["verification"]["queue_url"]}   control {state["verification"]["control_url"]}
  Dev token issuer (JWKS)    http://{paths.HOST}:{paths.ISSUER_PORT}{issuer.JWKS_PATH}

Try it (copy-paste into bash from the repository root; needs curl, jq and openssl):
{try_it_commands(api)}"""


def print_summary(state: dict[str, Any], seconds: float) -> None:
    print(summary(state, seconds))


def down() -> None:
    for name in ("event_sources", "cloudfront", "apigw", "issuer", "faults"):
        processes.stop(name)
    state = json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}
    if state.get("started_localstack"):
        result = _launcher("down")
        sys.stdout.write(result.stdout)
    else:
        print("localstack: left running (make up did not start it)")
    STATE_FILE.unlink(missing_ok=True)


def status() -> dict[str, Any]:
    names = ("faults", "issuer", "apigw", "cloudfront", "event_sources")
    return {name: processes.running_pid(name) for name in names}
