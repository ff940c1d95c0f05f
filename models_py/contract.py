"""The raw data contract: the tables and columns every dataset adapter must produce.

Column names are defined once here; the dbt sources yml and the README describe the same contract.
Types are the DuckDB types the raw tables get; CSV input arrives as text and is cast (with
quarantine of what does not cast) in staging, so a bad value never crashes the load.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawTable:
    """One raw table of the contract."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    is_optional_table: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


ORDERS = RawTable(
    name="orders",
    required=("order_id", "user_id"),
    optional=("ordered_at", "day_number", "week_number", "store_id", "eval_set"),
)
ORDER_LINES = RawTable(
    name="order_lines",
    required=("order_id", "product_id", "quantity"),
    optional=("line_number", "sales_value", "discount", "reordered"),
)
PRODUCTS = RawTable(
    name="products",
    required=("product_id", "product_name", "department"),
    optional=("category", "sub_category", "brand", "price", "package_size"),
)
PROMOTIONS = RawTable(
    name="promotions",
    required=("product_id", "week_number", "promo_kind"),
    optional=("store_id", "display_location", "mailer_location"),
    is_optional_table=True,
)
USERS = RawTable(
    name="users",
    required=("user_id",),
    optional=(
        "age_band",
        "income_band",
        "household_size",
        "household_composition",
        "kids_count",
        "home_ownership",
        "marital_status",
    ),
    is_optional_table=True,
)
SESSIONS = RawTable(
    name="sessions",
    required=("user_id", "session_id"),
    optional=("order_id", "started_at", "page_views", "session_seconds"),
    is_optional_table=True,
)

RAW_TABLES: dict[str, RawTable] = {
    table.name: table for table in (ORDERS, ORDER_LINES, PRODUCTS, PROMOTIONS, USERS, SESSIONS)
}

# Every raw table also carries where each row came from, so a rejected row can be traced.
LINEAGE_COLUMNS = ("source_file", "source_row_number")
