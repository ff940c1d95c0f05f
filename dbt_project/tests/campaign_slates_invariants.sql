{#- Every invariant of campaign_slates, on every user of both purposes; returns the violations.
    - every campaign user has a slate of exactly 5 rows, ranks 1..5, 5 distinct products;
    - 3 promotion, 1 new_item, 1 upsell slots;
    - ordered by expected revenue (rank 1 = highest);
    - a promotion slot holds a product promoted that week, a new_item slot a product the user
      never bought, an upsell slot a product of a category the user buys priced at least
      campaign_upsell_price_ratio x the user's usual there -- unless filled by a fallback that
      relaxed the slot's rule (fallback_tier slot_rule_relaxed or later);
    - at most 2 products per category, unless category_cap_relaxed or later;
    - nothing from the user's previous campaign, unless previous_campaign_repeated. -#}

with

slates as (

    select * from {{ ref('campaign_slates') }}

),

candidates as (

    select * from {{ ref('campaign_candidates') }}

),

candidate_flags as (

    select
        purpose,
        user_id,
        product_id,
        bool_or(is_promoted) as is_promoted,
        bool_or(is_bought) as is_bought,
        bool_or(is_upsell) as is_upsell,
        bool_or(was_in_previous_campaign) as was_in_previous_campaign

    from candidates

    group by purpose, user_id, product_id

),

campaign_users as (

    select distinct
        purpose,
        user_id

    from candidates

),

slate_shapes as (

    select
        campaign_users.purpose,
        campaign_users.user_id,
        count(slates.product_id) as slate_rows,
        count(distinct slates.product_id) as slate_products,
        count(distinct slates.rank) filter (where slates.rank between 1 and 5) as slate_ranks,
        count(*) filter (where slates.slot = 'promotion') as promotion_slots,
        count(*) filter (where slates.slot = 'new_item') as new_item_slots,
        count(*) filter (where slates.slot = 'upsell') as upsell_slots

    from campaign_users

    left join slates
        on
            campaign_users.purpose = slates.purpose
            and campaign_users.user_id = slates.user_id

    group by campaign_users.purpose, campaign_users.user_id

),

shape_violations as (

    select
        purpose,
        user_id,
        'slate is not 5 distinct products ranked 1..5 in 3/1/1 slots' as violation

    from slate_shapes

    where
        slate_rows != 5
        or slate_products != 5
        or slate_ranks != 5
        or promotion_slots != 3
        or new_item_slots != 1
        or upsell_slots != 1

),

slates_checked as (

    select
        slates.*,
        candidate_flags.is_promoted,
        candidate_flags.is_bought,
        candidate_flags.is_upsell,
        candidate_flags.was_in_previous_campaign,
        slates.fallback_tier in (
            'slot_rule_relaxed', 'category_cap_relaxed', 'previous_campaign_repeated'
        ) as is_slot_rule_relaxed,
        bool_or(
            slates.fallback_tier in ('category_cap_relaxed', 'previous_campaign_repeated')
        ) over (
            partition by slates.purpose, slates.user_id, slates.category
        ) as is_category_cap_relaxed,
        count(*) over (
            partition by slates.purpose, slates.user_id, slates.category
        ) as category_products,
        lag(slates.expected_revenue) over (
            partition by slates.purpose, slates.user_id order by slates.rank
        ) as previous_expected_revenue

    from slates

    left join candidate_flags
        on
            slates.purpose = candidate_flags.purpose
            and slates.user_id = candidate_flags.user_id
            and slates.product_id = candidate_flags.product_id

),

row_violations as (

    select
        purpose,
        user_id,
        case
            when is_promoted is null then 'product not in the candidate pool'
            when previous_expected_revenue < expected_revenue then 'not ordered by expected revenue'
            when slot = 'promotion' and not is_promoted and not is_slot_rule_relaxed
                then 'promotion slot without a promotion'
            when slot = 'new_item' and is_bought and not is_slot_rule_relaxed
                then 'new_item slot with a bought product'
            when slot = 'upsell' and not is_upsell and not is_slot_rule_relaxed
                then 'upsell slot without an upsell'
            when category_products > 2 and not is_category_cap_relaxed
                then 'more than 2 products of a category'
            when was_in_previous_campaign and fallback_tier != 'previous_campaign_repeated'
                then 'repeats the previous campaign'
        end as violation

    from slates_checked

),

violations as (

    select * from shape_violations

    union all

    select * from row_violations

    where violation is not null

)

select * from violations
