# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "6.66.0"
  constraints = ">= 6.0.0"
  hashes = [
    "h1:V/wo4iyH+3z4y82x1Ib2hZF22yyF3NrFbmYcgipWaqY=",
  ]
}
