"""The Lambda packages: reproducible, within the Lambda@Edge limit, and without what the edge
must not carry."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import botocore
import pytest

import build_lambda

ROOT = Path(__file__).resolve().parents[2]
WHEELS = ROOT / "build" / "lambda" / ".wheels"  # shared cache: tests do not refetch wheels


def build(out: Path, function: build_lambda.Function) -> Path:
    return build_lambda.build_function(function, out, WHEELS)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, list[Path]]:
    """The edge twice; the upload API (~50 MB of dependencies to unpack) once here, twice in
    `make lambda-build-check` (build_lambda.py --check-reproducible), to keep this suite fast."""
    result: dict[str, list[Path]] = {"upload_api": [build(tmp_path_factory.mktemp("api"), build_lambda.UPLOAD_API)]}
    result["verifier"] = [build(tmp_path_factory.mktemp("verifier"), build_lambda.VERIFIER)]
    result["edge_auth"] = [build(tmp_path_factory.mktemp(run), build_lambda.EDGE_AUTH) for run in ("first", "second")]
    return result


def test_two_edge_builds_are_byte_identical(builds):
    first, second = builds["edge_auth"]
    assert digest(first) == digest(second)


def test_check_reproducible_fails_when_a_second_build_differs(tmp_path, monkeypatch):
    real_write_zip = build_lambda.write_zip
    runs = []

    def drifting_write_zip(tree, destination, compresslevel):
        runs.append(destination)
        if len(runs) == 2:  # the second build picks up something the first did not
            (tree / "edge_auth" / "stray.txt").write_text("drift")
        real_write_zip(tree, destination, compresslevel)

    monkeypatch.setattr(build_lambda, "write_zip", drifting_write_zip)
    with pytest.raises(SystemExit, match="not reproducible"):
        build_lambda.main(
            ["--out", str(tmp_path), "--wheels", str(WHEELS), "--only", "edge_auth", "--check-reproducible"]
        )


def test_edge_zip_leaves_room_for_its_configuration_under_the_lambda_at_edge_limit(builds):
    assert builds["edge_auth"][0].stat().st_size <= 1_048_576 - build_lambda.EDGE_CONFIG_HEADROOM_BYTES


def test_edge_zip_has_no_cryptography_boto3_or_binaries(builds):
    names = zipfile.ZipFile(builds["edge_auth"][0]).namelist()
    top = {name.split("/")[0].split("-")[0].lower() for name in names}
    assert {"edge_auth", "objectkeys", "rsa", "pyasn1"} <= top
    assert "jwt" not in top  # the edge parses JWS itself (edge_auth/jws.py)
    assert not top & {"cryptography", "boto3", "botocore", "cffi", "_cffi_backend.cpython"}
    assert not [n for n in names if n.endswith(".so")]
    assert "edge_auth/config.json" not in names  # baked in at apply time, by Terraform
    assert "edge_auth/handler.py" in names


def test_zip_entries_are_sorted_with_fixed_time_and_mode(builds):
    for path in (builds["edge_auth"][0], builds["upload_api"][0], builds["verifier"][0]):
        infos = zipfile.ZipFile(path).infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {(i.external_attr >> 16) & 0o777 for i in infos} <= {0o644, 0o755}
        assert not [i.filename for i in infos if i.filename.startswith("bin/")]


def test_zips_ship_unchecked_hash_bytecode_for_every_module(builds):
    import importlib.util

    for path in (builds["edge_auth"][0], builds["upload_api"][0], builds["verifier"][0]):
        archive = zipfile.ZipFile(path)
        names = set(archive.namelist())
        sources = [n for n in names if n.endswith(".py")]
        assert sources
        for source in sources:
            folder, _, module = source.rpartition("/")
            pyc = f"{folder}/__pycache__/{module[:-3]}.cpython-313.pyc".lstrip("/")
            assert pyc in names, pyc
        for pyc in [n for n in names if n.endswith(".pyc")][:50]:
            header = archive.read(pyc)[:8]
            assert header[:4] == importlib.util.MAGIC_NUMBER
            assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, unchecked


def test_upload_api_zip_has_its_runtime_for_linux_x86_64(builds):
    names = zipfile.ZipFile(builds["upload_api"][0]).namelist()
    assert "upload_api/handler.py" in names and "objectkeys/__init__.py" in names
    binaries = [n for n in names if n.endswith(".so")]
    assert binaries and all("x86_64" in n or "abi3" in n or "/" in n for n in binaries)
    assert any(n.startswith("cryptography/hazmat/bindings/_rust.abi3.so") for n in names)
    assert any(n.startswith("aws_lambda_powertools/") for n in names)


@pytest.fixture(scope="module")
def trusted_edge_build(builds, tmp_path_factory) -> Path:
    """The built edge package, baked as Terraform bakes it, with a config that trusts the tests'
    download key."""
    from lambda_testkit import edge_config_dict, public_pem, rsa_key

    import edge_package

    baked = tmp_path_factory.mktemp("trusted") / "edge_auth.zip"
    return edge_package.bake(edge_config_dict(public_pem(rsa_key("download"))), baked, builds["edge_auth"][0])


def test_oversized_edge_package_fails_the_build(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build_lambda, "EDGE_LIMIT_BYTES", 100_000)
    monkeypatch.setattr(build_lambda, "EDGE_CONFIG_HEADROOM_BYTES", 0)
    with pytest.raises(SystemExit, match="over the 100,000-byte limit"):
        build(tmp_path, build_lambda.EDGE_AUTH)
    assert "headroom -" in capsys.readouterr().out
    assert not (tmp_path / "edge_auth.zip").exists()


RUN_EDGE = """
import json, sys
sys.path.insert(0, sys.argv[1])
try:
    import cryptography  # noqa: F401
    raise SystemExit("cryptography is importable: the test would prove nothing")
