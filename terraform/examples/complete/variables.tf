variable "region" {
  description = "Region of the bucket, the API and the signing key. The edge function is always in us-east-1."
  type        = string
  default     = "eu-west-1"
}

variable "upload_api_package" {
  description = "Path of the upload API zip built by `make build` (or your CI's artifact)."
  type        = string
  default     = "../../../build/lambda/upload_api.zip"
}

variable "verifier_package" {
  description = "Path of the verifier zip built by `make build` (or your CI's artifact)."
  type        = string
  default     = "../../../build/lambda/verifier.zip"
}

variable "edge_auth_package" {
  description = "Path of the edge zip built by `make build` (or your CI's artifact), without its configuration: apply bakes it in."
  type        = string
  default     = "../../../build/lambda/edge_auth.zip"
}
