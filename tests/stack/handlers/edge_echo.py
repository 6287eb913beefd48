"""A viewer-request handler for adapter tests: its behaviour is chosen by the request's query string."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    query = request["querystring"]
    if "deny" in query:
        return {
            "status": "401",
            "statusDescription": "Unauthorized",
            "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]},
            "body": "no",
        }
    if "raise" in query:
        raise RuntimeError("boom")
    if "host" in query:
        request["headers"]["host"] = [{"key": "Host", "value": "evil.example"}]
        return request
    if "huge" in query:
        return {"status": "200", "body": "x" * (41 * 1024)}
    if "keep" not in query:
        request["querystring"] = ""
    request["headers"].pop("authorization", None)
    if "origin" not in request["headers"]:
        request["headers"]["origin"] = [{"key": "Origin", "value": "http://localhost:4583"}]
    return request
