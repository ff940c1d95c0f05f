{#- Analysts see plain schema names (raw, staging, intermediate, marts, ml, audit),
    not dbt's default <target>_<custom> concatenation. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
