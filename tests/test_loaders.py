"""Dataset adapters (models_py.datasets) on tiny fixtures: instacart, files (CSV and Parquet),
completejourney, and the checks that stop a load on unusable input.

dbt runs are few and shared (module fixtures): each costs a full parse. Every expected number
comes from the fixtures written here or in tests/fixtures/instacart (see its README).
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from models_py.contract import LINEAGE_COLUMNS, RAW_TABLES
from models_py.datasets import (
    DATASETS,
    DatasetConfig,
    RawInputError,
    completejourney,
    load_raw_table,
    resolve_sources,
)
from models_py.datasets.sources import check_source
from tests.conftest import FIXTURES, query, run_dbt

INSTACART_DIR = FIXTURES / "instacart"
PRIOR_CSV = INSTACART_DIR / "order_products__prior.csv"

# Everything the audit layer needs, plus the accepted-row views; `cautious` keeps only the data
# tests whose parents are all built (so marts' relationship tests are not pulled in).
AUDIT_BUILD = [
    "build",
    "--select",
    "+audit",
    "int_orders",
    "int_order_lines",
    "int_products",
    "int_promotions",
    "int_users",
    "int_sessions",
    "--indirect-selection",
    "cautious",
]
RAW_BUILD = ["build", "--select", "raw"]


def dbt_output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout[-8000:] + result.stderr[-3000:]


def audit_by_outcome(db_path: Path) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """(source_table, outcome) -> (row_count, rows_read, rows_kept, rows_rejected)."""
    rows = query(
        db_path,
        "select source_table, outcome, row_count, rows_read, rows_kept, rows_rejected "
        "from audit.load_audit",
    )
    return {(table, outcome): tuple(counts) for table, outcome, *counts in rows}


def count(db_path: Path, relation: str, where: str = "true") -> int:
    return query(db_path, f"select count(*) from {relation} where {where}")[0][0]


EMPTY_OPTIONAL_TABLES = {
    ("promotions", "accepted"): (0, 0, 0, 0),
    ("users", "accepted"): (0, 0, 0, 0),
    ("sessions", "accepted"): (0, 0, 0, 0),
}


# ---------------------------------------------------------------------------------------------
# DatasetConfig
# ---------------------------------------------------------------------------------------------


def test_unknown_dataset_names_the_valid_ones() -> None:
    with pytest.raises(RawInputError, match="'kaggle'") as error:
        DatasetConfig.from_options({"name": "kaggle"})
    for name in DATASETS:
        assert name in str(error.value)


def test_options_arrive_as_strings() -> None:
    config = DatasetConfig.from_options(
        {"name": " Instacart ", "data_dir": str(INSTACART_DIR), "synthetic_users": "200"}
    )
    assert config.name == "instacart"
    assert config.data_dir == INSTACART_DIR
    assert config.synthetic_users == 200
    assert DatasetConfig.from_options(None) == DatasetConfig(name="completejourney")


@pytest.mark.parametrize("dataset", ["instacart", "files"])
def test_folder_dataset_without_data_dir_says_to_pass_it(dataset: str) -> None:
    # dbt renders an unset var as an empty string.
    config = DatasetConfig.from_options({"name": dataset, "data_dir": ""})
    assert config.data_dir is None
    with pytest.raises(RawInputError, match=r"pass it with --vars .*data_dir") as error:
        resolve_sources(config)
    assert f"dataset: {dataset}" in str(error.value)
    with pytest.raises(RawInputError, match="data_dir"):
        load_raw_table(duckdb.connect(), "orders", config)


def test_data_dir_that_is_not_a_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(RawInputError, match=re.escape(f"{missing}: data_dir is not a folder")):
        resolve_sources(DatasetConfig(name="instacart", data_dir=missing))


# ---------------------------------------------------------------------------------------------
# completejourney (the installed package's Parquet files; no dbt)
# ---------------------------------------------------------------------------------------------


def test_completejourney_source_files_pass_their_checks() -> None:
    sources = completejourney.source_files()
    assert [source.name for source in sources] == [
        "transactions",
        "products",
        "promotions",
        "demographics",
    ]
    con = duckdb.connect()
    for source in sources:
        assert source.path.is_file(), source.path
        assert source.format == "parquet"
        check_source(con, source)  # raises RawInputError on a problem


@pytest.mark.parametrize(("table", "rows"), [("products", 92_331), ("users", 801)])
def test_completejourney_raw_table_has_contract_columns(table: str, rows: int) -> None:
    relation = load_raw_table(duckdb.connect(), table, DatasetConfig(name="completejourney"))
    assert tuple(relation.columns) == RAW_TABLES[table].columns + LINEAGE_COLUMNS
    n, first_row, last_row, files = relation.aggregate(
        "count(*), min(source_row_number), max(source_row_number), count(distinct source_file)"
    ).fetchone()
    assert (n, first_row, last_row, files) == (rows, 1, rows, 1)


def test_completejourney_has_no_sessions() -> None:
    relation = load_raw_table(duckdb.connect(), "sessions", DatasetConfig(name="completejourney"))
    assert tuple(relation.columns) == RAW_TABLES["sessions"].columns + LINEAGE_COLUMNS
    assert relation.fetchall() == []


# ---------------------------------------------------------------------------------------------
# instacart: the Kaggle layout fixture, built through dbt up to the audit layer
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def instacart_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse_dir = tmp_path_factory.mktemp("instacart_warehouse")
    result = run_dbt(
        AUDIT_BUILD, warehouse_dir, {"dataset": "instacart", "data_dir": str(INSTACART_DIR)}
    )
    assert result.returncode == 0, dbt_output(result)
    return warehouse_dir / "warehouse.duckdb"


def test_instacart_sources_are_the_six_kaggle_files() -> None:
    sources = resolve_sources(DatasetConfig(name="instacart", data_dir=INSTACART_DIR))
    assert {source.path.name for source in sources} == {
        "orders.csv",
        "order_products__prior.csv",
        "order_products__train.csv",
        "products.csv",
        "aisles.csv",
        "departments.csv",
    }


def test_instacart_load_audit_counts(instacart_warehouse: Path) -> None:
    assert audit_by_outcome(instacart_warehouse) == {
        ("orders", "accepted"): (14, 14, 14, 0),
        ("order_lines", "accepted"): (33, 36, 33, 3),
        ("order_lines", "unknown_product"): (1, 36, 33, 3),
        ("order_lines", "duplicate_line"): (1, 36, 33, 3),
        ("order_lines", "invalid_reordered"): (1, 36, 33, 3),
        ("products", "accepted"): (12, 12, 12, 0),
        **EMPTY_OPTIONAL_TABLES,
    }


def test_instacart_rejected_rows_point_at_their_lines(instacart_warehouse: Path) -> None:
    rows = query(
        instacart_warehouse,
        "select source_table, rejection_reason, record_key, source_file, source_row_number "
        "from audit.rejected_rows",
    )
    prior = str(PRIOR_CSV)
    assert sorted(rows, key=lambda row: row[4]) == [
        ("order_lines", "unknown_product", "12/999/3", prior, 6),
        ("order_lines", "duplicate_line", "22/10/1", prior, 13),
        ("order_lines", "invalid_reordered", "42/6/4", prior, 26),
    ]
    # The row numbers are data rows of the file (header excluded): check against the file.
    with PRIOR_CSV.open(newline="") as handle:
        lines = list(csv.reader(handle))[1:]
    assert lines[6 - 1] == ["12", "999", "3", "0"]
    assert lines[13 - 1] == lines[12 - 1] == ["22", "10", "1", "1"]
    assert lines[26 - 1][3] == "maybe"


def test_instacart_line_number_is_add_to_cart_order(instacart_warehouse: Path) -> None:
    add_to_cart_order = {}
    for name in ("order_products__prior.csv", "order_products__train.csv"):
        with (INSTACART_DIR / name).open(newline="") as handle:
            for row_number, row in enumerate(csv.DictReader(handle), start=1):
                key = (str(INSTACART_DIR / name), row_number)
                add_to_cart_order[key] = row["add_to_cart_order"]
    raw = query(
        instacart_warehouse,
        "select source_file, source_row_number, line_number, quantity from raw.order_lines",
    )
    assert {(file, row): line for file, row, line, _ in raw} == add_to_cart_order
    assert {quantity for *_, quantity in raw} == {"1"}  # Instacart has no quantities

    accepted = query(
        instacart_warehouse,
        "select order_id, line_number, source_file, source_row_number, quantity "
        "from intermediate.int_order_lines",
    )
    assert len(accepted) == 33
    for _, line_number, file, row, quantity in accepted:
        assert line_number == int(add_to_cart_order[(file, row)])
        assert quantity == 1.0
    # With the bad lines out, every order's accepted lines are positions 1..n.
    positions: dict[str, list[int]] = {}
    for order_id, line_number, *_ in accepted:
        positions.setdefault(order_id, []).append(line_number)
    assert {order: sorted(lines) for order, lines in positions.items()} == {
        "11": [1, 2, 3],
        "12": [1, 2],
        "13": [1, 2, 3],
        "14": [1, 2],
        "21": [1, 2],
        "22": [1, 2, 3],
        "23": [1, 2, 3],
        "31": [1, 2, 3],
        "32": [1, 2],
        "41": [1, 2],
        "42": [1, 2, 3],
        "43": [1, 2],
        "44": [1, 2, 3],
    }


def test_instacart_day_number_and_eval_set(instacart_warehouse: Path) -> None:
    rows = query(
        instacart_warehouse,
        "select order_id, user_id, day_number, eval_set from intermediate.int_orders",
    )
    # Running sum of days_since_prior_order per user by order_number (user 4's rows are not in
    # order_number order in the file), 0 at the first order.
    assert {order: (user, day, eval_set) for order, user, day, eval_set in rows} == {
        "11": ("1", 0, "prior"),
        "12": ("1", 7, "prior"),
        "13": ("1", 17, "prior"),
        "14": ("1", 22, "train"),
        "21": ("2", 0, "prior"),
        "22": ("2", 30, "prior"),
        "23": ("2", 33, "train"),
        "31": ("3", 0, "prior"),
        "32": ("3", 14, "prior"),
        "33": ("3", 22, "test"),  # the test order: no lines, still an accepted order
        "41": ("4", 0, "prior"),
        "42": ("4", 6, "prior"),
        "43": ("4", 12, "prior"),
        "44": ("4", 14, "train"),
    }
    raw_orders = query(instacart_warehouse, "select ordered_at, week_number from raw.orders")
    assert set(raw_orders) == {(None, None)}  # Instacart has no dates


def test_instacart_products_get_department_and_aisle(instacart_warehouse: Path) -> None:
    rows = query(
        instacart_warehouse,
        "select product_id, product_name, department, category from intermediate.int_products",
    )
    assert {product: (name, dept, aisle) for product, name, dept, aisle in rows} == {
        "1": ("Banana", "produce", "fresh fruits"),
        "2": ("Bag of Organic Bananas", "produce", "fresh fruits"),
        "3": ("Organic Strawberries", "produce", "fresh fruits"),
        "4": ("Organic Baby Spinach", "produce", "packaged vegetables fruits"),
        "5": ("Organic Hass Avocado", "produce", "fresh fruits"),
        "6": ("Large Lemon", "produce", "fresh fruits"),
        "7": ("Organic Whole Milk", "dairy eggs", "milk"),
        "8": ("Greek Yogurt, Plain", "dairy eggs", "yogurt"),
        "9": ("Total 2% Lowfat Greek Strained Yogurt", "dairy eggs", "yogurt"),
        "10": ("Sparkling Water Grapefruit", "beverages", "water seltzer sparkling water"),
        "11": ("Soda", "beverages", "soft drinks"),
        "12": ("Pure Coconut Water, Original", "beverages", "refrigerated"),
    }


# ---------------------------------------------------------------------------------------------
# files: the user's own CSV files in the raw contract, with planted bad rows
# ---------------------------------------------------------------------------------------------

ORDERS_CSV = """order_id,user_id,ordered_at
o1,u1,2024-01-01 10:00:00
o2,u1,2024-01-08 10:00:00
o3,u2,2024-01-02 09:30:00
o3,u2,2024-01-03 09:30:00
,u3,2024-01-04 12:00:00
"""
# `note` is outside the contract (ignored); line_number, discount and reordered are absent.
ORDER_LINES_CSV = """order_id,product_id,quantity,sales_value,note
o1,p1,1,2.50,
o1,p2,two,1.00,typo
o1,p3,0,0,
,p1,1,2.50,
o2,p9,1,3.00,
o2,p1,2,5.00,
o2,p1,2,5.00,repeat
o3,p2,1,1.00,
o3,p3,3,4.50,
"""
PRODUCTS_CSV = """product_id,product_name,department,price
p1,Apple,produce,2.50
p2,Milk,dairy,1.00
p3,"Bread, sliced",bakery,1.50
"""


def write_csv_files(data_dir: Path, *, skip: tuple[str, ...] = ()) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("orders.csv", ORDERS_CSV),
        ("order_lines.csv", ORDER_LINES_CSV),
        ("products.csv", PRODUCTS_CSV),
    ):
        if name not in skip:
            (data_dir / name).write_text(text)
    return data_dir


@dataclass(frozen=True)
class Build:
    data_dir: Path
    db_path: Path


@pytest.fixture(scope="module")
def files_csv_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    data_dir = write_csv_files(tmp_path_factory.mktemp("files_csv_data"))
    warehouse_dir = tmp_path_factory.mktemp("files_csv_warehouse")
    result = run_dbt(AUDIT_BUILD, warehouse_dir, {"dataset": "files", "data_dir": str(data_dir)})
    assert result.returncode == 0, dbt_output(result)
    return Build(data_dir, warehouse_dir / "warehouse.duckdb")


def test_files_bad_rows_are_quarantined_with_their_lineage(files_csv_build: Build) -> None:
    rows = query(
        files_csv_build.db_path,
        "select source_table, rejection_reason, record_key, source_file, source_row_number "
        "from audit.rejected_rows",
    )
    orders = str(files_csv_build.data_dir / "orders.csv")
    lines = str(files_csv_build.data_dir / "order_lines.csv")
    assert sorted(rows, key=lambda row: (row[0], row[4])) == [
        ("order_lines", "non_numeric_quantity", "o1/p2", lines, 2),
        ("order_lines", "zero_quantity", "o1/p3", lines, 3),
        ("order_lines", "null_order_id", "p1", lines, 4),
        ("order_lines", "unknown_product", "o2/p9", lines, 5),
        ("order_lines", "duplicate_line", "o2/p1", lines, 7),
        ("orders", "duplicate_order", "o3", orders, 4),
        ("orders", "null_order_id", None, orders, 5),
    ]


def test_files_kept_plus_rejected_is_rows_read(files_csv_build: Build) -> None:
    db = files_csv_build.db_path
    expected = {"orders": (5, 3, 2), "order_lines": (9, 4, 5), "products": (3, 3, 0)}
    for table, (read, kept, rejected) in expected.items():
        assert count(db, f"raw.{table}") == read, table
        assert count(db, f"intermediate.int_{table}") == kept, table
        assert count(db, "audit.rejected_rows", f"source_table = '{table}'") == rejected, table
    assert audit_by_outcome(db) == {
        ("orders", "accepted"): (3, 5, 3, 2),
        ("orders", "duplicate_order"): (1, 5, 3, 2),
        ("orders", "null_order_id"): (1, 5, 3, 2),
        ("order_lines", "accepted"): (4, 9, 4, 5),
        ("order_lines", "non_numeric_quantity"): (1, 9, 4, 5),
        ("order_lines", "zero_quantity"): (1, 9, 4, 5),
        ("order_lines", "null_order_id"): (1, 9, 4, 5),
        ("order_lines", "unknown_product"): (1, 9, 4, 5),
        ("order_lines", "duplicate_line"): (1, 9, 4, 5),
        ("products", "accepted"): (3, 3, 3, 0),
        **EMPTY_OPTIONAL_TABLES,
    }


def test_files_accepted_values_are_cast(files_csv_build: Build) -> None:
    db = files_csv_build.db_path
    lines = query(
        db,
        "select order_id, product_id, quantity, sales_value, discount, line_number, is_reordered "
        "from intermediate.int_order_lines",
    )
    # Absent optional columns are null; the first of the two identical o2/p1 lines is kept.
    assert sorted(lines) == [
        ("o1", "p1", 1.0, 2.5, None, None, None),
        ("o2", "p1", 2.0, 5.0, None, None, None),
        ("o3", "p2", 1.0, 1.0, None, None, None),
        ("o3", "p3", 3.0, 4.5, None, None, None),
    ]
    orders = query(
        db, "select order_id, user_id, cast(ordered_at as varchar) from intermediate.int_orders"
    )
    assert sorted(orders) == [
        ("o1", "u1", "2024-01-01 10:00:00"),
        ("o2", "u1", "2024-01-08 10:00:00"),
        ("o3", "u2", "2024-01-02 09:30:00"),
    ]
    products = query(db, "select product_id, product_name, price from intermediate.int_products")
    assert sorted(products) == [
        ("p1", "Apple", 2.5),
        ("p2", "Milk", 1.0),
        ("p3", "Bread, sliced", 1.5),
    ]
    # Columns outside the contract are not carried; optional tables that are absent are empty.
    raw_columns = [row[0] for row in query(db, "describe raw.order_lines")]
    assert tuple(raw_columns) == RAW_TABLES["order_lines"].columns + LINEAGE_COLUMNS
    for table in ("promotions", "users", "sessions"):
        assert count(db, f"raw.{table}") == 0
    manifest = query(db, "select source_name, file_format, file_path from raw.dataset_files")
    assert sorted(manifest) == [
        (name, "csv", str((files_csv_build.data_dir / f"{name}.csv").resolve()))
        for name in ("order_lines", "orders", "products")
    ]


def test_failed_load_leaves_previous_warehouse_intact(
    files_csv_build: Build, tmp_path: Path
) -> None:
    # The warehouse as the good build left it, and the same files with one of them broken.
    warehouse_dir = tmp_path / "warehouse"
    warehouse_dir.mkdir()
    shutil.copy(files_csv_build.db_path, warehouse_dir / "warehouse.duckdb")
    data_dir = shutil.copytree(files_csv_build.data_dir, tmp_path / "data")
    broken = data_dir / "order_lines.csv"
    broken.write_text("order_id,product_id,qty\no9,p1,1\n")

    result = run_dbt(RAW_BUILD, warehouse_dir, {"dataset": "files", "data_dir": str(data_dir)})

    assert result.returncode != 0
    assert f"{broken}: required column 'quantity' is missing" in result.stdout, dbt_output(result)
    db = warehouse_dir / "warehouse.duckdb"
    raw_counts = {
        table: count(db, f"raw.{table}") for table in ("orders", "order_lines", "products")
    }
    assert raw_counts == {"orders": 5, "order_lines": 9, "products": 3}
    paths = {row[0] for row in query(db, "select file_path from raw.dataset_files")}
    assert paths == {
        str((files_csv_build.data_dir / f"{name}.csv").resolve())
        for name in ("orders", "order_lines", "products")
    }


# ---------------------------------------------------------------------------------------------
# files: Parquet
# ---------------------------------------------------------------------------------------------


def write_parquet_files(data_dir: Path) -> Path:
    """Typed Parquet (integer ids, timestamps, numbers), one zero-quantity line planted."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "order_id": pa.array([1001, 1002], pa.int64()),
                "user_id": pa.array([7, 7], pa.int64()),
                "ordered_at": pa.array(["2024-03-01 08:00:00", "2024-03-09 18:15:00"]).cast(
                    pa.timestamp("us")
                ),
            }
        ),
        data_dir / "orders.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "order_id": pa.array([1001, 1001, 1002], pa.int64()),
                "product_id": pa.array([501, 502, 501], pa.int64()),
                "quantity": pa.array([2, 0, 1], pa.int32()),
                "line_number": pa.array([1, 2, 1], pa.int32()),
                "reordered": pa.array([False, False, True]),
            }
        ),
        data_dir / "order_lines.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "product_id": pa.array([501, 502], pa.int64()),
                "product_name": ["Oat milk", "Rye bread"],
                "department": ["dairy", "bakery"],
                "price": pa.array([2.25, 3.0]),
            }
        ),
        data_dir / "products.parquet",
    )
    return data_dir


