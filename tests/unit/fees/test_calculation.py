"""Worked examples of the Measures on the Payment of Litigation Costs (诉讼费用交纳办法), each checked by hand from
the brackets of the text (and, for property cases, against the courts' quick formula 'rate x amount + constant',
e.g. 2.5% x A - 200 for 10,000-100,000 yuan), in yuan; the calculator answers in fen."""

from __future__ import annotations

import copy

import pytest

from app.fees import calculation, schedule

# (schedule, amount in yuan or None, halved, expected fee in yuan, how it is reached)
WORKED = [
    ("property", "0.01", None, "50.00", "Art. 13(1)1: not over 10,000: 50 per case"),
    ("property", "10000", None, "50.00", "50"),
    ("property", "10001", None, "50.03", "50 + 1 x 2.5% = 50.025, half up to the fen"),
    ("property", "12000", None, "100.00", "50 + 2,000 x 2.5%"),
    ("property", "50000", None, "1050.00", "50 + 40,000 x 2.5% (= 2.5% x 50,000 - 200)"),
    ("property", "100000", None, "2300.00", "50 + 2,250"),
    ("property", "150000", None, "3300.00", "2,300 + 50,000 x 2% (= 2% x 150,000 + 300)"),
    ("property", "200000", None, "4300.00", "2,300 + 2,000"),
    ("property", "500000", None, "8800.00", "4,300 + 300,000 x 1.5% (= 1.5% x A + 1,300)"),
    ("property", "1000000", None, "13800.00", "8,800 + 500,000 x 1% (= 1% x A + 3,800)"),
    ("property", "2000000", None, "22800.00", "13,800 + 1,000,000 x 0.9% (= 0.9% x A + 4,800)"),
    ("property", "5000000", None, "46800.00", "22,800 + 3,000,000 x 0.8% (= 0.8% x A + 6,800)"),
    ("property", "10000000", None, "81800.00", "46,800 + 5,000,000 x 0.7% (= 0.7% x A + 11,800)"),
    ("property", "20000000", None, "141800.00", "81,800 + 10,000,000 x 0.6% (= 0.6% x A + 21,800)"),
    ("property", "30000000", None, "191800.00", "141,800 + 10,000,000 x 0.5% (= 0.5% x A + 41,800)"),
    ("property", "123456.78", None, "2769.14", "2,300 + 23,456.78 x 2% = 2,769.1356"),
    ("property", "100000", "mediated_settlement", "1150.00", "Art. 15: half of 2,300"),
    ("property", "10001", "withdrawal", "25.02", "Art. 15: half of 50.03 = 25.015, half up to the fen"),
    ("property", "12345.67", "summary_procedure", "54.32", "Art. 16: half of 108.64 (50 + 2,345.67 x 2.5%)"),
    ("divorce", None, None, "50.00", "Art. 13(2)1: 50-300, the deployment's amount 50"),
    ("divorce", "200000", None, "50.00", "property divided up to 200,000: nothing more"),
    ("divorce", "300000", None, "550.00", "50 + 100,000 x 0.5%"),
    ("personality_rights", "30000", None, "100.00", "Art. 13(2)2: 100; damages up to 50,000: nothing more"),
    ("personality_rights", "80000", None, "400.00", "100 + 30,000 x 1%"),
    ("personality_rights", "200000", None, "1100.00", "100 + 50,000 x 1% + 100,000 x 0.5%"),
    ("other_non_property", None, None, "50.00", "Art. 13(2)3: 50-100"),
    ("ip_without_amount", None, None, "500.00", "Art. 13(3): 500-1,000"),
    ("labour", "80000", None, "10.00", "Art. 13(4): 10 whatever the amount"),
    ("administrative_special", None, None, "100.00", "Art. 13(5)1"),
    ("administrative_other", None, None, "50.00", "Art. 13(5)2"),
    ("jurisdiction_objection", None, None, "50.00", "Art. 13(6): 50-100"),
    ("enforcement", None, None, "50.00", "Art. 14(1)1: without an amount 50-500"),
    ("enforcement", "10000", None, "50.00", "Art. 14(1)2: not over 10,000: 50"),
    ("enforcement", "100000", None, "1400.00", "50 + 90,000 x 1.5% (= 1.5% x A - 100)"),
    ("enforcement", "1000000", None, "12400.00", "50 + 7,350 + 500,000 x 1% (= 1% x A + 2,400)"),
    ("enforcement", "20000000", None, "87400.00", "... + 10,000,000 x 0.1% (= 0.1% x A + 67,400)"),
    ("preservation", "500", None, "30.00", "Art. 14(2): not over 1,000: 30"),
    ("preservation", "50000", None, "520.00", "30 + 49,000 x 1%"),
    ("preservation", "200000", None, "1520.00", "30 + 990 + 100,000 x 0.5%"),
    ("preservation", "2000000", None, "5000.00", "10,520 capped at 5,000"),
    ("payment_order", "100000", None, "766.67", "Art. 14(3): 2,300 / 3 = 766.666..."),
    ("payment_order", "12000", None, "33.33", "100 / 3"),
    ("judicial_confirmation", None, None, "0.00", "Art. 8(1): special procedure, no fee"),
]


