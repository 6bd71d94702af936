"""`flask ...` management commands: demo data, courts, organisations, staff, machine clients, admins."""

from __future__ import annotations

import datetime as dt
import typing
import uuid

import click
from flask import Flask

from app.platform import settings


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    for command in (
        seed_demo,
        create_bucket,
        purge_idempotency,
        create_admin,
        create_court,
        create_org,
        add_member,
        create_client,
        rotate_client,
        revoke_client,
        sms_outbox,
        dev_token,
        verify_service_chains,
        delivery_sweep,
        evidence_sweep,
        audit_group,
        stats_rollup,
        calendar_group,
    ):
        app.cli.add_command(command)


@click.command("verify-service-chains")
@click.option("--skip-objects", is_flag=True, help="Check the event chains only, not the stored files.")
def verify_service_chains(skip_objects: bool) -> None:
    """Recompute every served document's event chain and re-hash its stored file; exit 1 on the first problem."""
    from app.documents import chain_audit

    report = chain_audit.verify_all(objects=not skip_objects)
    click.echo(f"checked {report.documents} documents, {report.events} events, {report.objects} stored files")
    for problem in report.problems:
        click.echo(f"BROKEN {problem}")
    if not report.ok:
        raise SystemExit(1)
    click.echo("all chains and stored files verified")


@click.command("delivery-sweep")
def delivery_sweep() -> None:
    """Run the electronic-service sweep once (reminders, escalations, held documents, webhooks due)."""
    from app.documents import escalation
    from app.webhooks import deliveries as webhooks

    click.echo(f"{escalation.run()} webhooks due: {webhooks.sweep()}")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo data used by `make run` (idempotent); end with the court client and the login table."""
    from app.identity import demo as demo_identity
    from app.platform.demo import seed

    for line in seed():
        click.echo(line)
    client_id, secret = demo_identity.demo_client()
    base_url = settings.http().public_base_url.rstrip("/")
    click.echo(demo_identity.summary(client_id=client_id, secret=secret, base_url=base_url))


@click.command("create-bucket")
def create_bucket() -> None:
    """Create the S3 bucket (S3_BUCKET) when it is missing, so readyz stops answering 'bucket not usable'."""
    from app.extensions import storage
    from app.storage.s3 import S3BlobStore

    store = storage.store
    if not isinstance(store, S3BlobStore):
        click.echo("STORAGE_BACKEND is local: there is no bucket to create")
        return
    click.echo(f"bucket {store.bucket}: {'created' if store.ensure_bucket() else 'exists'}")


@click.command("purge-idempotency")
def purge_idempotency() -> None:
    """Delete Idempotency-Key records past their retention."""
    from app.platform.idempotency import purge_expired

    click.echo(f"purged {purge_expired()} idempotency records")


@click.command("create-admin")
@click.option("--phone", required=True, help="The admin's mobile number (they log in by SMS).")
def create_admin(phone: str) -> None:
    """Create the first platform admin (or make an existing account one)."""
    from app.identity import accounts, user_admin

    user = accounts.ensure_user_by_phone(phone)
    user_admin.set_platform_role(user_id=user.id, role="platform_admin", granted=True, actor=None)
    click.echo(f"platform admin: {user.id}")


@click.command("create-court")
@click.option("--code", required=True, help="Court code, e.g. 浙0212")
@click.option("--name", required=True)
@click.option("--region", required=True)
def create_court(code: str, name: str, region: str) -> None:
    """Register a court."""
    from app.identity import directory_admin

    click.echo(f"court: {directory_admin.create_court(code=code, name=name, region=region, actor=None).id}")


@click.command("create-org")
@click.option("--name", required=True)
@click.option("--type", "org_type", default="peoples_committee", show_default=True)
@click.option("--region", required=True)
def create_org(name: str, org_type: str, region: str) -> None:
    """Register a mediation organisation."""
    from app.identity import directory_admin

    org = directory_admin.create_org(
        name=name, org_type=org_type, region=region, regions=[region], categories=[], actor=None
    )
    click.echo(f"organisation: {org.id}")


@click.command("add-member")
@click.option("--phone", required=True)
@click.option("--role", required=True, type=click.Choice(["clerk", "judge", "mediator", "org_admin"]))
@click.option("--court", "court_code", help="Court code (for clerk/judge)")
@click.option("--org", "org_id", help="Organisation id (for mediator/org_admin)")
def add_member(phone: str, role: str, court_code: str | None, org_id: str | None) -> None:
    """Give a person a role at a court or organisation."""
    from app.identity import accounts, directory_admin

    user = accounts.ensure_user_by_phone(phone)
    if role in {"clerk", "judge"}:
        court = accounts.court_by_code(court_code or "")
        directory_admin.set_court_membership(court_id=court.id, user_id=user.id, role=role, active=True, actor=None)
    else:
        directory_admin.set_org_membership(
            org_id=uuid.UUID(org_id or ""), user_id=user.id, role=role, active=True, actor=None
        )
    click.echo(f"{role}: {user.id}")


@click.command("create-client")
@click.option("--court", "court_code", required=True)
@click.option("--name", required=True)
def create_client(court_code: str, name: str) -> None:
    """Register a court system; prints its client id and secret (shown once)."""
    from app.identity import accounts, machine_clients

    issued = machine_clients.create_client(court_id=accounts.court_by_code(court_code).id, name=name, actor=None)
    click.echo(f"client_id={issued.client.client_id}\nclient_secret={issued.client_secret}")


@click.command("rotate-client")
@click.argument("client_id")
def rotate_client(client_id: str) -> None:
    """Issue a new secret (the old one works for CLIENT_SECRET_OVERLAP_HOURS)."""
    from app.identity import machine_clients

    click.echo(f"client_secret={machine_clients.rotate_secret(client_id=client_id, actor=None).client_secret}")


@click.command("revoke-client")
@click.argument("client_id")
def revoke_client(client_id: str) -> None:
    """Revoke a court system's credentials and tokens."""
    from app.identity import machine_clients

    machine_clients.revoke_client(client_id=client_id, actor=None)
    click.echo("revoked")


