"""The edge authorizer's rules, each with its positive and negative case."""

import json
import time

import pytest
from lambda_testkit import CDN_HOST, DOWNLOAD_AUDIENCE, DOWNLOAD_ISSUER, cf_event, make_token, owner_segment, rsa_key

from edge_auth import handler as edge

OBJECT_ID = "0123456789abcdef0123456789abcdef"
PATH = f"/uploads/{owner_segment('alice')}/{OBJECT_ID}.png"


def download_token(path=PATH, **overrides):
    options = {
        "key": rsa_key("download"),
        "kid": "download-key",
        "issuer": DOWNLOAD_ISSUER,
        "audience": DOWNLOAD_AUDIENCE,
        "claims": {"path": path},
    }
    options.update(overrides)
    return make_token(**options)


def run(event):
    return edge.handler(event, None)


def is_request(result):
    return "uri" in result and "status" not in result


def status(result):
    return None if is_request(result) else int(result["status"])


def test_valid_query_token_passes_and_is_stripped(edge_config):
    token = download_token()
    result = run(cf_event(PATH, querystring=f"w=200&authorization={token}&h=100"))
    assert is_request(result)
    assert result["uri"] == PATH
    assert result["querystring"] == "w=200&h=100"
    assert token not in str(result)


def test_valid_bearer_header_passes_and_header_is_removed(edge_config):
    result = run(cf_event(PATH, headers={"Authorization": f"Bearer {download_token()}"}))
    assert is_request(result)
    assert "authorization" not in result["headers"]


def test_valid_cookie_passes(edge_config):
    result = run(cf_event(PATH, headers={"Cookie": f"theme=dark; cdn_token={download_token()}"}))
    assert is_request(result)


def test_cookie_with_another_name_is_not_a_token(edge_config):
    assert status(run(cf_event(PATH, headers={"Cookie": f"other={download_token()}"}))) == 401


def test_missing_token_is_401_with_www_authenticate(edge_config):
    result = run(cf_event(PATH))
    assert status(result) == 401
    assert result["headers"]["www-authenticate"] == [{"key": "WWW-Authenticate", "value": "Bearer"}]
    assert result["headers"]["cache-control"][0]["value"] == "no-store"
    assert len(result["body"]) < 100


def test_invalid_token_is_403_no_store(edge_config):
    result = run(cf_event(PATH, querystring="authorization=nope"))
    assert status(result) == 403
    assert result["headers"]["cache-control"][0]["value"] == "no-store"
    assert "www-authenticate" not in result["headers"]


def test_options_passes_untouched(edge_config):
    event = cf_event(PATH, method="OPTIONS", headers={"Origin": "http://localhost:4583"})
    assert run(event) == event["Records"][0]["cf"]["request"]


def test_other_methods_are_refused(edge_config):
    assert status(run(cf_event(PATH, method="DELETE", querystring=f"authorization={download_token()}"))) == 405
    assert is_request(run(cf_event(PATH, method="HEAD", querystring=f"authorization={download_token()}")))


def test_origin_added_when_absent_and_kept_when_present(edge_config):
    added = run(cf_event(PATH, querystring=f"authorization={download_token()}"))
    assert added["headers"]["origin"] == [{"key": "Origin", "value": f"https://{CDN_HOST}"}]
    kept = run(cf_event(PATH, querystring=f"authorization={download_token()}", headers={"Origin": "http://x.test"}))
    assert kept["headers"]["origin"][0]["value"] == "http://x.test"


def test_configured_default_origin(edge_config, monkeypatch):
    import dataclasses

    monkeypatch.setattr(edge, "_config", dataclasses.replace(edge_config, default_origin="https://app.example"))
    result = run(cf_event(PATH, querystring=f"authorization={download_token()}"))
    assert result["headers"]["origin"][0]["value"] == "https://app.example"


def test_token_for_another_path_is_403(edge_config):
    other = f"/uploads/{owner_segment('alice')}/{'f' * 32}.png"
    assert is_request(run(cf_event(other, querystring=f"authorization={download_token(other)}")))
    assert status(run(cf_event(other, querystring=f"authorization={download_token()}"))) == 403


def test_download_token_outside_uploads_prefix_is_403(edge_config):
    assert status(run(cf_event("/index.html", querystring=f"authorization={download_token('/index.html')}"))) == 403


def test_percent_encoded_but_equal_path_is_the_same_object(edge_config):
    encoded = PATH.replace("uploads", "%75ploads")
    assert is_request(run(cf_event(encoded, querystring=f"authorization={download_token()}")))


def test_several_tokens_are_refused(edge_config):
    token = download_token()
    assert status(run(cf_event(PATH, querystring=f"authorization={token}&authorization={token}"))) == 403


def test_query_token_wins_and_bearer_header_is_still_removed(edge_config):
    result = run(
        cf_event(PATH, querystring=f"authorization={download_token()}", headers={"Authorization": "Bearer garbage"})
    )
    assert is_request(result)
    assert "authorization" not in result["headers"]


