{#- The serving database (models_py.serving): after a `dbt build` or `dbt run` in which nothing
    failed, copy every model whose yml says `config: {meta: {serve: true}}` into a fresh DuckDB
    file beside the serving file (same schema and table names, with the yml descriptions as
    comments), add serving_manifest, and swap it in atomically. A failed build, or a failure
    here, leaves the previous serving file in place. Called from on-run-end in dbt_project.yml.
    Vars: serving_publish (false skips it), serving_storage_version (the oldest DuckDB release
    the file must open in; v1.0.0 = every DuckDB 1.x client). -#}
{% macro publish_serving(results) %}
    {#- Not after `--empty` builds either: their tables have no rows. -#}
    {%- if not execute or flags.WHICH not in ['build', 'run'] or flags.EMPTY -%}
        {{ return('') }}
    {%- endif -%}
    {%- if not var('serving_publish', true) or var('serving_publish', true) in ['false', 'False'] -%}
        {{ log('serving: publish skipped (var serving_publish is false)', info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set failed = [] -%}
    {%- for result in results if result.status in ['error', 'fail', 'runtime error'] -%}
        {%- do failed.append(result.node.name) -%}
    {%- endfor -%}
    {%- if failed -%}
        {{ log('serving: not published, ' ~ failed | length ~ ' node(s) failed (' ~ failed[:5] | join(', ') ~ '); the previous serving database stays', info=true) }}
        {{ return('') }}
    {%- endif -%}

    {%- set served = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.resource_type == 'model' and node.config.enabled and (node.config.meta or {}).get('serve') -%}
            {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- if relation is none -%}
                {{ log('serving: ' ~ node.schema ~ '.' ~ node.alias ~ ' is not built yet; not served', info=true) }}
            {%- else -%}
                {%- do served.append({'node': node, 'relation': relation}) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not served -%}
        {{ log('serving: no table to publish yet', info=true) }}
        {{ return('') }}
    {%- endif -%}

    {%- set started = modules.datetime.datetime.now() -%}
    {%- set temporary = run_query("select serving_prepare(" ~ _serving_literal(invocation_id) ~ ")").columns[0].values()[0] -%}
    {%- do run_query("attach " ~ _serving_literal(temporary) ~ " as serving_next (storage_version " ~ _serving_literal(var('serving_storage_version', 'v1.0.0')) ~ ")") -%}
    {%- set manifest_rows = [] -%}
    {%- for item in served -%}
        {%- set node = item.node -%}
        {%- set target = 'serving_next.' ~ adapter.quote(node.schema) ~ '.' ~ adapter.quote(node.alias) -%}
        {%- do run_query('create schema if not exists serving_next.' ~ adapter.quote(node.schema)) -%}
        {%- do run_query('create table ' ~ target ~ ' as select * from ' ~ item.relation) -%}
        {%- if node.description -%}
            {%- do run_query('comment on table ' ~ target ~ ' is ' ~ _serving_literal(node.description)) -%}
        {%- endif -%}
        {%- set table_columns = adapter.get_columns_in_relation(item.relation) | map(attribute='name') | list -%}
        {%- for column_name, column in node.columns.items() if column.description and column_name in table_columns -%}
            {%- do run_query('comment on column ' ~ target ~ '.' ~ adapter.quote(column_name) ~ ' is ' ~ _serving_literal(column.description)) -%}
        {%- endfor -%}
        {%- do manifest_rows.append("(" ~ _serving_literal(node.schema) ~ ", " ~ _serving_literal(node.alias) ~ ", (select count(*) from " ~ target ~ "))") -%}
    {%- endfor -%}
    {%- do run_query(
        "create table serving_next.main.serving_manifest as select "
        ~ _serving_literal(invocation_id) ~ " as run_id, "
        ~ "cast(" ~ _serving_literal(run_started_at.isoformat()) ~ " as timestamptz) as built_at, "
        ~ "current_timestamp as published_at, table_schema, table_name, row_count "
        ~ "from (values " ~ manifest_rows | join(', ') ~ ") as served (table_schema, table_name, row_count)"
    ) -%}
    {%- do run_query("comment on table serving_next.main.serving_manifest is 'One row per served table of this version of the serving database: the dbt run (run_id, built_at) it comes from and its row count. Grain: (table_schema, table_name).'") -%}
    {#- DuckDB refuses to detach a database with uncommitted work (run_query opened a transaction). -#}
    {%- do adapter.commit() -%}
    {%- do run_query('detach serving_next') -%}
    {%- set final_path = run_query('select serving_swap(' ~ _serving_literal(temporary) ~ ')').columns[0].values()[0] -%}
    {{ log('serving: published ' ~ served | length ~ ' tables to ' ~ final_path ~ ' in ' ~ ((modules.datetime.datetime.now() - started).total_seconds() | round(1)) ~ ' s', info=true) }}
    {{ return('') }}
{% endmacro %}

{#- A SQL string literal. -#}
{% macro _serving_literal(text) -%}
    '{{ text | string | replace("'", "''") }}'
{%- endmacro %}