except ImportError:
    pass
from edge_auth.handler import handler
for line in sys.stdin:
    print(json.dumps(handler(json.loads(line), None)))
"""


def test_edge_zip_verifies_tokens_on_its_own_without_cryptography(trusted_edge_build, tmp_path):
    """Unzipped and run by a bare interpreter (`-S`: no site-packages), the package verifies a
    real RS256 token with nothing but its own contents."""
    from lambda_testkit import DOWNLOAD_AUDIENCE, DOWNLOAD_ISSUER, cf_event, make_token, owner_segment, rsa_key

    package = trusted_edge_build
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(package).extractall(unpacked)
    path = f"/uploads/{owner_segment('alice')}/{'a' * 32}.png"
    good = make_token(
        key=rsa_key("download"),
        kid="download-key",
        issuer=DOWNLOAD_ISSUER,
        audience=DOWNLOAD_AUDIENCE,
        claims={"path": path},
    )
    events = [
        cf_event(path, querystring=f"authorization={good}"),
        cf_event(path, querystring=f"authorization={good}x"),
        cf_event(path),
    ]
    result = subprocess.run(
        [sys.executable, "-S", "-c", RUN_EDGE, str(unpacked)],
        input="\n".join(json.dumps(e) for e in events),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    outputs = [
        json.loads(line)
        for line in result.stdout.splitlines()
        if line.startswith("{") and '"decision"' not in line and '"cold start"' not in line
    ]
    assert '"rs256_backend": "openssl"' in result.stdout  # the package finds the runtime's libcrypto
    assert [o.get("status", "pass") for o in outputs] == ["pass", "403", "401"]
    assert outputs[0]["querystring"] == ""


RUN_API = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from upload_api.handler import handler
class Context:
    function_name, memory_limit_in_mb, aws_request_id = "upload-api", 128, "r-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:upload-api"
    def get_remaining_time_in_millis(self):
        return 10_000
event = json.loads(sys.stdin.read())
print(json.dumps(handler(event, Context())))
"""


def test_upload_api_zip_runs_on_its_own(builds, tmp_path):
    """The API package imports and answers from its own contents (no site-packages)."""
    from lambda_testkit import ORIGIN, api_environment, api_event

    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(builds["upload_api"][0]).extractall(unpacked)

    class FakeAws:
        key_arn = "arn:aws:kms:us-east-1:123456789012:key/f147afed-1c8d-40dc-ba18-98fceff50a6c"

    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        **api_environment(FakeAws()),
    }
    result = subprocess.run(
        [sys.executable, "-S", "-c", RUN_API, str(unpacked)],
        input=json.dumps(api_event("/uploads", method="OPTIONS")),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout.splitlines()[-1])
    assert response["statusCode"] == 204
    assert response["multiValueHeaders"]["Access-Control-Allow-Origin"] == [ORIGIN]


