with

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

lines_with_reorder_flag as (

    select
        department,
        category,
        -- The dataset's own flag where it has one (Instacart), else "bought in an earlier order".
        coalesce(dataset_reordered_flag, is_repeat_purchase) as is_reordered

    from enriched_lines

),

sales_per_aisle as (

    select
        department,
        category,
        count(*) as sale_count,
        cast(count_if(is_reordered) as bigint) as reorder_count

    from lines_with_reorder_flag

    group by department, category

),

aisles_ranked_both_ways as (

    select
        department,
        category,
        sale_count,
        reorder_count,
        reorder_count / sale_count as reorder_percentage,
        -- Ties are broken by name so that each ranking is a permutation and the two are mirror
        -- images: rank_most_sold + rank_least_sold = number of aisles + 1.
        row_number() over (
            order by sale_count desc, department asc, category asc
        ) as rank_most_sold,
        row_number() over (
            order by sale_count asc, department desc, category desc
        ) as rank_least_sold

    from sales_per_aisle

)

select * from aisles_ranked_both_ways
