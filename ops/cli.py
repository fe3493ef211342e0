"""The `tongnan` command: migrate, run the whole stack, manage migrations."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from gateway.settings import GatewaySettings
from ops.stack import StackError
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.common.db import make_engine
from services.common.settings import ConfigurationError, ServiceSettings, load
from services.orders.screening import cli as screening_cli
from services.orders.settings import OrdersSettings
from storefront.settings import StorefrontSettings

SETTINGS: dict[str, type[ServiceSettings]] = {
    "catalog": CatalogSettings,
    "certification": CertificationSettings,
    "orders": OrdersSettings,
    "gateway": GatewaySettings,
}


def load_settings() -> dict[str, ServiceSettings]:
    return {name: load(cls) for name, cls in SETTINGS.items()}


def cmd_migrate(_: argparse.Namespace) -> int:
    from services.common.provision import migrate

    for name, settings in load_settings().items():
        migrate(name, settings.db_url)
        print(f"{name}: migrated to head")
    return 0


def load_demo(settings: dict[str, ServiceSettings]) -> None:
    import seed

    for service, summary in seed.load_if_empty({name: s.db_url for name, s in settings.items()}):
        print(f"{service}: {summary}" if summary else f"{service}: has data, demo data not loaded")


def rebuild_markets(settings: dict[str, ServiceSettings], *, unless_decided: bool = False) -> int | None:
    """Decide every part's markets again from certification's certificates and the bundled
    market rules (which change only with a deploy). Returns how many parts changed; with
    `unless_decided`, None when today's decisions already stand on these rules and certificates."""
    from ops.worker import markets

    certification = make_engine(settings["certification"].db_url)
    catalog = make_engine(settings["catalog"].db_url)
    try:
        if unless_decided:
            return markets.rebuild_unless_decided(certification, catalog)
        return markets.rebuild(certification, catalog)
    finally:
        certification.dispose()
        catalog.dispose()


