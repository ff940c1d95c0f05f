with

staged_promotions as (

    select * from {{ ref('stg_promotions') }}

),

accepted_products as (

    select product_id from {{ ref('int_products') }}

),

promotions_with_references as (

    select
        staged_promotions.*,
        accepted_products.product_id is not null as has_known_product

    from staged_promotions

    left join accepted_products
        on staged_promotions.product_id = accepted_products.product_id

),

promotions_ranked_within_repeats as (

    select
        *,
        row_number() over (
            partition by
                product_id, store_id, week_number, promo_kind, display_location, mailer_location
            order by source_row_number
        ) as occurrence_number

    from promotions_with_references

),

promotions_checked as (

    select
        * exclude (row_issue, has_known_product, occurrence_number),
        coalesce(
            row_issue,
            case
                when not has_known_product then 'unknown_product'
                when occurrence_number > 1 then 'duplicate_promotion'
            end
        ) as rejection_reason,
        concat_ws('/', product_id, store_id, week_number) as record_key

    from promotions_ranked_within_repeats

)

select * from promotions_checked
