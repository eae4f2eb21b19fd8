"""The product repository (the demo API's resource)."""

from __future__ import annotations

from sqlalchemy import delete, select

from .db import Database, affected
from .models import Product
from .records import ProductRecord


def _record(row: Product) -> ProductRecord:
    return ProductRecord(id=row.id, name=row.name, price=float(row.price))


class SqlProductRepository:
    """Products in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self) -> list[ProductRecord]:
        with self._db.session() as session:
            return [_record(p) for p in session.scalars(select(Product).order_by(Product.id))]

    def get(self, product_id: int) -> ProductRecord | None:
        with self._db.session() as session:
            row = session.get(Product, product_id)
            return _record(row) if row else None

    def add(self, name: str, price: float) -> ProductRecord:
        with self._db.session() as session:
            row = Product(name=name, price=price)
            session.add(row)
            session.flush()
            return _record(row)

    def delete(self, product_id: int) -> bool:
        with self._db.session() as session:
            return bool(affected(session.execute(delete(Product).where(Product.id == product_id))))
