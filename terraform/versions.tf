terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
      # The caller passes a second configuration for us-east-1, where Lambda@Edge functions live.
      configuration_aliases = [aws.us_east_1]
    }
    # random_bytes (3.5+): the owner key, unless the caller supplies one (var.owner_key).
    random = {
      source  = "hashicorp/random"
      version = "~> 3.5"
    }
  }
}
