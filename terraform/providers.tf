provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

# Lambda@Edge functions (and ACM certificates for CloudFront) exist only in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = var.tags
  }
}
