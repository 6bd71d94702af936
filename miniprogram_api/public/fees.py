"""The fee schedule in force and a calculator, for everyone: a court (or a party) checks every bracket and
fixed amount and how a fee is reached."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.errors import ValidationFailed
from app.fees import calculation, schedule
from miniprogram_api.auth import public
from miniprogram_api.schemas.fees import FeeCalculateArgs, FeeOut, FeeScheduleOut

blp = Blueprint("public_fees", __name__, description="Litigation fees by the Measures: the schedule and a calculator.")


@blp.route("/fees/schedule", methods=["GET"])
@public
@blp.response(200, FeeScheduleOut)
def fee_schedule() -> dict:
    """The brackets and fixed amounts in force (the versioned data file), with their articles."""
    data = schedule.load()
    return {"appeal": {}, "categories": {}, "relief": {}, "rounding": "", **data}


@blp.route("/fees/calculate", methods=["GET"])
@public
@blp.arguments(FeeCalculateArgs, location="query")
@blp.response(200, FeeOut)
def calculate(args: dict) -> dict:
    """A fee with its basis (articles, brackets, arithmetic), in whole fen."""
    try:
        fee = calculation.calculate(
            args["schedule"], args.get("amount"), halved=args.get("halved"), appeal=args["appeal"]
        )
    except calculation.AmountError as exc:
        raise ValidationFailed(errors={"amount": [str(exc)]}) from None
    return {
        "schedule": fee.schedule,
        "amount_fen": fee.amount_fen,
        "amount_yuan": calculation.plain_yuan(fee.amount_fen),
        "basis": fee.basis,
    }
