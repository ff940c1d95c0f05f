with

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

lines_with_reorder_flag as (

    select
        department,
        -- The dataset's own flag where it has one (Instacart), else "bought in an earlier order".
        coalesce(dataset_reordered_flag, is_repeat_purchase) as is_reordered

    from enriched_lines

),

sales_per_department as (

    select
        department,
        count(*) as sale_count,
        cast(count_if(is_reordered) as bigint) as reorder_count

    from lines_with_reorder_flag

    group by department

),

departments_ranked_by_sales as (

    select
        department,
        sale_count,
        reorder_count,
        reorder_count / sale_count as reorder_percentage,
        row_number() over (order by sale_count desc, department asc) as sales_rank

    from sales_per_department

)

select * from departments_ranked_by_sales
