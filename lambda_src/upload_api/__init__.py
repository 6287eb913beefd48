"""Upload API Lambda: presigned uploads and download tokens (see lambda_src/README.md)."""
