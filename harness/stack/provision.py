"""Create in LocalStack what Terraform's plan declares, with the planned settings.

Every managed resource of a type LocalStack (or the DynamoDB sidecar) serves is created or
brought in line with the plan: S3 bucket and its ownership controls, public-access block,
encryption, versioning, lifecycle, CORS and policy; DynamoDB table with TTL; KMS key and alias;
IAM roles, inline and managed policies and attachments; CloudWatch log groups; SQS queues (+ redrive
and queue policies) and the bucket's notification configuration. Running it again
is safe: existing resources are updated in place, a vanished KMS key is recreated.

Unknown values are resolved through references to what this provisioner created (see plan.py).
A resource whose settings cannot be resolved, or of a type nothing local serves, is not created;
all of those are reported together in one log line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from stack import paths
from stack.plan import Plan, Resource, Unresolved, most_specific, parent_module, parse_reference

log = logging.getLogger("stack.provision")
ACCOUNT_ID = "000000000000"
# Creation order: what others reference comes first.
ORDER = (
    "aws_kms_key",
    "aws_kms_alias",
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_cloudwatch_log_group",
    "aws_dynamodb_table",
    "aws_s3_bucket",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_cors_configuration",
    "aws_s3_bucket_policy",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_sqs_queue_redrive_allow_policy",
    # After the queue policy, as Terraform orders it: S3 checks it may send when it is set.
    "aws_s3_bucket_notification",
)
KEY_STATE = paths.STATE / "kms-keys.json"


def _first(block: Any) -> dict[str, Any]:
    """Terraform renders a nested block as a list of objects; most hold at most one."""
    if isinstance(block, list):
        return block[0] if block else {}
    return block or {}


def _tags(values: dict[str, Any]) -> dict[str, str]:
    return dict(values.get("tags_all") or values.get("tags") or {})


@dataclass
class Resolver:
    """Known planned values, else a chain of direct references to something created or known."""

    plan: Plan
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    replacements: dict[str, str] = field(default_factory=dict)

    def substitute(self, value: Any) -> Any:
        """Planned placeholders of computed attributes (if the plan had any) -> the real values."""
        if isinstance(value, str):
            for planned, real in self.replacements.items():
                value = value.replace(planned, real)
            return value
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        return value

    def value(self, resource: Resource, attribute: str) -> Any:
        if not resource.is_unknown(attribute) and attribute in resource.values:
            return self.substitute(resource.values[attribute])
        expression = self.plan.resource_config(resource).get("expressions", {}).get(attribute)
        return self.expression(resource.module, expression, f"{resource.address}.{attribute}")

    def expression(self, module: str, expression: Any, label: str) -> Any:
        if not isinstance(expression, dict):
            raise Unresolved(f"{label}: no expression in the plan")
        if "constant_value" in expression:
            return expression["constant_value"]
        references = most_specific(expression.get("references", []))
        if len(references) != 1:
            raise Unresolved(f"{label} is computed from {', '.join(references) or 'nothing known'}")
        return self.reference(module, references[0], label)

    def reference(self, module: str, reference: str, label: str) -> Any:
        head, _, rest = reference.partition(".")
        if head == "var":
            name, _, path = rest.partition(".")
            if not module:
                return _dig(self.plan.variable(name), path, label)
            parent, call = parent_module(module)
            arguments = self.plan.module_config(parent).get("module_calls", {}).get(call, {}).get("expressions", {})
            return _dig(self.expression(parent, arguments.get(name), f"{label} <- var.{name}"), path, label)
        if head == "module":
            call, _, output = rest.partition(".")
            child = f"{module}.module.{call}" if module else f"module.{call}"
            name, _, path = output.partition(".")
            outputs = self.plan.module_config(child).get("outputs", {})
            expression = outputs.get(name, {}).get("expression")
            return _dig(self.expression(child, expression, f"{label} <- {reference}"), path, label)
        if head in {"local", "each", "count", "path", "data", "terraform", "self"}:
            raise Unresolved(f"{label} depends on {reference}, which a plan does not record")
        type_, name, index, attribute = parse_reference(reference)
        address = (f"{module}." if module else "") + f"{type_}.{name}" + (f"[{index}]" if index else "")
        if attribute is None:
            raise Unresolved(f"{label} uses the whole of {address}")
        attribute, _, path = attribute.partition(".")
        if attribute in self.created.get(address, {}):
            return _dig(self.created[address][attribute], path, label)
        for resource in self.plan.resources:
            if resource.address == address and not resource.is_unknown(attribute) and attribute in resource.values:
                return _dig(self.substitute(resource.values[attribute]), path, label)
        raise Unresolved(f"{label} <- {address}.{attribute}, which was not created here")


def _dig(value: Any, path: str, label: str) -> Any:
    for part in filter(None, path.split(".")):
        if not isinstance(value, dict) or part not in value:
            raise Unresolved(f"{label}: no {part!r}")
        value = value[part]
    return value


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    not_created: dict[str, str] = field(default_factory=dict)  # address -> reason
    # Created because the stack cannot work without them, but missing a setting: address -> which.
    incomplete: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        if not self.not_created and not self.incomplete:
            return "provision: every planned resource was created with its planned settings"
        parts = [f"{address} ({reason})" for address, reason in sorted(self.not_created.items())]
        parts += [f"{address} (created WITHOUT {what})" for address, what in sorted(self.incomplete.items())]
        return f"provision: NOT created in LocalStack as planned ({len(parts)}): " + "; ".join(parts)


class Provisioner:
    def __init__(self, plan: Plan, endpoints: dict[str, str]) -> None:
        self.plan = plan
        self.resolver = Resolver(plan)
        self.report = Report()
        config = Config(retries={"max_attempts": 3, "mode": "standard"})

        def client(service: str, endpoint: str) -> Any:
            return boto3.client(service, endpoint_url=endpoint, config=config, **paths.CREDENTIALS)

        default = endpoints["default"]
        self.s3 = client("s3", default)
        self.kms = client("kms", default)
        self.iam = client("iam", default)
        self.logs = client("logs", default)
        self.sqs = client("sqs", default)
        self.dynamodb = client("dynamodb", endpoints.get("dynamodb", default))
        self.handlers: dict[str, Callable[[Resource], dict[str, Any]]] = {
            "aws_kms_key": self._kms_key,
            "aws_kms_alias": self._kms_alias,
            "aws_iam_role": self._iam_role,
            "aws_iam_policy": self._iam_policy,
            "aws_iam_role_policy": self._iam_role_policy,
            "aws_iam_role_policy_attachment": self._iam_attachment,
            "aws_cloudwatch_log_group": self._log_group,
            "aws_dynamodb_table": self._dynamodb_table,
            "aws_s3_bucket": self._bucket,
            "aws_s3_bucket_ownership_controls": self._ownership,
            "aws_s3_bucket_public_access_block": self._public_access_block,
            "aws_s3_bucket_server_side_encryption_configuration": self._encryption,
            "aws_s3_bucket_versioning": self._versioning,
            "aws_s3_bucket_lifecycle_configuration": self._lifecycle,
            "aws_s3_bucket_cors_configuration": self._cors,
            "aws_s3_bucket_policy": self._bucket_policy,
            "aws_sqs_queue": self._queue,
            "aws_sqs_queue_policy": self._queue_policy,
            "aws_sqs_queue_redrive_allow_policy": self._redrive_allow_policy,
            "aws_s3_bucket_notification": self._bucket_notification,
        }

    # --- driver ---------------------------------------------------------------

    def run(self, quiet: bool = False) -> None:
        managed = [r for r in self.plan.resources if r.mode == "managed"]
        for resource in sorted(managed, key=lambda r: ORDER.index(r.type) if r.type in ORDER else len(ORDER)):
            handler = self.handlers.get(resource.type)
            if handler is None:
                self.report.not_created[resource.address] = _why_not(resource.type)
                continue
            try:
                real = handler(resource)
            except Unresolved as error:
                self.report.not_created[resource.address] = f"unresolved: {error}"
                continue
            except ClientError as error:
                self.report.not_created[resource.address] = f"LocalStack refused: {error.response['Error']['Code']}"
                continue
            self.resolver.created[resource.address] = real
            for attribute, value in real.items():
                planned = resource.values.get(attribute)
                if isinstance(planned, str) and isinstance(value, str) and len(planned) > 8 and planned != value:
                    self.resolver.replacements[planned] = value
            self.report.created.append(resource.address)
        if not quiet:
            log.info("provision: created or updated %d resources", len(self.report.created))
            log.info("%s", self.report.line())

    def _v(self, resource: Resource, attribute: str) -> Any:
        return self.resolver.value(resource, attribute)

    def _optional(self, resource: Resource, attribute: str, default: Any = None) -> Any:
        try:
            value = self._v(resource, attribute)
        except Unresolved:
            return default
        return default if value is None else value

    # --- KMS ------------------------------------------------------------------

    def _kms_key(self, resource: Resource) -> dict[str, Any]:
        known = json.loads(KEY_STATE.read_text()) if KEY_STATE.exists() else {}
        key_id = known.get(resource.address)
        if key_id:
            try:
                state = self.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
                if state != "Enabled":
                    key_id = None
            except ClientError:
                key_id = None  # LocalStack restarted without persistence: make a new one
        try:
            policy = self._v(resource, "policy")
        except Unresolved as error:
            # The key is what the whole stack signs with: create it, and say what it lacks.
            policy = None
            self.report.incomplete[resource.address] = f"its key policy ({error})"
        if key_id is None:
            tags = [{"TagKey": k, "TagValue": v} for k, v in _tags(resource.values).items()]
            tags.append({"TagKey": "local-stack:address", "TagValue": resource.address})
            arguments: dict[str, Any] = {
                "Description": self._optional(resource, "description", ""),
                "KeyUsage": self._optional(resource, "key_usage", "ENCRYPT_DECRYPT"),
                "KeySpec": self._optional(resource, "customer_master_key_spec", "SYMMETRIC_DEFAULT"),
                "Tags": tags,
            }
            if policy:
                arguments["Policy"] = policy
            key_id = self.kms.create_key(**arguments)["KeyMetadata"]["KeyId"]
            known[resource.address] = key_id
            KEY_STATE.parent.mkdir(parents=True, exist_ok=True)
            KEY_STATE.write_text(json.dumps(known, indent=2) + "\n")
        elif policy:
            self.kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)
        metadata = self.kms.describe_key(KeyId=key_id)["KeyMetadata"]
        return {"id": key_id, "key_id": key_id, "arn": metadata["Arn"]}

    def _kms_alias(self, resource: Resource) -> dict[str, Any]:
        name, target = self._v(resource, "name"), self._v(resource, "target_key_id")
        try:
            self.kms.create_alias(AliasName=name, TargetKeyId=target)
        except ClientError as error:
            if error.response["Error"]["Code"] != "AlreadyExistsException":
                raise
            self.kms.update_alias(AliasName=name, TargetKeyId=target)
        return {"id": name, "name": name, "arn": f"arn:aws:kms:{paths.REGION}:{ACCOUNT_ID}:{name}"}

    # --- IAM ------------------------------------------------------------------

    def _iam_role(self, resource: Resource) -> dict[str, Any]:
        name = self._v(resource, "name")
        trust = self._v(resource, "assume_role_policy")
        try:
            role = self.iam.create_role(
                RoleName=name,
                Path=self._optional(resource, "path", "/"),
                AssumeRolePolicyDocument=trust,
                Description=self._optional(resource, "description", ""),
                MaxSessionDuration=self._optional(resource, "max_session_duration", 3600),
                Tags=[{"Key": k, "Value": v} for k, v in _tags(resource.values).items()],
            )["Role"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "EntityAlreadyExists":
                raise
            self.iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
            role = self.iam.get_role(RoleName=name)["Role"]
        return {"id": name, "name": name, "arn": role["Arn"], "unique_id": role["RoleId"]}

    def _iam_policy(self, resource: Resource) -> dict[str, Any]:
        name, document = self._v(resource, "name"), self._v(resource, "policy")
        arn = f"arn:aws:iam::{ACCOUNT_ID}:policy{self._optional(resource, 'path', '/')}{name}"
        try:
            arn = self.iam.create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "EntityAlreadyExists":
                raise
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=document, SetAsDefault=True)
        return {"id": arn, "arn": arn, "name": name}

    def _iam_role_policy(self, resource: Resource) -> dict[str, Any]:
        role, name, document = self._v(resource, "role"), self._v(resource, "name"), self._v(resource, "policy")
        self.iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
        return {"id": f"{role}:{name}", "name": name, "role": role}

    def _iam_attachment(self, resource: Resource) -> dict[str, Any]:
        role, policy_arn = self._v(resource, "role"), self._v(resource, "policy_arn")
        self.iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
        return {"id": f"{role}-{policy_arn}", "role": role, "policy_arn": policy_arn}

    # --- CloudWatch Logs ----------------------------------------------------------

    def _log_group(self, resource: Resource) -> dict[str, Any]:
        name = self._v(resource, "name")
        try:
            self.logs.create_log_group(logGroupName=name)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
        retention = self._optional(resource, "retention_in_days", 0)
        if retention:
            self.logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
        return {"id": name, "name": name, "arn": f"arn:aws:logs:{paths.REGION}:{ACCOUNT_ID}:log-group:{name}"}

    # --- DynamoDB -------------------------------------------------------------

    def _dynamodb_table(self, resource: Resource) -> dict[str, Any]:
        name = self._v(resource, "name")
        schema = [{"AttributeName": self._v(resource, "hash_key"), "KeyType": "HASH"}]
        range_key = self._optional(resource, "range_key")
        if range_key:
            schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
        attributes = [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in resource.values["attribute"]]
        billing = self._optional(resource, "billing_mode", "PROVISIONED")
        arguments: dict[str, Any] = {
            "TableName": name,
            "KeySchema": schema,
            "AttributeDefinitions": attributes,
            "BillingMode": billing,
            "SSESpecification": {"Enabled": bool(_first(resource.values.get("server_side_encryption")).get("enabled"))},
        }
        if billing == "PROVISIONED":
            arguments["ProvisionedThroughput"] = {
                "ReadCapacityUnits": self._optional(resource, "read_capacity", 1),
                "WriteCapacityUnits": self._optional(resource, "write_capacity", 1),
            }
        tags = _tags(resource.values)
        if tags:
            arguments["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        try:
            self.dynamodb.create_table(**arguments)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceInUseException":
                raise
        deadline = time.monotonic() + 30
        while self.dynamodb.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
            if time.monotonic() > deadline:
                raise Unresolved(f"table {name} did not become ACTIVE")
            time.sleep(0.2)
        ttl = _first(resource.values.get("ttl"))
        if ttl.get("enabled") and ttl.get("attribute_name"):
            current = self.dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in {"ENABLED", "ENABLING"}:
                self.dynamodb.update_time_to_live(
                    TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attribute_name"]}
                )
        arn = self.dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        return {"id": name, "name": name, "arn": arn}

    # --- S3 -------------------------------------------------------------------

    def _bucket(self, resource: Resource) -> dict[str, Any]:
        name = self._v(resource, "bucket")
        try:
            self.s3.create_bucket(Bucket=name)
        except ClientError as error:
            if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise
        tags = _tags(resource.values)
        if tags:
            self.s3.put_bucket_tagging(
                Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
            )
        return {
            "id": name,
            "bucket": name,
            "arn": f"arn:aws:s3:::{name}",
            "bucket_domain_name": f"{name}.s3.amazonaws.com",
            "bucket_regional_domain_name": f"{name}.s3.{paths.REGION}.amazonaws.com",
            "region": paths.REGION,
        }

    def _ownership(self, resource: Resource) -> dict[str, Any]:
        bucket = self._v(resource, "bucket")
        rule = _first(resource.values.get("rule"))
        self.s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": rule["object_ownership"]}]}
        )
        return {"id": bucket, "bucket": bucket}

    def _public_access_block(self, resource: Resource) -> dict[str, Any]:
        bucket = self._v(resource, "bucket")
        names = {
            "block_public_acls": "BlockPublicAcls",
            "ignore_public_acls": "IgnorePublicAcls",
            "block_public_policy": "BlockPublicPolicy",
            "restrict_public_buckets": "RestrictPublicBuckets",
        }
        config = {api: bool(resource.values.get(attribute)) for attribute, api in names.items()}
        self.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)
        return {"id": bucket, "bucket": bucket}

    def _encryption(self, resource: Resource) -> dict[str, Any]:
        bucket = self._v(resource, "bucket")
        rules = []
        for rule in resource.values.get("rule", []):
            default = _first(rule.get("apply_server_side_encryption_by_default"))
            entry: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": default["sse_algorithm"]}}
            if default.get("kms_master_key_id"):
                entry["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] = default["kms_master_key_id"]
            if rule.get("bucket_key_enabled") is not None:
                entry["BucketKeyEnabled"] = bool(rule["bucket_key_enabled"])
            rules.append(entry)
        self.s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
        return {"id": bucket, "bucket": bucket}

    def _versioning(self, resource: Resource) -> dict[str, Any]:
        bucket = self._v(resource, "bucket")
        status = _first(resource.values.get("versioning_configuration")).get("status", "Enabled")
        if status != "Disabled":
            self.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
        return {"id": bucket, "bucket": bucket}

    def _lifecycle(self, resource: Resource) -> dict[str, Any]:
        bucket = self._v(resource, "bucket")
        rules = [_lifecycle_rule(rule) for rule in resource.values.get("rule", [])]
        self.s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
        return {"id": bucket, "bucket": bucket}

    def _cors(self, resource: Resource) -> dict[str, Any]:
        bucket = self._v(resource, "bucket")
        rules = []
        for rule in resource.values.get("cors_rule", []):
            entry: dict[str, Any] = {
                "AllowedMethods": rule["allowed_methods"],
                "AllowedOrigins": rule["allowed_origins"],
            }
            for attribute, api in (("allowed_headers", "AllowedHeaders"), ("expose_headers", "ExposeHeaders")):
                if rule.get(attribute):
                    entry[api] = rule[attribute]
            if rule.get("max_age_seconds") is not None:
                entry["MaxAgeSeconds"] = rule["max_age_seconds"]
            if rule.get("id"):
                entry["ID"] = rule["id"]
            rules.append(entry)
        self.s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
        return {"id": bucket, "bucket": bucket}

    def _bucket_policy(self, resource: Resource) -> dict[str, Any]:
        bucket, policy = self._v(resource, "bucket"), self._v(resource, "policy")
        self.s3.put_bucket_policy(Bucket=bucket, Policy=policy)
        return {"id": bucket, "bucket": bucket}

    def _bucket_notification(self, resource: Resource) -> dict[str, Any]:
        """Queue targets only (the plan's). Unknown until the queue exists: then the re-plan knows
        every ARN, so pass 1 skips it and pass 2 sets it (LocalStack sends an s3:TestEvent)."""
        bucket = self._v(resource, "bucket")
        if resource.is_unknown("queue"):
            raise Unresolved(f"{resource.address}.queue is unknown (the queue's ARN, before re-planning)")
        if resource.values.get("topic") or resource.values.get("lambda_function") or resource.values.get("eventbridge"):
            raise Unresolved(f"{resource.address}: only queue targets are provisioned locally")
        configurations = []
        for queue in resource.values.get("queue") or []:
            if not queue.get("queue_arn"):
                raise Unresolved(f"{resource.address}: a queue target's ARN is unknown (before re-planning)")
            entry: dict[str, Any] = {"QueueArn": queue["queue_arn"], "Events": sorted(queue["events"])}
            if queue.get("id"):
                entry["Id"] = queue["id"]
            rules = [
                {"Name": name, "Value": queue[attribute]}
                for name, attribute in (("prefix", "filter_prefix"), ("suffix", "filter_suffix"))
                if queue.get(attribute)
            ]
            if rules:
                entry["Filter"] = {"Key": {"FilterRules": rules}}
            configurations.append(entry)
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configurations}
        )
        return {"id": bucket, "bucket": bucket}

    # --- SQS ------------------------------------------------------------------

    def _queue(self, resource: Resource) -> dict[str, Any]:
        name = self._v(resource, "name")
        attributes = {
            api: str(value).lower() if isinstance(value, bool) else str(value)
            for attribute, api in (
                ("visibility_timeout_seconds", "VisibilityTimeout"),
                ("message_retention_seconds", "MessageRetentionPeriod"),
                ("receive_wait_time_seconds", "ReceiveMessageWaitTimeSeconds"),
                ("delay_seconds", "DelaySeconds"),
                ("max_message_size", "MaximumMessageSize"),
                ("sqs_managed_sse_enabled", "SqsManagedSseEnabled"),
            )
            if (value := self._optional(resource, attribute)) is not None
        }
        # The redrive policy names the dead-letter queue's ARN: known in pass 2 (the re-plan).
        try:
            redrive = self._v(resource, "redrive_policy")
        except Unresolved as error:
            redrive = None
            self.report.incomplete[resource.address] = f"its redrive policy ({error})"
        if redrive:
            attributes["RedrivePolicy"] = redrive
        try:
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as error:
            if error.response["Error"]["Code"] not in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}:
                raise
            tags = _tags(resource.values)
            url = self.sqs.create_queue(QueueName=name, Attributes=attributes, tags=tags)["QueueUrl"]
        else:
            self.sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return {"id": url, "url": url, "arn": arn, "name": name}

    def _queue_policy(self, resource: Resource) -> dict[str, Any]:
        url, policy = self._v(resource, "queue_url"), self._v(resource, "policy")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        return {"id": url, "queue_url": url}

    def _redrive_allow_policy(self, resource: Resource) -> dict[str, Any]:
        url, policy = self._v(resource, "queue_url"), self._v(resource, "redrive_allow_policy")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": policy})
        return {"id": url, "queue_url": url}


def _why_not(type_: str) -> str:
    if type_ == "aws_lambda_event_source_mapping":
        return "no local service; stack.event_sources polls the queue and invokes the function"
    if type_.startswith(("aws_api_gateway_", "aws_lambda_")):
        return "no local service; the API Gateway/CloudFront adapters and stack.event_sources run the functions"
    if type_.startswith("aws_cloudfront_"):
        return "no local service; the CloudFront adapter applies its settings"
    return "no local service"


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"ID": rule.get("id") or "rule", "Status": rule.get("status", "Enabled")}
    rule_filter = _first(rule.get("filter"))
    entry["Filter"] = {"Prefix": rule_filter.get("prefix") or ""}
    abort = _first(rule.get("abort_incomplete_multipart_upload"))
    if abort:
        entry["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": abort["days_after_initiation"]}
    expiration = _first(rule.get("expiration"))
    if expiration.get("days"):
        entry["Expiration"] = {"Days": expiration["days"]}
    noncurrent = _first(rule.get("noncurrent_version_expiration"))
    if noncurrent.get("noncurrent_days"):
        entry["NoncurrentVersionExpiration"] = {"NoncurrentDays": noncurrent["noncurrent_days"]}
    return entry


def load_plan(path: Path = paths.PLAN) -> Plan:
    return Plan(json.loads(path.read_text()))