def test_leeway_applies_to_exp(edge_config):
    now = int(time.time())
    just_expired = download_token(claims={"path": PATH, "exp": now - 10, "iat": now - 100})
    long_expired = download_token(claims={"path": PATH, "exp": now - 100, "iat": now - 200})
    assert is_request(run(cf_event(PATH, querystring=f"authorization={just_expired}")))
    assert status(run(cf_event(PATH, querystring=f"authorization={long_expired}"))) == 403


def test_idp_token_reads_its_owner_prefix_only(edge_config):
    alice = make_token(sub="alice")
    assert is_request(run(cf_event(PATH, headers={"Authorization": f"Bearer {alice}"})))
    bob_path = f"/uploads/{owner_segment('bob')}/{OBJECT_ID}.png"
    assert status(run(cf_event(bob_path, headers={"Authorization": f"Bearer {alice}"}))) == 403


def test_idp_tokens_are_refused_when_not_configured(edge_config, monkeypatch):
    import dataclasses

    monkeypatch.setattr(edge, "_config", dataclasses.replace(edge_config, idp=None))
    assert status(run(cf_event(PATH, headers={"Authorization": f"Bearer {make_token(sub='alice')}"}))) == 403


def test_download_key_cannot_be_used_as_idp_token(edge_config):
    # Signed by the download key but with the IdP's issuer: the kid decides the issuer.
    token = make_token(sub="alice", key=rsa_key("download"), kid="download-key")
    assert status(run(cf_event(PATH, headers={"Authorization": f"Bearer {token}"}))) == 403


def test_verified_tokens_are_cached_until_exp(edge_config, monkeypatch):
    token = download_token()
    assert is_request(run(cf_event(PATH, querystring=f"authorization={token}")))
    assert len(edge._CACHE) == 1
    calls = []
    monkeypatch.setattr(edge, "verify_token", lambda *a: calls.append(a))
    assert is_request(run(cf_event(PATH, querystring=f"authorization={token}")))
    assert calls == []
    # The path rule is still applied to a cached token.
    other = f"/uploads/{owner_segment('alice')}/{'e' * 32}.png"
    assert status(run(cf_event(other, querystring=f"authorization={token}"))) == 403


def test_cache_drops_expired_tokens_and_is_bounded():
    from edge_auth.cache import VerifiedTokenCache
    from edge_auth.verify import VerifiedToken

    cache = VerifiedTokenCache(max_entries=3)
    for i in range(5):
        cache.put(f"t{i}", VerifiedToken(None, {"exp": 1000}))
    assert len(cache) == 3
    assert cache.get("t0", now=0, leeway=0) is None
    assert cache.get("t4", now=999, leeway=0) is not None
    assert cache.get("t4", now=1001, leeway=0) is None
    assert len(cache) == 2


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        {"Records": []},
        {"Records": [{"cf": {}}]},
        {"Records": [{"cf": {"request": "x"}}]},
        {"Records": [{"cf": {"request": {"uri": "/x"}}}]},
        "garbage",
        [1, 2, 3],
    ],
)
def test_malformed_events_are_400(edge_config, event):
    assert status(run(event)) == 400


def test_broken_config_denies_everything(monkeypatch):
    from edge_auth.config import ConfigError

    monkeypatch.setattr(edge, "_config", ConfigError("broken"))
    assert status(run(cf_event(PATH, querystring="authorization=x"))) == 403


def test_logs_never_contain_the_token(edge_config, capsys):
    token = download_token()
    run(cf_event(PATH, querystring=f"authorization={token}"))
    run(cf_event("/uploads/x", querystring=f"authorization={token}"))
    run(cf_event(PATH, querystring=f"authorization={token[:-3]}"))
    out = capsys.readouterr().out
    assert token.split(".")[1] not in out and token.split(".")[2][:20] not in out


def test_read_only_headers_are_left_alone(edge_config):
    # CloudFront rejects a viewer-request result that changes Content-Length, Host,
    # Transfer-Encoding or Via; only Authorization may go and Origin may be added.
    read_only = {"Host": CDN_HOST, "Via": "2.0 abc.cloudfront.net (CloudFront)", "Content-Length": "0"}
    event = cf_event(PATH, querystring=f"authorization={download_token()}", headers=read_only)
    before = dict(event["Records"][0]["cf"]["request"]["headers"])
    result = run(event)
    assert is_request(result)
    for name in ("host", "via", "content-length"):
        assert result["headers"][name] == before[name]
    assert set(result["headers"]) - set(before) == {"origin"}


