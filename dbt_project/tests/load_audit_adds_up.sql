-- Every raw row is either accepted or quarantined: per table, kept + rejected = read, and the
-- accepted rows are exactly the rows of the intermediate accepted views.
{%- set tables = ['orders', 'order_lines', 'products', 'promotions', 'users', 'sessions'] %}

with

audit_totals as (

    select
        source_table,
        any_value(rows_read) as rows_read,
        sum(row_count) as outcome_rows,
        sum(row_count) filter (where not is_rejected) as accepted_rows,
        sum(row_count) filter (where is_rejected) as rejected_rows

    from {{ ref('load_audit') }}

    group by source_table

),

rejected_counts as (

    select
        source_table,
        count(*) as rejected_rows

    from {{ ref('rejected_rows') }}

    group by source_table

),

accepted_counts as (

    {% for table in tables %}
        select
            '{{ table }}' as source_table,
            count(*) as accepted_rows
        from {{ ref('int_' ~ table) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    audit_totals.source_table,
    audit_totals.rows_read,
    audit_totals.outcome_rows,
    accepted_counts.accepted_rows,
    rejected_counts.rejected_rows

from audit_totals

left join accepted_counts
    on audit_totals.source_table = accepted_counts.source_table

left join rejected_counts
    on audit_totals.source_table = rejected_counts.source_table

where
    audit_totals.outcome_rows != audit_totals.rows_read
    or coalesce(audit_totals.accepted_rows, 0) != accepted_counts.accepted_rows
    or coalesce(audit_totals.rejected_rows, 0) != coalesce(rejected_counts.rejected_rows, 0)
