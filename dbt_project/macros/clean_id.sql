{#- Ids are opaque text: trimmed, empty -> null. Integer ids from Parquet become their digits. -#}
{% macro clean_id(column) -%}
    nullif(trim(cast({{ column }} as varchar)), '')
{%- endmacro %}

{#- True when a value is present but does not cast to the type (e.g. 'abc' as a quantity). -#}
{% macro fails_cast(column, type) -%}
    ({{ column }} is not null and nullif(trim(cast({{ column }} as varchar)), '') is not null
    and try_cast({{ column }} as {{ type }}) is null)
{%- endmacro %}

{#- The value cast to the type, or null when it is absent or does not cast. -#}
{% macro safe_cast(column, type) -%}
    try_cast(nullif(trim(cast({{ column }} as varchar)), '') as {{ type }})
{%- endmacro %}
