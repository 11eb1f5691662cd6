"""`medreg publish replay [--parked] [--id N ...]`: send deliveries to the disclosure channels again.

Parked deliveries (failed `park_after_attempts` times in a row) wait for this command once the
receiving site is fixed; `--id` picks any delivery. A delivery named by id goes out through the outbox;
the parked ones, however many, are made due and pushed by the delivery backlog's lanes
(publisher/backlog.py). Either way a relay (`medreg relay`, or beat's sweep) and a `publish` worker must
be running. Exit 0 done, 1 unknown
ids (nothing replayed), 2 nothing chosen.
"""
from __future__ import annotations

import argparse

from models.db import session_scope
from models.settings import load_settings
from portal.cli.output import err, out


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("publish", help="公示推送：重新推送已暂停或指定的推送")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    replay = actions.add_parser("replay", help="重新推送")
    replay.add_argument("--parked", action="store_true", help="全部已暂停（parked）的推送")
    replay.add_argument("--id", type=int, action="append", default=[], metavar="N", help="推送编号，可重复")
    replay.set_defaults(run=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    from publisher.backlog import replay_parked
    from publisher.disclosure import UnknownDeliveries, replay

    if not args.parked and not args.id:
        err().print("请指定 --parked 或至少一个 --id")
        return 2
    settings = load_settings()
    try:
        with session_scope(settings.database_url) as session:
            replayed = replay(session, ids=args.id) if args.id else []
            parked = replay_parked(session.connection()) if args.parked else 0
    except UnknownDeliveries as error:
        err().print(str(error))
        return 1
    if args.id:
        out().print(f"已重新排队 {len(replayed)} 个推送：{'、'.join(map(str, replayed))}")
    if args.parked:
        out().print(f"已将 {parked} 个已暂停的推送重新排队，由推送积压通道陆续发出")
    return 0
