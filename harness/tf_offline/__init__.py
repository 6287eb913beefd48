"""Offline Terraform validation: provider schemas rebuilt from npm packages, a stand-in provider."""
