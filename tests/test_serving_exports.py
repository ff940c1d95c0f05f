"""JSON serving exports on a tiny serving database whose answers are known."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from models_py.serving_exports import ExportConfig, RankedList, array_form, export, semicolon_form

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.fixture
def serving_db(tmp_path: Path) -> Path:
    path = tmp_path / "serving.duckdb"
    con = duckdb.connect(str(path))
    con.sql("create schema marts; create schema ml")
    # p1's cosine neighbours are p3, p2, p4 (ranks 1..3); jaccard ranks them differently.
    con.sql(
        """
        create table marts.similar_products as
        select * from (values
            ('p1', 'cosine', 'p3', 0.9, 1), ('p1', 'cosine', 'p2', 0.5, 2),
            ('p1', 'cosine', 'p4', 0.1, 3), ('p2', 'cosine', 'p1', 0.5, 1),
            ('p1', 'jaccard', 'p4', 0.7, 1)
        ) as t (product_id, method, similar_product_id, score, similarity_rank)
        """
    )
    con.sql(
        """
        create table ml.recommendations as
        select * from (values
            ('als', 'repeat', 'serving', 'u1', 1, 'p2', 2.0, 'because'),
            ('als', 'repeat', 'serving', 'u1', 2, 'p1', 1.0, 'because'),
            ('als', 'repeat', 'evaluation', 'u1', 1, 'p9', 9.0, 'held out'),
            ('popular', 'repeat', 'serving', 'u1', 1, 'p4', 5.0, 'popular'),
            ('popular', 'repeat', 'serving', 'u2', 1, 'p4', 5.0, 'popular')
        ) as t (model, mode, purpose, user_id, rank, product_id, score, reason)
        """
    )
    con.sql(
        """
        create table ml.model_metrics as
        select * from (values ('als', 'repeat', 5, 0.3), ('popular', 'repeat', 5, 0.1),
                              ('ghost', 'repeat', 5, 0.9))
            as t (model, mode, k, precision_at_k)
        """
    )
    con.sql("create table serving_manifest as select 'run-7' as run_id")
    con.close()
    return path


def test_forms_keep_rank_order() -> None:
    lists = [RankedList("p1", ({"product_id": "p3", "rank": 1}, {"product_id": "p2", "rank": 2}))]
    assert semicolon_form(lists) == {"p1": "p3;p2"}
    assert array_form(lists, "product_id") == [
        {
            "product_id": "p1",
            "items": [{"product_id": "p3", "rank": 1}, {"product_id": "p2", "rank": 2}],
        }
    ]


def test_export_writes_both_forms_with_timestamped_names(serving_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = export(serving_db, out, ExportConfig(similar_k=2, method="cosine"), now=NOW)
    stamp = "2024-05-06_07-08-09"
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [
            f"similar_products_{stamp}.semicolon.json",
            f"similar_products_{stamp}.json",
            f"recommendations_{stamp}.semicolon.json",
            f"recommendations_{stamp}.json",
            f"export_manifest_{stamp}.json",
        ]
    )

    def read(kind: str, suffix: str) -> object:
        return json.loads((out / f"{kind}_{stamp}{suffix}").read_text())

    assert read("similar_products", ".semicolon.json") == {"p1": "p3;p2", "p2": "p1"}
    # 'auto' skips 'ghost' (metrics but no serving lists) and picks als over popular.
    assert manifest["model"] == "als" and manifest["source_run_id"] == "run-7"
    assert read("recommendations", ".semicolon.json") == {"u1": "p2;p1"}
    assert read("similar_products", ".json")[0] == {
        "product_id": "p1",
        "items": [
            {"product_id": "p3", "rank": 1, "score": 0.9},
            {"product_id": "p2", "rank": 2, "score": 0.5},
        ],
    }
    assert read("recommendations", ".json") == [
        {
            "user_id": "u1",
            "items": [
                {"product_id": "p2", "rank": 1, "score": 2.0, "reason": "because"},
                {"product_id": "p1", "rank": 2, "score": 1.0, "reason": "because"},
            ],
        }
    ]
    assert json.loads((out / f"export_manifest_{stamp}.json").read_text()) == manifest
    assert not list(out.glob("*.tmp"))


def test_export_of_a_named_model_and_errors(serving_db: Path, tmp_path: Path) -> None:
    manifest = export(
        serving_db, tmp_path, ExportConfig(model="popular", method="jaccard"), now=NOW
    )
    assert manifest["users"] == 2 and manifest["products"] == 1
    with pytest.raises(ValueError, match="no method 'lift'"):
        export(serving_db, tmp_path, ExportConfig(method="lift"))
    with pytest.raises(ValueError, match="use one of als, popular"):
        export(serving_db, tmp_path, ExportConfig(model="ghost"))
    with pytest.raises(FileNotFoundError, match="dbt build"):
        export(tmp_path / "missing.duckdb", tmp_path, ExportConfig())
