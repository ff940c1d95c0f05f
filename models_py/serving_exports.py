"""JSON exports for serving: top-k similar products per product and top-k recommendations per user.

    python -m models_py.serving_exports [--db warehouse/serving.duckdb] \\
        [--out warehouse/serving_exports] [--similar-k 5] [--method cosine] \\
        [--recommendations-k 10] [--model auto] [--mode repeat]

Reads the serving database (models_py.serving; never locked by a build) or any warehouse file,
read-only. Every export writes, with one UTC timestamp in the names:

- `similar_products_<ts>.semicolon.json` and `recommendations_<ts>.semicolon.json`: the
  co-occurrence notebook's form, one object mapping each id to its list joined by ";";
- `similar_products_<ts>.json` and `recommendations_<ts>.json`: a JSON array, one object per
  product (user) with its list as an array of {product_id, rank, score[, reason]};
- `export_manifest_<ts>.json`: what was exported (source, run id, method, model, k, counts).

Each file is written to a temporary name and renamed, so a consumer polling the folder never
reads half a file. README "Serving" documents the schemas.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from models_py import serving

TIMESTAMP_FORMAT = "%Y-%m-%d_%H-%M-%S"


@dataclass(frozen=True)
class ExportConfig:
    """What to export. model 'auto': the best serving model by precision@5 in model_metrics."""

    similar_k: int = 5
    method: str = "cosine"
    recommendations_k: int = 10
    model: str = "auto"
    mode: str = "repeat"


@dataclass(frozen=True)
class RankedList:
    """One product's (or user's) list, best first."""

    key: str
    items: tuple[Mapping[str, Any], ...]


def semicolon_form(lists: Iterable[RankedList]) -> dict[str, str]:
    """The notebook's serving JSON: {id: "id1;id2;..."} in rank order."""
    return {
        ranked.key: ";".join(str(item["product_id"]) for item in ranked.items) for ranked in lists
    }


def array_form(lists: Iterable[RankedList], key_name: str) -> list[dict[str, Any]]:
    """[{key_name: id, "items": [{product_id, rank, score, ...}, ...]}, ...] in key order."""
    return [
        {key_name: ranked.key, "items": [dict(item) for item in ranked.items]} for ranked in lists
    ]


def lists_from_rows(rows: Sequence[tuple[str, list[dict[str, Any]]]]) -> list[RankedList]:
    """(key, [struct, ...]) rows from DuckDB to RankedList, floats rounded for stable files."""
    lists = []
    for key, items in rows:
        cleaned = tuple(
            {
                name: round(value, 6) if isinstance(value, float) else value
                for name, value in item.items()
            }
            for item in items
        )
        lists.append(RankedList(key=str(key), items=cleaned))
    return lists


def read_similar_products(
    connection: duckdb.DuckDBPyConnection, config: ExportConfig
) -> list[RankedList]:
    methods = [
        row[0]
        for row in connection.sql("select distinct method from marts.similar_products").fetchall()
    ]
    if config.method not in methods:
        raise ValueError(
            f"marts.similar_products has no method {config.method!r}: "
            f"use one of {', '.join(sorted(methods))}."
        )
    rows = connection.execute(
        """
        select
            product_id,
            list(
                {
                    'product_id': similar_product_id,
                    'rank': similarity_rank,
                    'score': cast(score as double),
                }
                order by similarity_rank
            ) as items
        from marts.similar_products
        where method = ? and similarity_rank <= ?
        group by product_id
        order by product_id
        """,
        [config.method, config.similar_k],
    ).fetchall()
    return lists_from_rows(rows)


def choose_model(connection: duckdb.DuckDBPyConnection, config: ExportConfig) -> str:
    """config.model, or with 'auto' the model with the best precision@5 in the mode."""
    served = {
        row[0]
        for row in connection.execute(
            "select distinct model from ml.recommendations where purpose = 'serving' and mode = ?",
            [config.mode],
        ).fetchall()
    }
    if config.model != "auto":
        if config.model not in served:
            raise ValueError(
                f"ml.recommendations has no serving lists of model {config.model!r} in mode "
                f"{config.mode!r}: use one of {', '.join(sorted(served)) or '(none)'}."
            )
        return config.model
    ranked = connection.execute(
        """
        select model from ml.model_metrics
        where mode = ? and k = 5
        order by precision_at_k desc, model
        """,
        [config.mode],
    ).fetchall()
    for (model,) in ranked:
        if model in served:
            return model
    raise ValueError(
        f"No model with serving lists in mode {config.mode!r} has metrics in "
        "ml.model_metrics: pass --model."
    )


