"""The generated Terraform half of the boundary tests matches tests/contract/boundaries.json."""

from tf_offline import contract


def test_generated_contract_tests_are_up_to_date() -> None:
    stale = [str(p) for p, text in contract.expected_files().items() if not p.is_file() or p.read_text() != text]
    assert not stale, f"out of date (run `make tf-contract-tests`): {stale}"


def test_every_table_entry_becomes_one_run_per_value() -> None:
    spec = {"presign_expires_seconds": {"accepted": [30, 900], "refused": [29]}}
    text = contract.render("upload_api", spec)
    assert text.count('run "presign_expires_seconds_accepted_') == 2
    assert text.count("expect_failures = [var.presign_expires_seconds]") == 1
    assert "presign_expires_seconds = 29\n" in text


def test_an_entry_can_fix_other_inputs_and_name_its_variable() -> None:
    spec = {
        "types_opted_in": {
            "variable": "allowed_content_types",
            "with": {"allow_active_content": True},
            "accepted": [["image/svg+xml"]],
            "refused": [["text/html"]],
        }
    }
    text = contract.render("upload_api", spec)
    assert 'run "types_opted_in_accepted_0"' in text
    assert 'run "types_opted_in_refused_0"' in text
    assert text.count("    allow_active_content  = true\n") == 2  # aligned as terraform fmt does
    assert 'allowed_content_types = ["text/html"]\n' in text
    assert "expect_failures = [var.allowed_content_types]" in text
