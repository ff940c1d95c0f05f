{#- Each user's categories before each snapshot's cutoff: orders in the category and the unit
    price the user usually pays there (median), for price-relative features and upsells. Every
    snapshot is aggregated in one pass (filtered aggregates), then the snapshots are stacked. -#}

with

order_lines as (

    select * from {{ ref('int_ranking_order_lines') }}

    where unit_price > 0

),

user_categories_by_snapshot as (

    select
        user_id,
        category,
        {% for snapshot in ranking_snapshots() %}
            count(distinct order_id) filter (
                where is_{{ snapshot }}_history
            ) as {{ snapshot }}_category_orders,
            median(unit_price) filter (
                where is_{{ snapshot }}_history
            ) as {{ snapshot }}_usual_category_unit_price{% if not loop.last %},{% endif %}
        {% endfor %}

    from order_lines

    group by user_id, category

),

user_categories as (

    {% for snapshot in ranking_snapshots() %}
        select
            '{{ snapshot }}' as snapshot,
            user_id,
            category,
            {{ snapshot }}_category_orders as category_orders,
            {{ snapshot }}_usual_category_unit_price as usual_category_unit_price

        from user_categories_by_snapshot

        where {{ snapshot }}_category_orders > 0

        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from user_categories
