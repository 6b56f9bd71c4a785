"""Output serializers that build their fields once per class still render each object on its own."""

from api.v1.ledger import serializers as s


def account(**overrides) -> dict:
    row = {"id": 1, "code": "1010-EUR", "name": "Bank", "type": "asset", "currency": "EUR"}
    return {**row, "role": None, "floor": None, "balance": 1250, **overrides}


def test_each_rendering_shows_its_own_object():
    first = s.AccountDetailOutput(account()).data
    second = s.AccountDetailOutput(account(id=2, currency="JPY", balance=1250)).data
    assert (first["id"], first["balance"]) == (1, "12.50")
    assert (second["id"], second["balance"]) == (2, "1250")


def test_fields_are_built_once_per_class_and_not_shared_with_subclasses():
    assert s.AccountOutput().fields is s.AccountOutput().fields
    assert "balance" in s.AccountDetailOutput().fields
    assert "balance" not in s.AccountOutput().fields