def test_files_parquet_raw_tables(tmp_path: Path) -> None:
    data_dir = write_parquet_files(tmp_path)
    config = DatasetConfig(name="files", data_dir=data_dir)
    assert [(s.name, s.format) for s in resolve_sources(config)] == [
        ("orders", "parquet"),
        ("order_lines", "parquet"),
        ("products", "parquet"),
    ]
    relation = load_raw_table(duckdb.connect(), "order_lines", config)
    assert tuple(relation.columns) == RAW_TABLES["order_lines"].columns + LINEAGE_COLUMNS
    rows = relation.select("order_id, product_id, quantity, line_number, source_row_number")
    assert rows.fetchall() == [(1001, 501, 2, 1, 1), (1001, 502, 0, 2, 2), (1002, 501, 1, 1, 3)]
    assert {row[0] for row in relation.select("source_file").fetchall()} == {
        str(data_dir / "order_lines.parquet")
    }


@pytest.mark.slow
def test_files_parquet_builds_to_audit(tmp_path: Path) -> None:
    data_dir = write_parquet_files(tmp_path / "data")
    result = run_dbt(AUDIT_BUILD, tmp_path / "wh", {"dataset": "files", "data_dir": str(data_dir)})
    assert result.returncode == 0, dbt_output(result)
    db = tmp_path / "wh" / "warehouse.duckdb"
    assert query(
        db,
        "select source_table, rejection_reason, record_key, source_row_number "
        "from audit.rejected_rows",
    ) == [("order_lines", "zero_quantity", "1001/502/2", 2)]
    lines = query(
        db,
        "select order_id, product_id, quantity, line_number, is_reordered "
        "from intermediate.int_order_lines",
    )
    # Integer ids become their digits, like CSV ids.
    assert sorted(lines) == [("1001", "501", 2.0, 1, False), ("1002", "501", 1.0, 1, True)]
    assert count(db, "intermediate.int_orders") == 2
    assert count(db, "intermediate.int_products") == 2


