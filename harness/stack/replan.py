"""A second plan that knows what the first provisioning pass created.

Values computed from several unknown attributes (a jsonencode()d policy embedding ARNs) cannot be
evaluated from a plan. Terraform can evaluate them, though, once those attributes are known: the
created resources (with their real ids and ARNs from LocalStack) and the emulated ones (with the
adapters' local stand-in values) are written into a state file, and the root module is planned
again against it, in a scratch copy of terraform/ of its own, initialised like the one of
`make tf-plan-json` (harness/tf_offline: stand-in providers, local backend). In that plan
every attribute of a resource in the state is known again, so the policies come out as
Terraform itself renders them from the configuration.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
import uuid
from typing import Any

from stack import paths
from stack.plan import Plan, Resource

log = logging.getLogger("stack.replan")
TERRAFORM = paths.ROOT / "bin" / "terraform"
PLAN_FILE = paths.STATE / "replan.tfplan"
PLAN_JSON = paths.STATE / "replan.json"


def _provider_address(plan: Plan, resource: Resource) -> str:
    key = plan.resource_config(resource).get("provider_config_key", "aws").split(":")[-1]
    name, _, alias = key.partition(".")
    full = plan.data.get("configuration", {}).get("provider_config", {}).get(name, {}).get("full_name", name)
    return f'provider["{full}"]' + (f".{alias}" if alias else "")


def state_for(plan: Plan, known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A state (format 4) holding the planned values plus the real ones of each address in `known`."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for resource in plan.resources:
        if resource.mode != "managed" or resource.address not in known:
            continue
        attributes = copy.deepcopy(resource.values)
        attributes.update(known[resource.address])
        group = groups.setdefault(
            (resource.module, resource.type, resource.name),
            {
                **({"module": resource.module} if resource.module else {}),
                "mode": "managed",
                "type": resource.type,
                "name": resource.name,
                "provider": _provider_address(plan, resource),
                "instances": [],
            },
        )
        instance: dict[str, Any] = {"schema_version": 0, "attributes": attributes, "sensitive_attributes": []}
        if resource.index is not None:
            instance["index_key"] = resource.index
        group["instances"].append(instance)
    return {
        "version": 4,
        "terraform_version": plan.data.get("terraform_version", "1.15.5"),
        "serial": 1,
        "lineage": str(uuid.uuid4()),
        "outputs": {},
        "resources": list(groups.values()),
        "check_results": None,
    }


def replan(plan: Plan, known: dict[str, dict[str, Any]]) -> Plan | None:
    """terraform/examples/local planned again over `known`; None (and why, logged) if that is impossible."""
    from tf_offline import runner

    work = runner.scratch_copy(paths.ROOT / "terraform", "stack-replan") / "examples" / "local"
    (work / "zz_tf_offline_backend_override.tf").write_text(runner._LOCAL_BACKEND)
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    init = ["init", "-input=false", "-no-color", "-reconfigure"]
    if not runner.real_providers():
        init.append(f"-plugin-dir={runner.PLUGIN_DIR}")
    result = subprocess.run([str(TERRAFORM), *init], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        log.warning("replan: terraform init failed:\n%s", (result.stdout + result.stderr)[-3000:])
        return None
    # The local backend's default path: where `plan` reads the prior state from.
    (work / "terraform.tfstate").write_text(json.dumps(state_for(plan, known), indent=1))
    command = [
        str(TERRAFORM),
        "plan",
        "-input=false",
        "-no-color",
        "-lock=false",
        "-refresh=false",
        f"-out={PLAN_FILE}",
    ]
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        log.warning("replan: terraform plan failed:\n%s", (result.stdout + result.stderr)[-3000:])
        return None
    shown = subprocess.run(
        [str(TERRAFORM), "show", "-json", str(PLAN_FILE)], cwd=work, env=env, capture_output=True, text=True
    )
    if shown.returncode != 0:
        log.warning("replan: terraform show failed:\n%s", shown.stderr[-3000:])
        return None
    PLAN_JSON.write_text(shown.stdout)
    return Plan(json.loads(shown.stdout))