def cmd_markets_rebuild(_: argparse.Namespace) -> int:
    changed = rebuild_markets(load_settings())
    print(f"catalog: markets decided again, {changed} parts changed (part.markets_changed recorded for each)")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    from ops.stack import READY_LINE, Supervisor, check_ports_free, plan, url_table
    from services.common.provision import migrate

    settings = load_settings()
    localstripe_port = int(os.environ.get("TONGNAN_LOCALSTRIPE_PORT", "8420"))
    orders = settings["orders"]
    assert isinstance(orders, OrdersSettings)
    storefront = load(StorefrontSettings)
    # Our own nats-server unless TONGNAN_NATS_URL names one.
    nats_port = None if os.environ.get("TONGNAN_NATS_URL") else int(os.environ.get("TONGNAN_NATS_PORT", "4222"))
    # Our own mail catcher unless TONGNAN_SMTP_URL names a server (production must).
    smtp_port = None if os.environ.get("TONGNAN_SMTP_URL") else int(os.environ.get("TONGNAN_SMTP_PORT", "8025"))
    components = plan(
        settings["catalog"],  # type: ignore[arg-type]
        orders,
        settings["certification"],  # type: ignore[arg-type]
        settings["gateway"],  # type: ignore[arg-type]
        localstripe_port,
        storefront,
        nats_port,
        smtp_port,
    )
    check_ports_free(components)
    for name, service_settings in settings.items():
        migrate(name, service_settings.db_url)
    if not args.no_demo and orders.environment != "production":  # made-up suppliers have no place there
        load_demo(settings)
    # Markets per part from the certificates on record and the rules of this release: demo
    # certificates are written as they stand (no events), and the rules may have changed. A
    # restart on the same day, rules and certificates finds them decided (minutes at 1M parts).
    changed = rebuild_markets(settings, unless_decided=True)
    if changed is None:
        print("catalog: markets per part already decided today under these rules and certificates")
    else:
        print(f"catalog: markets per part decided, {changed} parts changed")

    env = dict(os.environ)
    for c in components:
        if c.port:
            env[c.port_variable] = str(c.port)
    if nats_port is not None:
        env["TONGNAN_NATS_URL"] = f"nats://127.0.0.1:{nats_port}"
    if smtp_port is not None and any(c.name == "mail" for c in components):
        env["TONGNAN_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    for name in ("catalog", "orders", "certification"):
        env[f"TONGNAN_GATEWAY_{name.upper()}_URL"] = f"http://{settings[name].host}:{settings[name].port}"
    gateway = settings["gateway"]
    env.setdefault("TONGNAN_STOREFRONT_GATEWAY_URL", f"http://{gateway.host}:{gateway.port}")
    if storefront is not None:
        # The storefront names each visitor's address, so the gateway limits visitors, not it.
        env.setdefault("TONGNAN_GATEWAY_TRUSTED_PROXIES", storefront.host)
    if orders.environment != "production":
        env.setdefault("TONGNAN_ORDERS_STRIPE_API_BASE", f"http://127.0.0.1:{localstripe_port}")
        env.setdefault("TONGNAN_STOREFRONT_STRIPE_JS_URL", f"http://127.0.0.1:{localstripe_port}/js.stripe.com/v3/")

    supervisor = Supervisor(components, env)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    code = 0
    try:
        supervisor.start()
        supervisor.wait_ready()
        print("\n" + url_table(components) + f"\n\n{READY_LINE}\n", flush=True)
        code = supervisor.wait()
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 1
    finally:
        supervisor.stop()
        print("stopped", flush=True)
    return code


def cmd_worker(_: argparse.Namespace) -> int:
    from ops.worker.main import main as worker_main

    return worker_main()


def cmd_mail(args: argparse.Namespace) -> int:
    """What the development mail catcher of `tongnan up` received (var/mail), oldest first."""
    from services.common.mail import caught

    orders = load(OrdersSettings)
    messages = caught(orders.var_dir / "mail")
    if args.show is not None:
        if not 1 <= args.show <= len(messages):
            print(f"error: there is no message {args.show}; {len(messages)} caught", file=sys.stderr)
            return 1
        shown = messages[args.show - 1]
        print(f"From: {shown.sender}\nTo: {shown.to}\nSubject: {shown.subject}\n\n{shown.text()}")
        return 0
    if not messages:
        print(f"no mail caught in {orders.var_dir / 'mail'}")
        return 0
    first = max(0, len(messages) - args.last) if args.last else 0
    for number, message in enumerate(messages[first:], start=first + 1):
        when = message.received.strftime("%Y-%m-%d %H:%M:%S") if message.received else "?"
        print(f"{number:>4}  {when}  {message.to:<32}  {message.subject}")
    return 0


def cmd_staff_create(args: argparse.Namespace) -> int:
    """Staff accounts (INSPECTOR, ADMIN) come from here, never from self-registration. The password
    is read from TONGNAN_STAFF_PASSWORD, or asked for at a terminal; it never appears in argv."""
    import getpass

    from gateway.identity import service as identity
    from marketplace.roles import AccountRole
    from services.common.db import session_scope
    from services.common.errors import DomainError

    password = os.environ.get("TONGNAN_STAFF_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            print("error: set TONGNAN_STAFF_PASSWORD or run at a terminal to type the password", file=sys.stderr)
            return 2
        password = getpass.getpass(f"Password for {args.email}: ")
    gateway = load(GatewaySettings)
    engine = make_engine(gateway.db_url)
    try:
        with session_scope(engine) as session:
            account = identity.register(
                session, email=args.email, password=password, role=AccountRole(args.role), allow_staff_roles=True
            )
            print(f"{account.role.value} account {account.email} created")
    except DomainError as exc:
        field = f" ({exc.field})" if getattr(exc, "field", None) else ""
        print(f"error{field}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def cmd_revision(args: argparse.Namespace) -> int:
    from alembic import command

    from services.common.migrations import alembic_config
    from services.common.provision import migrate

    settings = load_settings()[args.service]
    migrate(args.service, settings.db_url)
    command.revision(alembic_config(args.service, settings.db_url), message=args.message, autogenerate=True)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from gateway.schema import schema

    sdl = schema.as_str() + "\n"
    if args.check:
        current = Path(args.path).read_text() if Path(args.path).exists() else ""
        if current != sdl:
            print(
                f"error: {args.path} is not the gateway's schema; run `tongnan schema` and commit it", file=sys.stderr
            )
            return 1
        return 0
    Path(args.path).write_text(sdl)
    print(f"wrote {args.path}")
    return 0


def cmd_rules_check(args: argparse.Namespace) -> int:
    from services.orders.quotes.landed_cost.check import ROOT, check

    report = check(Path(args.root) if args.root else ROOT)
    for problem in report.problems:
        print(problem)
    if not report.ok:
        print(f"rules check: {len(report.problems)} problems in {report.files} files", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tongnan", description="Tongnan Parts Exchange")
    parser.add_argument(
        "--database-url-template",
        help="database URL with {service} for each service's name, "
        "e.g. postgresql://postgres@127.0.0.1/tongnan_{service} (env TONGNAN_DATABASE_URL_TEMPLATE)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade every database to head").set_defaults(func=cmd_migrate)
    up = sub.add_parser("up", help="migrate, load demo data and run the whole stack on localhost")
    up.add_argument("--no-demo", action="store_true", help="do not load demo data into empty databases")
    up.set_defaults(func=cmd_up)
    sub.add_parser(
        "worker", help="relay events, run the event consumers and the scheduled jobs (several may run)"
    ).set_defaults(func=cmd_worker)
    sub.add_parser(
        "markets-rebuild", help="decide every part's markets again (after the bundled market rules changed)"
    ).set_defaults(func=cmd_markets_rebuild)
    mail = sub.add_parser("mail", help="list the mail the development SMTP server of `tongnan up` caught")
    mail.add_argument("--show", type=int, metavar="N", help="print message N (as numbered in the list)")
    mail.add_argument("--last", type=int, metavar="N", help="only the last N messages")
    mail.set_defaults(func=cmd_mail)
    staff = sub.add_parser("staff", help="staff accounts of the back office").add_subparsers(
        dest="staff_command", required=True
    )
    create = staff.add_parser("create", help="create an INSPECTOR or ADMIN account (password: TONGNAN_STAFF_PASSWORD)")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=["INSPECTOR", "ADMIN"])
    create.set_defaults(func=cmd_staff_create)
    sch = sub.add_parser("schema", help="export the gateway's GraphQL SDL (committed as schema.graphql)")
    sch.add_argument("--path", default="schema.graphql")
    sch.add_argument("--check", action="store_true", help="fail if the file differs from the schema")
    sch.set_defaults(func=cmd_schema)
    rules = sub.add_parser("rules", help="the rule data files (duties, taxes, shipping, market rules)").add_subparsers(
        dest="rules_command", required=True
    )
    rules_check = rules.add_parser(
        "check", help="check every rule data file: sources, dates, overlapping rows, coverage; exit 1 on a problem"
    )
    rules_check.add_argument("--root", help="a checkout (or copy) holding the data files; default: this one")
    rules_check.set_defaults(func=cmd_rules_check)
    rev = sub.add_parser("revision", help="autogenerate a migration from a service's models")
    rev.add_argument("service", choices=sorted(SETTINGS))
    rev.add_argument("-m", "--message", required=True)
    rev.set_defaults(func=cmd_revision)
    screening_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.database_url_template:
        os.environ["TONGNAN_DATABASE_URL_TEMPLATE"] = args.database_url_template
    try:
        return int(args.func(args))
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