STAGED_LINES = (
    "select order_id, product_id, line_number, quantity, sales_value, discount, is_reordered, "
    "row_issue, source_row_number from staging.stg_order_lines order by source_row_number"
)


@pytest.mark.slow
def test_typed_parquet_stages_like_the_same_values_as_text(tmp_path: Path) -> None:
    # Typed columns skip the text round trip (macros/clean_id.sql): the rows must not change.
    parquet_dir = write_parquet_files(tmp_path / "parquet")
    pq.write_table(
        pa.table(
            {
                "order_id": pa.array([1001, 1001, 1001, 1002, None], pa.int64()),
                "product_id": pa.array([501, 502, 501, 501, 502], pa.int64()),
                "quantity": pa.array([2, 0, -1, None, 1], pa.int32()),
                "line_number": pa.array([1, 2, None, 1, 2], pa.int32()),
                "sales_value": pa.array([1.5, None, 2.0, 0.25, 1.0]),
                "discount": pa.array([0.0, -0.5, None, 0.1, 0.0]),
                "reordered": pa.array([False, None, True, True, False]),
            }
        ),
        parquet_dir / "order_lines.parquet",
    )
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    con = duckdb.connect()
    for name in ("orders", "order_lines", "products"):
        con.execute(
            f"copy (select * from '{parquet_dir / name}.parquet') "
            f"to '{csv_dir / name}.csv' (header)"
        )
    con.close()

    staged = {}
    for kind, data_dir in (("parquet", parquet_dir), ("csv", csv_dir)):
        warehouse = tmp_path / f"wh_{kind}"
        result = run_dbt(
            ["run", "--select", "+staging"],
            warehouse,
            {"dataset": "files", "data_dir": str(data_dir)},
        )
        assert result.returncode == 0, dbt_output(result)
        staged[kind] = query(warehouse / "warehouse.duckdb", STAGED_LINES)
        compiled = next((warehouse / "target").rglob("stg_order_lines.sql")).read_text()
        text_path = "cast(quantity as varchar)" in compiled
        assert text_path == (kind == "csv"), kind

    assert staged["parquet"] == staged["csv"]
    assert [row[7] for row in staged["parquet"]] == [
        None,
        "zero_quantity",
        "negative_quantity",
        "null_quantity",
        "null_order_id",
    ]


