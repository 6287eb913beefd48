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