def test_edge_dependencies_ship_as_bytecode_only_with_their_licenses(builds):
    """Third-party code in the edge zip: `module.pyc` where `module.py` was (sourceless import),
    no __pycache__, no docstrings; each .dist-info holds its license files only. Our own
    packages keep their sources next to their bytecode."""
    import importlib.util
    import marshal

    archive = zipfile.ZipFile(builds["edge_auth"][0])
    names = archive.namelist()
    own = ("edge_auth/", "objectkeys/")
    third_party = [n for n in names if not n.startswith(own) and ".dist-info/" not in n]
    assert "rsa/pkcs1.pyc" in third_party and "pyasn1/__init__.pyc" in third_party
    assert not [n for n in third_party if n.endswith(".py") or "__pycache__" in n]
    infos = [n for n in names if ".dist-info/" in n]
    assert infos and all("LICENSE" in n.upper() or "/licenses/" in n for n in infos), infos
    assert "edge_auth/__pycache__/handler.cpython-313.pyc" in names and "edge_auth/handler.py" in names
    code = marshal.loads(archive.read("rsa/pkcs1.pyc")[16:])
    assert archive.read("rsa/pkcs1.pyc")[:4] == importlib.util.MAGIC_NUMBER
    assert not any(isinstance(c, str) and c.startswith("Functions for PKCS#1") for c in code.co_consts)


RUN_EDGE_PYTHON = (
    """
import ctypes, sys
real = ctypes.CDLL
class NoLibcrypto(real):
    def __init__(self, name, *args, **kwargs):
        if "libcrypto" in str(name):
            raise OSError("hidden")
        super().__init__(name, *args, **kwargs)
ctypes.CDLL = NoLibcrypto
"""
    + RUN_EDGE
)