@click.command("sms-outbox")
@click.argument("phone")
def sms_outbox(phone: str) -> None:
    """Development: show the latest console SMS to a phone (the login code)."""
    from app.sms import dev_outbox as dev_tools

    for message in dev_tools.sms_outbox(phone=phone):
        code = f"  code {message['code']}" if message["code"] else ""
        click.echo(f"{message['created_at']:%H:%M:%S} {message['text']}{code}")


@click.command("dev-token")
@click.argument("phone")
def dev_token(phone: str) -> None:
    """Development: print an access token for a demo phone (refused in production)."""
    from app.identity import demo

    if settings.http().env_name == "production":
        raise click.ClickException("dev-token is not available in production")
    click.echo(demo.demo_token(phone))


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Recompute the whole chain; exit 1 naming the first broken position."""
    from app.audit import log as audit

    result = audit.verify()
    if result.ok:
        click.echo(f"audit chain ok: {result.checked} events, head {result.head_seq}")
        return
    click.echo(f"audit chain BROKEN at position {result.position}: {result.problem}", err=True)
    raise SystemExit(1)


@audit_group.command("head")
def audit_head() -> None:
    """Print the current head as JSON, for anchoring outside this database."""
    import json

    from app.audit import log as audit

    click.echo(json.dumps(audit.export_head()))


@click.command("evidence-sweep")
@click.option("--hashes/--no-hashes", default=None, help="Re-read stored objects to compare SHA-256 (default: config).")
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, help="Objects listed per storage request.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evidence_sweep(hashes: bool | None, page_size: int, as_json: bool) -> None:
    """Expire abandoned uploads, delete orphan objects, check stored evidence; exit 1 if any is missing or changed."""
    import json

    from app.evidence import sweep as sweeper

    report = sweeper.sweep(verify_hashes=hashes, page_size=page_size)
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    else:
        click.echo(f"expired uploads: {report.expired}")
        click.echo(
            f"objects listed: {report.listed} in {report.pages} pages; orphans deleted: {report.orphans_deleted}, "
            f"within the grace period: {report.orphans_too_young}"
        )
        click.echo(
            f"stored checked: {report.checked}; missing: {report.missing_count}; changed: {report.changed_count}"
        )
        for problem in ("missing", "changed"):
            for evidence_id in getattr(report, problem):
                click.echo(f"{problem}: {evidence_id}")
    if not report.healthy:
        raise SystemExit(1)


@click.command("stats-rollup")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), help="Re-roll from this day.")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), help="Re-roll up to this day.")
def stats_rollup(date_from: dt.datetime | None, date_to: dt.datetime | None) -> None:
    """Summarise past days for statistics: the missing ones, or every day from --from to --to (Asia/Shanghai)."""
    from app.errors import ValidationFailed
    from app.statistics import rollup as statistics_rollup

    if date_from is None and date_to is None:
        done = statistics_rollup.rollup_missing()
    else:
        last = date_to.date() if date_to else statistics_rollup.last_rollable_day()
        try:
            done = statistics_rollup.rollup_range(date_from.date() if date_from else last, last)
        except ValidationFailed:
            raise click.ClickException("--from must not be after --to") from None
    click.echo(
        f"rolled {done.days} days, {done.rows} summary rows"
        + (f"; {done.not_over} days not over yet" if done.not_over else "")
    )


@click.group("calendar")
def calendar_group() -> None:
    """The holiday calendar: enter next year's State Council announcement, show a year, correct a day."""