# ---------------------------------------------------------------------------------------------
# Unusable input stops the load, naming the file and the column
# ---------------------------------------------------------------------------------------------


def break_missing_file(data_dir: Path) -> tuple[Path, str]:
    (data_dir / "products.csv").unlink()
    return data_dir / "products.csv", "file not found (nor products.parquet)"


def break_missing_column(data_dir: Path) -> tuple[Path, str]:
    path = data_dir / "order_lines.csv"
    path.write_text("order_id,product_id,sales_value\no1,p1,2.50\n")
    return path, "required column 'quantity' is missing (found: order_id, product_id, sales_value"


def break_unreadable_parquet(data_dir: Path) -> tuple[Path, str]:
    (data_dir / "orders.csv").unlink()
    path = data_dir / "orders.parquet"
    path.write_bytes(b"this is not parquet\x00\x01\x02" * 8)
    return path, "cannot be read as PARQUET"


BREAKAGES = {
    "missing_file": break_missing_file,
    "missing_column": break_missing_column,
    "unreadable_parquet": break_unreadable_parquet,
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_unusable_files_raise_naming_file_and_column(tmp_path: Path, breakage: str) -> None:
    data_dir = write_csv_files(tmp_path)
    path, message = BREAKAGES[breakage](data_dir)
    with pytest.raises(RawInputError) as error:
        resolve_sources(DatasetConfig(name="files", data_dir=data_dir))
    assert str(error.value).startswith(f"{path}: {message}")


def test_instacart_missing_file_or_column(tmp_path: Path) -> None:
    data_dir = shutil.copytree(INSTACART_DIR, tmp_path / "instacart")
    config = DatasetConfig(name="instacart", data_dir=data_dir)
    (data_dir / "aisles.csv").unlink()
    with pytest.raises(
        RawInputError, match=re.escape(f"{data_dir / 'aisles.csv'}: file not found")
    ):
        resolve_sources(config)
    shutil.copy(INSTACART_DIR / "aisles.csv", data_dir / "aisles.csv")
    (data_dir / "orders.csv").write_text("order_id,user_id,eval_set,order_number\n1,1,prior,1\n")
    with pytest.raises(
        RawInputError,
        match=re.escape(
            f"{data_dir / 'orders.csv'}: required column 'days_since_prior_order' is missing"
        ),
    ):
        resolve_sources(config)


@pytest.mark.slow
@pytest.mark.parametrize("breakage", ["missing_file", "unreadable_parquet"])
def test_dbt_stops_on_unusable_files(tmp_path: Path, breakage: str) -> None:
    # (missing_column through dbt: test_failed_load_leaves_previous_warehouse_intact)
    data_dir = write_csv_files(tmp_path / "data")
    path, message = BREAKAGES[breakage](data_dir)
    result = run_dbt(RAW_BUILD, tmp_path / "wh", {"dataset": "files", "data_dir": str(data_dir)})
    assert result.returncode != 0
    assert f"{path}: {message}" in result.stdout, dbt_output(result)
    # Nothing was loaded: the raw models were skipped.
    tables = query(
        tmp_path / "wh" / "warehouse.duckdb",
        "select table_name from information_schema.tables where table_schema = 'raw'",
    )
    assert tables == []
