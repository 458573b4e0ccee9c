"""Fetches Maillage access tokens with a standard OAuth 2.0 client library (Authlib's
requests integration), by client_secret_basic and by client_secret_post, and calls
/graphql with each; and has it parse refusals asked for in French and English. Run by tests/tests/api_clients.rs; prints one JSON object.

Usage: client_credentials.py BASE_URL CLIENT_ID CLIENT_SECRET
"""

import json
import sys

from authlib.integrations.requests_client import OAuth2Session

VIEWER = "{ viewer { __typename ... on ApiClient { id name scopes organization { id } } } }"


def run(base, client_id, client_secret, method, scope):
    session = OAuth2Session(client_id, client_secret, token_endpoint_auth_method=method, scope=scope)
    token = session.fetch_token(f"{base}/oauth/token", grant_type="client_credentials")
    answer = session.post(f"{base}/graphql", json={"query": VIEWER})
    return {
        "token_type": token.get("token_type"),
        "expires_in": token.get("expires_in"),
        "scope": token.get("scope"),
        "status": answer.status_code,
        "graphql": answer.json(),
    }


def refused(base, client_id):
    session = OAuth2Session(client_id, "mlcs_wrong", token_endpoint_auth_method="client_secret_basic")
    try:
        session.fetch_token(f"{base}/oauth/token", grant_type="client_credentials")
    except Exception as error:  # authlib raises OAuthError with the RFC 6749 error code
        return getattr(error, "error", type(error).__name__)
    return "accepted"


def refused_in(base, client_id, client_secret, language, scope):
    """A refusal asked for in `language` (Accept-Language): the error code and the
    description as the library parsed them."""
    session = OAuth2Session(client_id, client_secret, token_endpoint_auth_method="client_secret_basic", scope=scope)
    session.headers["Accept-Language"] = language
    try:
        session.fetch_token(f"{base}/oauth/token", grant_type="client_credentials")
    except Exception as error:
        return {
            "error": getattr(error, "error", type(error).__name__),
            "description": getattr(error, "description", None),
        }
    return {"error": "accepted"}


def main():
    base, client_id, client_secret = sys.argv[1:4]
    print(json.dumps({
        "basic": run(base, client_id, client_secret, "client_secret_basic", None),
        "post": run(base, client_id, client_secret, "client_secret_post", "read"),
        "wrong_secret": refused(base, client_id),
        "wrong_secret_fr": refused_in(base, client_id, "mlcs_wrong", "fr-CA", None),
        "unknown_scope_fr": refused_in(base, client_id, client_secret, "fr-CA,fr;q=0.9", "lire"),
        "unknown_scope_en": refused_in(base, client_id, client_secret, "en", "lire"),
    }))


if __name__ == "__main__":
    main()
