"""The stand-in provider: serves a rebuilt schema over plugin protocol v6 and lets Terraform
core do every check it can (arguments, blocks, types, required, references).

Run by Terraform through the launcher that `tf_offline providers` installs:
    provider.py <schema.pb> <source address>
It never talks to a cloud: plan marks computed attributes unknown, data sources answer with
placeholders (archive_file writes the real zip), apply and import refuse.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

import grpc
from hc_go_plugin_server._common import rpc_plugin_server as _plugin_server_common
from hc_go_plugin_server.rpc_plugin import SyncRPCPluginServer
from tfplugin_proto import tfplugin6_5_pb2 as pb
from tfplugin_proto import tfplugin6_5_pb2_grpc as pb_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tf_offline import archive, values

_MAX_MESSAGE = 256 * 1024 * 1024


def _error(summary: str, detail: str = "") -> pb.Diagnostic:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)


class Placeholders:
    """Known values for computed attributes of data sources.

    A few data sources we rely on get realistic values (an account id of the shape AWS uses,
    the configured region, a real RSA public key); anything else gets "stand-in:<type>.<attr>"
    for strings and zero values otherwise, so that a plan shows where a value is fake.
    """

    ACCOUNT = "000000000000"

    def __init__(self, type_name: str, config: dict[str, Any], region: str) -> None:
        self.type_name = type_name
        self.config = config
        self.region = config.get("region") or region
        self.known = self._known()

    def _known(self) -> dict[str, Any]:
        region = self.region
        match self.type_name:
            case "aws_caller_identity":
                return {
                    "account_id": self.ACCOUNT,
                    "arn": f"arn:aws:iam::{self.ACCOUNT}:user/stand-in",
                    "user_id": "AIDASTANDIN00000000000",
                    "id": self.ACCOUNT,
                }
            case "aws_region":
                return {
                    "name": region,
                    "region": region,
                    "id": region,
                    "endpoint": f"ec2.{region}.amazonaws.com",
                    "description": region,
                }
            case "aws_partition":
                return {"partition": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}
            case "aws_kms_public_key":
                return _kms_public_key(self.config.get("key_id") or "", region)
            case "aws_iam_policy_document":
                doc = '{"Version":"2012-10-17","Statement":[]}'
                return {"json": doc, "minified_json": doc}
        return {}

    def __call__(self, path: str, cty_type: Any) -> Any:
        if path in self.known:
            return self.known[path]
        if cty_type == "string":
            return f"stand-in:{self.type_name}.{path}"
        return values.zero_value(cty_type)


def _kms_public_key(key_id: str, region: str) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "arn": f"arn:aws:kms:{region}:{Placeholders.ACCOUNT}:key/{key_id}",
        "id": key_id,
        "public_key": base64.b64encode(der).decode(),
        "public_key_pem": pem.decode(),
        "customer_master_key_spec": "RSA_2048",
        "key_usage": "SIGN_VERIFY",
        "signing_algorithms": ["RSASSA_PKCS1_V1_5_SHA_256"],
        "encryption_algorithms": [],
    }


class StandInProvider(pb_grpc.ProviderServicer):
    def __init__(self, schema: pb.GetProviderSchema.Response, address: str) -> None:
        self.schema = schema
        self.address = address
        self.region = "us-east-1"

    # Schema and validation: Terraform core validates against the schema itself.
    def GetProviderSchema(self, request: Any, context: Any) -> pb.GetProviderSchema.Response:
        return self.schema

    def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request: Any, context: Any) -> Any:
        config = values.decode(request.config) or {}
        region = config.get("region") if isinstance(config, dict) else None
        if isinstance(region, str):
            self.region = region
        return pb.ConfigureProvider.Response()

    def GetFunctions(self, request: Any, context: Any) -> Any:
        return pb.GetFunctions.Response()

    def StopProvider(self, request: Any, context: Any) -> Any:
        return pb.StopProvider.Response()

    # State handling: there is no real state behind the stand-in; pass what Terraform has.
    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        raw = json.loads(request.raw_state.json or b"null")
        block = self.schema.resource_schemas[request.type_name].block
        upgraded = json.dumps(values.conform(block, raw)).encode()
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=upgraded))

    def ReadResource(self, request: Any, context: Any) -> Any:
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        proposed = values.decode(request.proposed_new_state)
        if proposed is None:  # destroy
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        prior = values.decode(request.prior_state)
        config = values.decode(request.config)
        block = self.schema.resource_schemas[request.type_name].block
        planned = values.plan_block(block, proposed, config, creating=prior is None)
        # The SDKv2 providers we stand in for declare the legacy type system too; it keeps
        # Terraform tolerant of the stand-in's simplified planning.
        return pb.PlanResourceChange.Response(
            planned_state=values.encode(planned), planned_private=request.prior_private, legacy_type_system=True
        )

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        return pb.ApplyResourceChange.Response(
            diagnostics=[
                _error(
                    "The offline stand-in provider cannot apply",
                    f"{self.address} is served by harness/tf_offline (schema only). Use TF_PROVIDERS=real.",
                )
            ]
        )

    def ImportResourceState(self, request: Any, context: Any) -> Any:
        return pb.ImportResourceState.Response(
            diagnostics=[_error("The offline stand-in provider cannot import", self.address)]
        )

    def ReadDataSource(self, request: Any, context: Any) -> Any:
        config = values.decode(request.config) or {}
        block = self.schema.data_source_schemas[request.type_name].block
        try:
            filler = Placeholders(request.type_name, config, self.region)
            if request.type_name == "archive_file":
                filler.known.update(archive.build(config))
            state = values.fill_block(block, config, filler)
        except (OSError, ValueError) as exc:
            return pb.ReadDataSource.Response(diagnostics=[_error(f"{request.type_name}: {exc}")])
        return pb.ReadDataSource.Response(state=values.encode(state))


def _fast_server_cert() -> tuple[Any, Any]:
    """The library's self-signed certificate, on a P-256 key: Terraform starts a provider
    process per configuration and per command, and RSA key generation dominated start-up."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


_plugin_server_common.generate_server_cert = _fast_server_cert


def _grpc_server(executor: Any) -> grpc.Server:
    # A provider schema and a configuration with a zip's sources inlined exceed gRPC's 4 MB default.
    options = [("grpc.max_send_message_length", _MAX_MESSAGE), ("grpc.max_receive_message_length", _MAX_MESSAGE)]
    return grpc.server(executor, options=options)


class _Server(SyncRPCPluginServer):
    """hc-go-plugin-server's server with Terraform's handshake: go-plugin rejects the padded
    base64 certificate the library prints, so print it unpadded ourselves."""

    _server_factory = staticmethod(_grpc_server)

    def run(self) -> None:
        parent = os.getppid()
        self.server.start()
        cert = self.cert_base64.rstrip("=")
        print(f"1|6|tcp|127.0.0.1:{self.port}|grpc|{cert}", flush=True)
        # go-plugin stops plugins with SIGKILL; notice when Terraform is gone.
        while os.getppid() == parent:
            if not self.server.wait_for_termination(1):
                break


def main(argv: list[str]) -> int:
    if os.environ.get("TF_PLUGIN_MAGIC_COOKIE") is None:
        print("This is a Terraform provider plugin; Terraform runs it.", file=sys.stderr)
        return 1
    schema_path, address = argv
    schema = pb.GetProviderSchema.Response.FromString(Path(schema_path).read_bytes())
    server = _Server()
    pb_grpc.add_ProviderServicer_to_server(StandInProvider(schema, address), server.server)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
