"""`make bench`: side-by-side measurements of the edge authorizer, the upload API, the
direct-upload premise (versus a 2-hop server) and the local stack (see README.md)."""
