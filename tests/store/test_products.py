"""SqlProductRepository on every engine."""

from __future__ import annotations

from ticketbooth.store.products import SqlProductRepository
from ticketbooth.store.records import ProductRecord


def test_add_get_list(products: SqlProductRepository) -> None:
    laptop = products.add("Laptop", 999.99)
    mug = products.add("Coffee mug", 12.5)
    assert laptop == ProductRecord(id=laptop.id, name="Laptop", price=999.99)
    assert products.get(mug.id) == mug
    assert products.list() == [laptop, mug]
    assert len(products.list()) == 2


def test_price_comes_back_as_float(products: SqlProductRepository) -> None:
    added = products.add("Headphones", 149.5)
    found = products.get(added.id)
    assert found is not None
    assert type(found.price) is float
    assert found.price == 149.5


def test_get_unknown_is_none(products: SqlProductRepository) -> None:
    assert products.get(404) is None


def test_delete(products: SqlProductRepository) -> None:
    added = products.add("Laptop", 1.0)
    assert products.delete(added.id) is True
    assert products.delete(added.id) is False
    assert products.get(added.id) is None
    assert products.list() == []
    assert len(products.list()) == 0
