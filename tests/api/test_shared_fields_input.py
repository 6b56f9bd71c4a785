"""Input serializers that build their fields once per class still validate each body on its own."""

import threading

import pytest

from api.v1.ledger import serializers as s


def body(amount: str = "12.50", memo: str = "Correction", account: int = 1) -> dict:
    return {
        "date": "2026-11-20",
        "memo": memo,
        "postings": [
            {"account": account, "fund": 1, "amount": amount},
            {"account": 2, "fund": 1, "amount": f"-{amount}"},
        ],
    }


def test_each_validation_keeps_its_own_data_and_errors():
    good, bad = s.EntryCreateInput(data=body()), s.EntryCreateInput(data=body(amount="1e3", account=0))
    assert good.is_valid() and not bad.is_valid()
    assert good.validated_data["postings"][0]["amount"] == "12.50"
    assert set(bad.errors["postings"][0]) == {"account", "amount"}
    assert good.errors == {}
    again = s.EntryCreateInput(data=body(amount="7.25", memo="Another"))
    assert again.is_valid(), again.errors
    data = again.validated_data
    assert (data["memo"], data["postings"][1]["amount"]) == ("Another", "-7.25")


def test_fields_and_the_posting_child_are_built_once_per_class():
    first, second = s.EntryCreateInput(data=body()), s.EntryCreateInput(data=body())
    assert first.fields is second.fields
    assert first.fields["postings"].child is second.fields["postings"].child


def test_an_input_serializer_renders_nothing():
    with pytest.raises(TypeError):
        s.EntryCreateInput(body()).data  # noqa: B018


def test_threads_validating_at_once_each_get_their_own_result():
    results: dict[int, object] = {}

    def validate(n: int) -> None:
        for _ in range(50):
            serializer = s.EntryCreateInput(data=body(amount=f"{n}.00", memo=f"m{n}") if n % 2 else body("x"))
            if serializer.is_valid():
                data = serializer.validated_data
                results[n] = (data["memo"], data["postings"][0]["amount"])
            else:
                results[n] = sorted(serializer.errors["postings"][0])

    threads = [threading.Thread(target=validate, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(1, 9):
        assert results[n] == ((f"m{n}", f"{n}.00") if n % 2 else ["amount"])
