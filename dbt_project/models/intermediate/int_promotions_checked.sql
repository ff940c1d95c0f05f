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
        accepted_products.product_id is not null as has_known_product,
        hash(
            staged_promotions.product_id,
            staged_promotions.store_id,
            staged_promotions.week_number,
            staged_promotions.promo_kind,
            staged_promotions.display_location,
            staged_promotions.mailer_location
        ) as repeat_key_hash

    from staged_promotions

    left join accepted_products
        on staged_promotions.product_id = accepted_products.product_id

),

repeated_key_hashes as (

    -- Repeats are rare: find the candidates by one 64-bit hash, then rank only those rows on
    -- the real columns. A window over every row sorted all 21M of them (Complete Journey: the
    -- model took 45 s instead of 26 s).
    select repeat_key_hash

    from promotions_with_references

    group by repeat_key_hash

    having count(*) > 1

),

repeat_occurrences as (

    select
        promotions_with_references.source_file,
        promotions_with_references.source_row_number,
        row_number() over (
            partition by
                promotions_with_references.product_id,
                promotions_with_references.store_id,
                promotions_with_references.week_number,
                promotions_with_references.promo_kind,
                promotions_with_references.display_location,
                promotions_with_references.mailer_location
            order by
                promotions_with_references.source_row_number,
                promotions_with_references.source_file
        ) as occurrence_number

    from promotions_with_references

    semi join repeated_key_hashes
        on promotions_with_references.repeat_key_hash = repeated_key_hashes.repeat_key_hash

),

promotions_checked as (

    select
        promotions_with_references.*,
        coalesce(
            promotions_with_references.row_issue,
            case
                when not promotions_with_references.has_known_product then 'unknown_product'
                when repeat_occurrences.occurrence_number > 1 then 'duplicate_promotion'
            end
        ) as rejection_reason

    from promotions_with_references

    left join repeat_occurrences
        on
            promotions_with_references.source_file
            is not distinct from repeat_occurrences.source_file
            and promotions_with_references.source_row_number
            = repeat_occurrences.source_row_number

),

keyed_promotions as (

    select
        * exclude (row_issue, has_known_product, repeat_key_hash),
        -- Only rejected rows are reported by key (audit.rejected_rows).
        case
            when rejection_reason is not null
                then concat_ws('/', product_id, store_id, week_number)
        end as record_key

    from promotions_checked

)

select * from keyed_promotions
