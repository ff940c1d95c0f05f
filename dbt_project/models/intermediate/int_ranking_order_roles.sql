{#- One row per order with, for every ranking snapshot, whether the order is in the snapshot's
    history and the snapshot's reference day for the order's user. The per-snapshot feature
    models read each line once through this pivot instead of once per snapshot. -#}

with

snapshot_orders as (

    select * from {{ ref('int_ranking_snapshot_orders') }}

    where role = 'history'

),

order_roles as (

    select
        order_id,
        any_value(user_id) as user_id,
        {% for snapshot in ranking_snapshots() %}
            bool_or(snapshot = '{{ snapshot }}') as is_{{ snapshot }}_history,
            max(reference_day) filter (
                where snapshot = '{{ snapshot }}'
            ) as {{ snapshot }}_reference_day{% if not loop.last %},{% endif %}
        {% endfor %}

    from snapshot_orders

    group by order_id

)

select * from order_roles
