"""Give the users of a deployed stage created before admin email search existed their search key.

    make email-index STACK=realtyforyou-prod [REGION=eu-west-1]

`GET /admin/users?email=` queries GSI3 (`EMAIL#<first character>` / `<email>#<id>`), which every save
of a user writes. Users saved before that release have no such key until they are next saved; run
this once after deploying it (running it again finds nothing left to do). It reads the stack's
outputs like `make first-admin` and adds the keys with `realty.users.store.backfill_email_search_keys`.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    from scripts.first_admin import FirstAdminError, use_stack  # the Makefile puts the root on PYTHONPATH

    try:
        use_stack(args.stack_name, args.region)
    except FirstAdminError as error:
        print(f"email-index: {error}", file=sys.stderr)
        return 1
    from realty.users.store import backfill_email_search_keys

    print(f"{backfill_email_search_keys()} users given their email search key")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
