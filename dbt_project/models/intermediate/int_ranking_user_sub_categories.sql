{#- Each user's sub-categories before each snapshot's cutoff, from the products bought there
    (int_ranking_user_items): products, item orders (an order with two of its products counts
    twice), the label-length windows with a purchase (the bit_or of the products' window
    masks, so exactly the windows with any of them) and the last purchase. A sub-category is
    keyed with its category (sub-category names repeat across categories; a null sub-category
    is its category's rest). The ranker reads whether the user still buys the sub-category,
    and switched to another of its products since the candidate's last purchase. -#}

with

user_items as (

    select * from {{ ref('int_ranking_user_items') }}

),

products as (

    select * from {{ ref('int_products') }}

),

user_sub_categories as (

    select
        user_items.snapshot,
        user_items.user_id,
        products.category,
        products.sub_category,
        count(*) as products_bought,
        sum(user_items.order_count) as item_orders,
        bit_or(user_items.window_mask) as window_mask,
        max(user_items.last_purchased_day) as last_purchased_day,
        -- The snapshot's reference day, which user_items keeps only as days_since_last.
        any_value(user_items.days_since_last + user_items.last_purchased_day) as reference_day

    from user_items

    inner join products
        on user_items.product_id = products.product_id

    group by user_items.snapshot, user_items.user_id, products.category, products.sub_category

),

with_recency as (

    select
        * exclude (reference_day),
        reference_day - last_purchased_day as days_since_last

    from user_sub_categories

)

select * from with_recency