def test_generated_responses_are_well_formed_for_cloudfront(edge_config):
    for result in (run(cf_event(PATH)), run(cf_event(PATH, querystring="authorization=x")), run({})):
        assert set(result) == {"status", "statusDescription", "headers", "body"}
        assert result["status"] in {"400", "401", "403"}
        for name, entries in result["headers"].items():
            assert name == name.lower()
            assert all(entry["key"].lower() == name for entry in entries)
        assert len(result["body"].encode()) < 40 * 1024


# Issue 13 item 12: a page's fetch() must see the edge's 401/403, not a network error.
APP_ORIGIN = "https://app.example.com"


@pytest.fixture
def cors_edge(edge_config, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(edge, "_config", replace(edge_config, allowed_origins=frozenset({APP_ORIGIN})))


@pytest.mark.parametrize(("token", "expected"), [(None, 401), ("not-a-token", 403)])
def test_denials_carry_cors_headers_for_an_allowed_origin(cors_edge, token, expected):
    querystring = "" if token is None else f"authorization={token}"
    allowed = run(cf_event(PATH, querystring=querystring, headers={"Origin": APP_ORIGIN}))
    assert status(allowed) == expected
    assert allowed["headers"]["access-control-allow-origin"][0]["value"] == APP_ORIGIN
    assert allowed["headers"]["vary"][0]["value"] == "Origin"
    other = run(cf_event(PATH, querystring=querystring, headers={"Origin": "https://evil.example"}))
    assert status(other) == expected
    assert "access-control-allow-origin" not in other["headers"]


def test_allowed_origins_are_parsed_and_checked():
    from lambda_testkit import edge_config_dict, public_pem

    from edge_auth.config import ConfigError, parse_config

    data = edge_config_dict(public_pem(rsa_key("download")))
    assert parse_config(data).allowed_origins == frozenset()
    data["allowed_origins"] = [APP_ORIGIN]
    assert parse_config(data).allowed_origins == frozenset({APP_ORIGIN})
    for bad in (["app.example.com"], ["https://app.example.com/"], "https://app.example.com", [1]):
        data["allowed_origins"] = bad
        with pytest.raises(ConfigError, match="allowed_origins"):
            parse_config(data)


# The per-token memo of granted URIs (edge_auth.cache.CachedToken): only grants, per prefix,
# bounded, and never outliving the token's entry.
def test_a_refused_uri_stays_refused_for_a_cached_token(edge_config):
    token = download_token()
    other = f"/uploads/{owner_segment('alice')}/{'e' * 32}.png"
    assert is_request(run(cf_event(PATH, querystring=f"authorization={token}")))
    for _ in range(3):
        assert status(run(cf_event(other, querystring=f"authorization={token}"))) == 403
    assert is_request(run(cf_event(PATH, querystring=f"authorization={token}")))


def test_a_granted_uri_is_checked_again_under_another_prefix(edge_config, monkeypatch):
    import dataclasses

    token = download_token()
    assert is_request(run(cf_event(PATH, querystring=f"authorization={token}")))
    monkeypatch.setattr(edge, "_config", dataclasses.replace(edge_config, uploads_prefix="private/"))
    assert status(run(cf_event(PATH, querystring=f"authorization={token}"))) == 403


def test_a_granted_uri_expires_with_its_token(edge_config):
    now = int(time.time())
    token = download_token(claims={"path": PATH, "exp": now + 60, "iat": now})
    event = cf_event(PATH, querystring=f"authorization={token}")
    assert is_request(edge.authorize(event, edge_config, now))
    assert is_request(edge.authorize(cf_event(PATH, querystring=f"authorization={token}"), edge_config, now + 1))
    late = edge.authorize(cf_event(PATH, querystring=f"authorization={token}"), edge_config, now + 60 + 31)
    assert status(late) == 403


def test_granted_uris_per_token_are_bounded():
    from edge_auth.cache import MAX_GRANTED_URIS, CachedToken
    from edge_auth.verify import VerifiedToken

    cached = CachedToken(VerifiedToken(None, {"exp": 1000}))
    for i in range(MAX_GRANTED_URIS + 10):
        cached.remember_grant(f"/u/{i}", "uploads/")
    assert sum(cached.granted(f"/u/{i}", "uploads/") for i in range(MAX_GRANTED_URIS + 10)) == MAX_GRANTED_URIS
    assert not cached.granted("/u/0", "other/")


def test_a_query_string_of_the_token_alone_passes_and_leaves_nothing(edge_config):
    # The path without a "&" (no split); its control with other parameters is the test above.
    token = download_token()
    result = run(cf_event(PATH, querystring=f"authorization={token}"))
    assert is_request(result)
    assert result["querystring"] == ""
    assert status(run(cf_event(PATH, querystring=f"authorizatio={token}"))) == 401


def test_one_log_line_per_decision(edge_config, capsys):
    run(cf_event(PATH, querystring=f"authorization={download_token()}"))
    run(cf_event(PATH))
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines[-2:]] == [
        {"decision": "allow", "reason": "query"},
        {"decision": "deny", "reason": "no token"},
    ]
