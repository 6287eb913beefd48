# The built packages. The defaults are where `make build` writes them (the local stack plans
# those); terraform test sets the repository's fixtures instead, so the example's own test runs
# from a fresh clone without a build.

variable "upload_api_package" {
  description = "Path of the upload API zip (default: build/lambda/upload_api.zip, written by `make build`)."
  type        = string
  default     = "../../../build/lambda/upload_api.zip"
}

variable "verifier_package" {
  description = "Path of the verifier zip (default: build/lambda/verifier.zip, written by `make build`)."
  type        = string
  default     = "../../../build/lambda/verifier.zip"
}

variable "edge_auth_package" {
  description = "Path of the edge zip without its configuration (default: build/lambda/edge_auth.zip, written by `make build`)."
  type        = string
  default     = "../../../build/lambda/edge_auth.zip"
}
