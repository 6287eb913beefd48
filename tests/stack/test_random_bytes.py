"""random_bytes (the owner key): made locally by the provisioner, as the random provider would,
kept across runs, and written into the re-plan's state so that Terraform renders the API's
OWNER_KEY and the edge's owner_keys from it."""

from __future__ import annotations

import base64
import stat

import pytest

from stack import provision
from stack.plan import Plan
from stack.provision import Provisioner
from stack.replan import state_for

ADDRESS = "module.uploads.random_bytes.owner_key[0]"


def _plan(address: str = ADDRESS, length: int = 32) -> Plan:
    module, _, rest = address.rpartition(".random_bytes.")
    name, _, index = rest.partition("[")
    return Plan(
        {
            "planned_values": {
                "root_module": {
                    "child_modules": [
                        {
                            "address": module,
                            "resources": [
                                {
                                    "address": address,
                                    "mode": "managed",
                                    "type": "random_bytes",
                                    "name": name,
                                    "index": int(index.rstrip("]")),
                                    "values": {"length": length, "keepers": None},
                                }
                            ],
                        }
                    ]
                }
            },
            "resource_changes": [{"address": address, "change": {"after_unknown": {"base64": True, "hex": True}}}],
            "configuration": {
                "provider_config": {"random": {"full_name": "registry.terraform.io/hashicorp/random"}},
                "root_module": {
                    "module_calls": {
                        "uploads": {
                            "module": {
                                "resources": [{"address": f"random_bytes.{name}", "provider_config_key": "random"}]
                            }
                        }
                    }
                },
            },
        }
    )


@pytest.fixture
def random_state(tmp_path, monkeypatch):
    path = tmp_path / "stack" / "random.json"
    monkeypatch.setattr(provision, "RANDOM_STATE", path)
    return path


def _created(plan: Plan) -> dict:
    provisioner = Provisioner(plan, {"default": "http://127.0.0.1:9"})  # no AWS call is made
    provisioner.run(quiet=True)
    assert ADDRESS not in provisioner.report.not_created
    return provisioner.resolver.created


def test_random_bytes_are_generated_with_the_planned_length(random_state):
    made = _created(_plan())[ADDRESS]
    raw = base64.b64decode(made["base64"], validate=True)
    assert len(raw) == 32 and made["hex"] == raw.hex() and made["length"] == 32
    assert len(base64.b64decode(_created(_plan(length=48))[ADDRESS]["base64"])) == 48  # a new length: new bytes


def test_random_bytes_are_kept_across_runs_and_readable_by_their_owner_only(random_state):
    first = _created(_plan())[ADDRESS]["base64"]
    assert _created(_plan())[ADDRESS]["base64"] == first
    assert stat.S_IMODE(random_state.stat().st_mode) == 0o600
    random_state.unlink()
    assert _created(_plan())[ADDRESS]["base64"] != first  # control: without the file, new bytes


def test_the_replan_state_holds_the_generated_bytes_under_the_random_provider(random_state):
    plan = _plan()
    created = _created(plan)
    state = state_for(plan, created)
    (group,) = state["resources"]
    assert group["provider"] == 'provider["registry.terraform.io/hashicorp/random"]'
    assert group["module"] == "module.uploads" and group["type"] == "random_bytes"
    (instance,) = group["instances"]
    assert instance["index_key"] == 0
    assert instance["attributes"]["base64"] == created[ADDRESS]["base64"]
    assert instance["attributes"]["length"] == 32
