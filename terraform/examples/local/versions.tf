terraform {
  required_version = ">= 1.10"

  # Pinned: the versions the offline stand-in providers mirror (harness/tf_offline).
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
}
