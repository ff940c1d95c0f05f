"""The public Kaggle "Instacart Market Basket Analysis" CSV layout, read from a folder.

Files: orders.csv, order_products__prior.csv, order_products__train.csv, products.csv, aisles.csv,
departments.csv. The data has no dates: day_number is each user's relative day (the running sum
of days_since_prior_order, 0 at the user's first order), so days compare within a user only.
add_to_cart_order is the basket sequence (line_number); Instacart has no quantities or prices,
so every line has quantity 1 and no sales value. eval_set is kept (prior / train / test).
"""

from __future__ import annotations

from pathlib import Path

from models_py.contract import RawTable
from models_py.datasets.sources import SourceFile

ORDER_PRODUCT_COLUMNS = ("order_id", "product_id", "add_to_cart_order", "reordered")


def source_files(data_dir: Path) -> list[SourceFile]:
    return [
        SourceFile(
            "orders",
            data_dir / "orders.csv",
            "csv",
            ("order_id", "user_id", "eval_set", "order_number", "days_since_prior_order"),
        ),
        SourceFile(
            "order_products__prior",
            data_dir / "order_products__prior.csv",
            "csv",
            ORDER_PRODUCT_COLUMNS,
        ),
        SourceFile(
            "order_products__train",
            data_dir / "order_products__train.csv",
            "csv",
            ORDER_PRODUCT_COLUMNS,
        ),
        SourceFile(
            "products",
            data_dir / "products.csv",
            "csv",
            ("product_id", "product_name", "aisle_id", "department_id"),
        ),
        SourceFile("aisles", data_dir / "aisles.csv", "csv", ("aisle_id", "aisle")),
        SourceFile(
            "departments", data_dir / "departments.csv", "csv", ("department_id", "department")
        ),
    ]


def select_sql(table: RawTable, sources: list[SourceFile]) -> str | None:
    scans = {source.name: source.scan_sql() for source in sources}
    builders = {"orders": _orders, "order_lines": _order_lines, "products": _products}
    builder = builders.get(table.name)
    return builder(scans) if builder else None


def _orders(scans: dict[str, str]) -> str:
    # A value of days_since_prior_order that is not a number leaves day_number null for that
    # order (staging quarantines it) rather than failing the whole load.
    return f"""
        with orders as (select * from {scans["orders"]})
        select
            order_id,
            user_id,
            cast(null as timestamp) as ordered_at,
            sum(coalesce(try_cast(days_since_prior_order as double), 0)) over (
                partition by user_id
                order by try_cast(order_number as integer)
                rows between unbounded preceding and current row
            ) + case
                when try_cast(order_number as integer) is null then null
                when days_since_prior_order is not null
                    and try_cast(days_since_prior_order as double) is null then null
                else 0
            end as day_number,
            cast(null as integer) as week_number,
            cast(null as varchar) as store_id,
            eval_set,
            source_file,
            source_row_number
        from orders
    """


def _order_lines(scans: dict[str, str]) -> str:
    return f"""
        select
            order_id,
            product_id,
            '1' as quantity,
            add_to_cart_order as line_number,
            cast(null as varchar) as sales_value,
            cast(null as varchar) as discount,
            reordered,
            source_file,
            source_row_number
        from {scans["order_products__prior"]}
        union all
        select
            order_id,
            product_id,
            '1' as quantity,
            add_to_cart_order as line_number,
            cast(null as varchar) as sales_value,
            cast(null as varchar) as discount,
            reordered,
            source_file,
            source_row_number
        from {scans["order_products__train"]}
    """


def _products(scans: dict[str, str]) -> str:
    return f"""
        select
            products.product_id,
            products.product_name,
            departments.department,
            aisles.aisle as category,
            cast(null as varchar) as sub_category,
            cast(null as varchar) as brand,
            cast(null as varchar) as price,
            cast(null as varchar) as package_size,
            products.source_file,
            products.source_row_number
        from {scans["products"]} as products
        left join {scans["aisles"]} as aisles
            on products.aisle_id = aisles.aisle_id
        left join {scans["departments"]} as departments
            on products.department_id = departments.department_id
    """