@pytest.mark.parametrize(
    ("name", "amount", "halved", "expected", "how"), WORKED, ids=[f"{w[0]}-{w[1]}-{w[2] or 'full'}" for w in WORKED]
)
def test_worked_examples(name, amount, halved, expected, how):
    fee = calculation.calculate(name, amount, halved=halved)
    assert calculation.plain_yuan(fee.amount_fen) == expected, (how, fee.basis["lines"])
    assert fee.basis["fee_fen"] == fee.amount_fen and fee.basis["lines"][-1].endswith(f"{fee.amount_fen} fen.")
    assert fee.basis["article"] and fee.basis["data_version"]


def test_the_basis_shows_each_bracket_and_its_arithmetic():
    fee = calculation.calculate("property", "1000000")
    assert [b["bracket"] for b in fee.basis["brackets"]] == [1, 2, 3, 4, 5]
    assert fee.basis["brackets"][1] == {
        "bracket": 2,
        "from_yuan": "10,000.00",
        "to_yuan": "100,000.00",
        "rate": "0.025",
        "portion_yuan": "90,000.00",
        "fee_yuan": "2,250.00",
    }
    assert "90,000.00 × 2.5% = 2,250.00 yuan." in fee.basis["lines"][1]


def test_an_appeal_pays_by_the_first_instance_standard_on_the_appealed_amount():
    fee = calculation.calculate("property", "50000", appeal=True)
    assert fee.amount_fen == 105000 and "第十七条" in fee.basis["articles"]


@pytest.mark.parametrize("amount", ["1.005", "-1", "abc", "NaN", 1.5])
def test_amounts_are_exact_yuan(amount):
    with pytest.raises(calculation.AmountError):
        calculation.to_fen(amount)


def test_the_case_amount_converts_exactly():
    from decimal import Decimal

    assert calculation.to_fen(Decimal("12000.10")) == 1200010
    assert calculation.to_fen("99999999999999.99") == 9999999999999999


def test_the_shipped_schedule_is_valid_and_matches_the_text():
    data = schedule.load()
    rates = [b.get("rate", b.get("fixed")) for b in data["schedules"]["property"]["brackets"]]
    assert rates == ["50", "0.025", "0.02", "0.015", "0.01", "0.009", "0.008", "0.007", "0.006", "0.005"]
    assert data["notice"]["period_days"] == 7


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["schedules"]["property"]["brackets"][1].update(up_to="5000"), "above the bracket before"),
        (lambda d: d["schedules"]["property"]["brackets"][2].update(rate="1.5"), "fraction below 1"),
        (lambda d: d["schedules"]["divorce"]["fixed"].update(amount="400"), "between min and max"),
        (lambda d: d["schedules"]["property"]["brackets"][-1].update(up_to="1"), "open-ended"),
        (lambda d: d["categories"].update({"x": "nope"}), "unknown schedule"),
        (lambda d: d["schedules"]["labour"].update(kind="magic"), "kind must be one of"),
        (lambda d: d["notice"].update(period_days=0), "period_days"),
    ],
)
def test_a_broken_schedule_is_refused_with_its_place(change, message):
    data = copy.deepcopy(schedule.load())
    change(data)
    with pytest.raises(schedule.ScheduleError, match=message):
        schedule.validate(data)
