"""Mint an API token: `python -m api.token --sub NAME --scope "predict admin" [--ttl SECONDS]`."""

from __future__ import annotations

import argparse
import sys

from domains.core.settings import get_settings
from domains.core.tokens import KNOWN_SCOPES, mint_token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sub", required=True, help="who the token is for (rate limits are per subject)")
    parser.add_argument("--scope", default="predict", help=f"space-separated, of {sorted(KNOWN_SCOPES)}")
    parser.add_argument("--ttl", type=int, default=24 * 3600, help="seconds until it expires (default 1 day)")
    args = parser.parse_args(argv)
    if args.ttl <= 0:
        parser.error("--ttl must be a positive number of seconds")
    try:
        token = mint_token(
            args.sub, args.scope.split(), get_settings().api_jwt_secret.get_secret_value(), args.ttl
        )
    except ValueError as exc:
        parser.error(str(exc))
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
