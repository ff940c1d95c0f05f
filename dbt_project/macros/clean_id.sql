{#- Staging casts. Each macro takes, optionally, the source relation's column types
    (macro source_column_types): a column already stored as the target type, or as a type that
    casts to it exactly, is cast directly; text, and any column whose type is unknown, goes
    through the trimmed-text path. At Instacart size the text round trip of typed Parquet
    columns (integer -> text -> trim -> integer) was most of stg_order_lines' time. -#}

{#- Lowercased column name -> DuckDB type name (upper case), read at run time; empty while
    dbt parses, so the macros below fall back to the text path there. -#}
{% macro source_column_types(relation) -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({column.name | lower: column.dtype | upper}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}

{#- True when values of source type `source_type` cast to `type` without a detour through
    text changing the result (same type, or integers widening). -#}
{% macro casts_exactly(source_type, type) -%}
    {%- set integers = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT',
        'UINTEGER', 'UBIGINT', 'HUGEINT'] -%}
    {%- set target = type | upper -%}
    {%- set exact = {
        'DOUBLE': integers + ['FLOAT', 'DOUBLE'],
        'INTEGER': integers,
        'BIGINT': integers,
        'BOOLEAN': ['BOOLEAN'],
        'TIMESTAMP': ['TIMESTAMP'],
        'DATE': ['DATE'],
    } -%}
    {{ return(source_type in exact.get(target, [target])) }}
{%- endmacro %}

{#- Ids are opaque text: trimmed, empty -> null. Integer ids from Parquet become their digits. -#}
{% macro clean_id(column, source_types={}) -%}
    {%- set source_type = source_types.get(column | lower) -%}
    {%- if source_type == 'VARCHAR' -%}
        nullif(trim({{ column }}), '')
    {%- elif source_type and casts_exactly(source_type, 'BIGINT') -%}
        cast({{ column }} as varchar)
    {%- else -%}
        nullif(trim(cast({{ column }} as varchar)), '')
    {%- endif -%}
{%- endmacro %}

{#- True when a value is present but does not cast to the type (e.g. 'abc' as a quantity). -#}
{% macro fails_cast(column, type, source_types={}) -%}
    {%- set source_type = source_types.get(column | lower) -%}
    {%- if source_type and casts_exactly(source_type, type) -%}
        ({{ column }} is not null and try_cast({{ column }} as {{ type }}) is null)
    {%- else -%}
        ({{ column }} is not null and nullif(trim(cast({{ column }} as varchar)), '') is not null
        and try_cast({{ column }} as {{ type }}) is null)
    {%- endif -%}
{%- endmacro %}

{#- The value cast to the type, or null when it is absent or does not cast. -#}
{% macro safe_cast(column, type, source_types={}) -%}
    {%- set source_type = source_types.get(column | lower) -%}
    {%- if source_type and casts_exactly(source_type, type) -%}
        try_cast({{ column }} as {{ type }})
    {%- else -%}
        try_cast(nullif(trim(cast({{ column }} as varchar)), '') as {{ type }})
    {%- endif -%}
{%- endmacro %}
