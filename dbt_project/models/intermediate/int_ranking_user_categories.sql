{#- Each user's categories before each snapshot's cutoff: orders in the category and the unit
    price the user usually pays there (median), for price-relative features and upsells. -#}

with

history_lines as (

    select * from {{ ref('int_ranking_history_lines') }}

    where role = 'history'

),

user_categories as (

    select
        snapshot,
        user_id,
        category,
        count(distinct order_id) as category_orders,
        median(unit_price) as usual_category_unit_price

    from history_lines

    where unit_price > 0

    group by snapshot, user_id, category

)

select * from user_categories
