"""Lambda@Edge viewer-request authorizer for CDN downloads (see lambda_src/README.md)."""