def read_recommendations(
    connection: duckdb.DuckDBPyConnection, config: ExportConfig, model: str
) -> list[RankedList]:
    rows = connection.execute(
        """
        select
            user_id,
            list(
                {
                    'product_id': product_id,
                    'rank': rank,
                    'score': cast(score as double),
                    'reason': reason,
                }
                order by rank
            ) as items
        from ml.recommendations
        where purpose = 'serving' and model = ? and mode = ? and rank <= ?
        group by user_id
        order by user_id
        """,
        [model, config.mode, config.recommendations_k],
    ).fetchall()
    return lists_from_rows(rows)


def source_run_id(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The serving database's run id (None when reading a warehouse file)."""
    tables = {row[0] for row in connection.sql("select table_name from duckdb_tables()").fetchall()}
    if "serving_manifest" not in tables:
        return None
    return connection.sql("select any_value(run_id) from serving_manifest").fetchone()[0]


def write_json(path: Path, payload: Any) -> Path:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        json.dump(payload, out, indent=4, ensure_ascii=False)
        out.write("\n")
    os.replace(temporary, path)
    return path


def export(
    database: Path, out_dir: Path, config: ExportConfig, now: datetime | None = None
) -> dict[str, Any]:
    """Write the five files; return the manifest (also written)."""
    if not database.exists():
        raise FileNotFoundError(
            f"No database at {database}: run `dbt build` first (it publishes the serving database)."
        )
    stamp = (now or datetime.now(UTC)).strftime(TIMESTAMP_FORMAT)
    connection = duckdb.connect(str(database), read_only=True)
    try:
        similar = read_similar_products(connection, config)
        model = choose_model(connection, config)
        recommendations = read_recommendations(connection, config, model)
        run_id = source_run_id(connection)
    finally:
        connection.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "similar_products_semicolon": write_json(
            out_dir / f"similar_products_{stamp}.semicolon.json", semicolon_form(similar)
        ),
        "similar_products": write_json(
            out_dir / f"similar_products_{stamp}.json", array_form(similar, "product_id")
        ),
        "recommendations_semicolon": write_json(
            out_dir / f"recommendations_{stamp}.semicolon.json", semicolon_form(recommendations)
        ),
        "recommendations": write_json(
            out_dir / f"recommendations_{stamp}.json", array_form(recommendations, "user_id")
        ),
    }
    manifest = {
        "exported_at": stamp,
        "source": str(database),
        "source_run_id": run_id,
        "config": asdict(config),
        "model": model,
        "products": len(similar),
        "users": len(recommendations),
        "files": {name: path.name for name, path in files.items()},
    }
    write_json(out_dir / f"export_manifest_{stamp}.json", manifest)
    return manifest


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    defaults = ExportConfig()
    parser = argparse.ArgumentParser(
        prog="python -m models_py.serving_exports", description=__doc__.split("\n\n")[0]
    )
    default_db = serving.serving_path(os.environ.get("WAREHOUSE_DB", "warehouse/warehouse.duckdb"))
    parser.add_argument("--db", type=Path, default=default_db, help=f"default {default_db}")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(os.environ.get("WAREHOUSE_SERVING_EXPORT_DIR", "warehouse/serving_exports")),
        help="folder (default: env WAREHOUSE_SERVING_EXPORT_DIR, else warehouse/serving_exports)",
    )
    parser.add_argument("--similar-k", type=int, default=defaults.similar_k)
    parser.add_argument(
        "--method",
        default=defaults.method,
        help="similar_products method (confidence, lift, cosine, jaccard, ...)",
    )
    parser.add_argument("--recommendations-k", type=int, default=defaults.recommendations_k)
    parser.add_argument(
        "--model", default=defaults.model, help="'auto': best precision@5 in model_metrics"
    )
    parser.add_argument("--mode", default=defaults.mode, choices=["repeat", "new_items"])
    return parser.parse_args(list(argv) if argv is not None else None)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = ExportConfig(
        similar_k=args.similar_k,
        method=args.method,
        recommendations_k=args.recommendations_k,
        model=args.model,
        mode=args.mode,
    )
    try:
        manifest = export(args.db, args.out, config)
    except (FileNotFoundError, ValueError, duckdb.Error) as error:
        print(f"serving_exports: {error}", file=sys.stderr)
        return 2
    print(
        f"Exported {manifest['products']} products and {manifest['users']} users "
        f"(model {manifest['model']}, mode {config.mode}) to {args.out}: "
        + ", ".join(manifest["files"].values())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