def test_edge_zip_verifies_on_the_pure_python_backend_from_bytecode(trusted_edge_build, tmp_path):
    """The fallback imports rsa from the sourceless bytecode and still decides correctly."""
    from lambda_testkit import DOWNLOAD_AUDIENCE, DOWNLOAD_ISSUER, cf_event, make_token, owner_segment, rsa_key

    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(trusted_edge_build).extractall(unpacked)
    path = f"/uploads/{owner_segment('alice')}/{'a' * 32}.png"
    good = make_token(
        key=rsa_key("download"),
        kid="download-key",
        issuer=DOWNLOAD_ISSUER,
        audience=DOWNLOAD_AUDIENCE,
        claims={"path": path},
    )
    events = [cf_event(path, querystring=f"authorization={good}"), cf_event(path, querystring=f"authorization={good}x")]
    result = subprocess.run(
        [sys.executable, "-S", "-c", RUN_EDGE_PYTHON, str(unpacked)],
        input="\n".join(json.dumps(e) for e in events),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '"rs256_backend": "python"' in result.stdout
    outputs = [
        json.loads(line)
        for line in result.stdout.splitlines()
        if line.startswith("{") and '"decision"' not in line and '"cold start"' not in line
    ]
    assert [o.get("status", "pass") for o in outputs] == ["pass", "403"]


def test_the_build_knows_every_lambda_requirements_file():
    """Each requirements/lambda-*.txt is some package's: none is resolved but never shipped."""
    files = {path.name for path in (ROOT / "requirements").glob("lambda-*.txt")}
    assert files == {function.requirements.name for function in build_lambda.FUNCTIONS}


def test_verifier_zip_has_its_sniffing_libraries_and_no_api_code(builds):
    names = zipfile.ZipFile(builds["verifier"][0]).namelist()
    top = {name.split("/")[0] for name in names}
    assert {"verifier", "objectkeys", "puremagic", "imagesize", "aws_lambda_powertools", "boto3"} <= top
    assert "puremagic/magic_data.json" in names  # its signatures are data, not code
    assert not top & {"upload_api", "edge_auth", "cryptography", "jwt"}
    assert not [n for n in names if n.endswith(".so")]  # pure Python: any architecture


RUN_VERIFIER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from verifier.handler import handler
from verifier.sniffing import sniffed_types
class Context:
    function_name, memory_limit_in_mb, aws_request_id = "upload-verifier", 128, "r-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:upload-verifier"
    def get_remaining_time_in_millis(self):
        return 10_000
print(json.dumps({"sniffed": sorted(sniffed_types(bytes.fromhex(sys.argv[2])))}))
print(json.dumps(handler(json.loads(sys.stdin.read()), Context())))
"""


def test_verifier_zip_runs_on_its_own(builds, tmp_path):
    """The verifier package imports, sniffs and answers an SQS batch from its own contents."""
    from images import png
    from lambda_testkit import BUCKET, UPLOAD_TABLE
    from verifier_testkit import TEST_EVENT_BODY, sqs_event

    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(builds["verifier"][0]).extractall(unpacked)
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "BUCKET_NAME": BUCKET,
        "UPLOAD_TABLE": UPLOAD_TABLE,
    }
    result = subprocess.run(
        [sys.executable, "-S", "-c", RUN_VERIFIER, str(unpacked), png()[:64].hex()],
        input=json.dumps(sqs_event(TEST_EVENT_BODY)),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {"sniffed": ["image/png"]} in lines
    assert lines[-1] == {"batchItemFailures": []}


# The endpoints and signing settings botocore resolves for each kept service, in a region of
# every partition (and the legacy resolver's answer for every region): the same with the
# package's pruned data as with botocore's full data (the venv has the same botocore release).
RESOLVE = """
import json, sys
if len(sys.argv) > 1:
    sys.path.insert(0, sys.argv[1])
import botocore, botocore.session
session = botocore.session.get_session()
session.set_credentials("x", "x")
resolver = session._get_internal_component("endpoint_resolver")
out = {"botocore": botocore.__file__, "legacy": {}, "clients": {}}
services = ["dynamodb", "kms", "s3", "signin", "sso", "sso-oidc", "sts"]
for service in services:
    prefix = session.get_service_model(service).endpoint_prefix
    for partition in resolver.get_available_partitions():
        for region in resolver.get_available_endpoints(prefix, partition, allow_non_regional=True):
            out["legacy"][f"{service} {region}"] = resolver.construct_endpoint(prefix, region)
    for region in ("us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "eu-isoe-west-1"):
        client = session.create_client(service, region_name=region)
        signer = client._request_signer
        out["clients"][f"{service} {region}"] = [
            client.meta.endpoint_url, client.meta.region_name, signer.signing_name, signer.region_name
        ]
print(json.dumps(out, sort_keys=True))
"""


def _resolved(*path: Path) -> dict:
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(
        [sys.executable, *(["-S"] if path else []), "-c", RESOLVE, *map(str, path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_upload_api_ships_botocore_data_for_its_services_only_resolving_as_the_full_data(builds, tmp_path):
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(builds["upload_api"][0]).extractall(unpacked)
    data = unpacked / "botocore" / "data"
    assert sorted(entry.name for entry in data.iterdir() if entry.is_dir()) == sorted(
        {*build_lambda.UPLOAD_API.aws_services, *build_lambda.CREDENTIAL_SERVICES}
    )
    assert (data / "endpoints.json").stat().st_size < 100_000  # from 1.2 MB
    pruned, full = _resolved(unpacked), _resolved()
    # Each ran on the botocore it should: the package's, and the venv's.
    assert pruned["botocore"] == str(unpacked / "botocore" / "__init__.py")
    assert full["botocore"] == botocore.__file__
    assert len(pruned["legacy"]) > 100
    assert (pruned["legacy"], pruned["clients"]) == (full["legacy"], full["clients"])


RUN_CLIENTS = """
import sys
sys.path.insert(0, sys.argv[1])
from botocore.exceptions import UnknownServiceError
from upload_api import clients, handler
services = handler._state.services
assert services is not None, "the cold start failed"
services.signer.kms.meta  # the lazy KMS client, as the first POST /downloads makes it
try:
    clients.client("sqs")
except UnknownServiceError:
    print("sqs: unknown")
"""


def test_upload_api_zip_makes_every_client_it_uses_and_no_other(builds, tmp_path):
    from lambda_testkit import api_environment

    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(builds["upload_api"][0]).extractall(unpacked)

    class FakeAws:
        key_arn = "arn:aws:kms:us-east-1:123456789012:key/f147afed-1c8d-40dc-ba18-98fceff50a6c"

    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", **api_environment(FakeAws())}
    env |= {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    done = subprocess.run(
        [sys.executable, "-S", "-c", RUN_CLIENTS, str(unpacked)], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert done.stdout.splitlines()[-1] == "sqs: unknown"
