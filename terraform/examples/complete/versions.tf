terraform {
  required_version = ">= 1.10"

  # Pinned, so that every apply uses the providers this example was planned with. The offline
  # check (`make tf-validate`) plans it with stand-ins of exactly these versions.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.66.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.9.1"
    }
  }

  # Fill in your state bucket (versioned, encrypted, private) before `terraform init`.
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "uploads/production/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}
