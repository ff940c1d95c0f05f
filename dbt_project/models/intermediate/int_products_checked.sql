with

staged_products as (

    select * from {{ ref('stg_products') }}

),

products_ranked_within_id as (

    select
        *,
        row_number() over (
            partition by product_id order by source_row_number
        ) as occurrence_number

    from staged_products

),

products_checked as (

    select
        * exclude (row_issue, occurrence_number),
        coalesce(
            row_issue,
            case when occurrence_number > 1 then 'duplicate_product' end
        ) as rejection_reason,
        product_id as record_key

    from products_ranked_within_id

)

select * from products_checked