@calendar_group.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--replace", is_flag=True, help="Enter a year again whole (or let entered days win over the package).")
def calendar_import(file: typing.IO[str], replace: bool) -> None:
    """Enter a whole year from FILE.json: {"year": ..., "holidays": [{"day", "name"}], "workdays": [...]}."""
    import json

    from app.errors import AppError
    from app.legal import calendar_admin

    try:
        data = json.load(file)
    except ValueError as exc:
        raise click.ClickException(f"{file.name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{file.name} must hold one JSON object")
    try:
        done = calendar_admin.import_year(
            data.get("year"), data.get("holidays", []), data.get("workdays", []), actor=None, replace=replace
        )
    except ValueError as exc:
        raise click.ClickException(f"{file.name} is not valid JSON: {exc}") from None
    except AppError as exc:
        raise click.ClickException(_calendar_problem(exc)) from None
    click.echo(
        f"{done.year}: {done.holidays} holidays, {done.workdays} adjusted working days, {done.replaced} replaced"
    )


@calendar_group.command("show")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    """List a year's holidays and adjusted working days, and where each comes from."""
    from app.errors import AppError
    from app.legal import calendar_admin

    try:
        view = calendar_admin.year_view(year)
    except AppError as exc:
        raise click.ClickException(_calendar_problem(exc)) from None
    if not view["covered"]:
        click.echo(f"{year} is not covered: deadlines that reach it are flagged, not computed")
        return
    for day in view["days"]:
        click.echo(day["description"])
    click.echo(f"{year}: {len(view['days'])} special days, {view['entered_days']} entered")


@calendar_group.command("set-day")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--holiday", "holiday_name", help="Make the day a day off, with its holiday's name.")
@click.option("--workday", is_flag=True, help="Make the day a working day (e.g. an adjusted weekend, 调休).")
@click.option("--name", help="With --workday: the holiday it makes up for.")
def calendar_set_day(day: dt.datetime, holiday_name: str | None, workday: bool, name: str | None) -> None:
    """Correct one day of a year that is already covered."""
    from app.errors import AppError
    from app.legal import calendar_admin

    if bool(holiday_name) == workday:
        raise click.UsageError("give exactly one of --holiday NAME or --workday")
    try:
        info = calendar_admin.set_day(day.date(), workday, holiday_name if not workday else name, actor=None)
    except AppError as exc:
        raise click.ClickException(_calendar_problem(exc)) from None
    click.echo(info["description"])


def _calendar_problem(exc: Exception) -> str:
    errors = getattr(exc, "errors", {}) or {}
    lines = [str(exc)] + [f"  {field}: {problem}" for field, problem in errors.items()]
    return "\n".join(lines)
