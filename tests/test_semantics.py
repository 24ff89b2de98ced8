"""Semantics the validator checks across records (issue 11): affiliations, deal terms,
plausible dates, amounts and currencies. The malformed-file corpus holds one case of each
refusal; these tests cover the exceptions a note allows and the thresholds."""

import pytest

from conftest import CLAIM_ID, DEAL_ID, EVENT_ID, MiniRepo
from minsec import codes


def test_a_note_explains_a_future_or_early_date(mini_repo: MiniRepo, run_cli) -> None:
    mini_repo.rewrite(EVENT_ID, lambda d: d.update(date="2099-01-01"))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and "date: 2099-01-01 is after today" in out
    mini_repo.rewrite(EVENT_ID, lambda d: d.update(date="1750", note="The sources date the treaty so."))
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0


def test_today_follows_source_date_epoch(mini_repo: MiniRepo, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and "date: 2025-03-09 is after today (2025-01-01)" in out
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0


@pytest.mark.parametrize(("value", "ok"), [(0.001, True), (0.0009, False), (1e-300, False), (70, True)])
def test_claimed_quantity_floor(value: float, ok: bool, mini_repo: MiniRepo, run_cli) -> None:
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(value=value))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert (code == 0) == ok, out
    if not ok:
        assert "value: must be at least 0.001" in out


@pytest.mark.parametrize(("amount", "ok"), [(1, True), (0.5, False), (1e-7, False)])
def test_deal_amount_floor(amount: float, ok: bool, mini_repo: MiniRepo, run_cli) -> None:
    mini_repo.rewrite(DEAL_ID, lambda d: d.update(value_amount=amount, value_currency="USD", value_as_reported="a sum"))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert (code == 0) == ok, out


@pytest.mark.parametrize("code", sorted(codes.not_currencies()))
def test_codes_that_are_not_currencies(code: str, mini_repo: MiniRepo, run_cli) -> None:
    assert code in codes.currencies(), "every refused code is an ISO 4217 code"
    mini_repo.rewrite(DEAL_ID, lambda d: d.update(value_amount=5, value_currency=code, value_as_reported="5"))
    exit_code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert exit_code == 1 and f"value_currency: '{code}' is " in out


@pytest.mark.parametrize("code", ["XDR", "XUA", "EUR"])
def test_units_of_account_stay_allowed(code: str, mini_repo: MiniRepo, run_cli) -> None:
    mini_repo.rewrite(DEAL_ID, lambda d: d.update(value_amount=5, value_currency=code, value_as_reported="5"))
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0


def test_recipient_may_be_outside_the_parties(mini_repo: MiniRepo, run_cli) -> None:
    """Only the provider must be a party: aid may go to someone the deal does not bind."""
    mini_repo.rewrite(DEAL_ID, lambda d: d["terms"][1].update(recipient_id="jane-doe"))
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0


def test_long_affiliation_chain_without_cycle(mini_repo: MiniRepo, run_cli) -> None:
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0  # jane-doe -> usa
    mini_repo.rewrite("usa", lambda d: d.update(affiliation_id="jane-doe"))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and "(jane-doe -> usa -> jane-doe)" in out and "(usa -> jane-doe -> usa)" in out
