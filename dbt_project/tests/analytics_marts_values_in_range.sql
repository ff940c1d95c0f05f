-- Range and consistency checks of the analytics marts (department_sales, aisle_sales,
-- department_basket_correlation, department_transitions). Returns one row per violation.

with

department_sales as (

    select * from {{ ref('department_sales') }}

),

aisle_sales as (

    select * from {{ ref('aisle_sales') }}

),

department_correlations as (

    select * from {{ ref('department_basket_correlation') }}

),

department_transitions as (

    select * from {{ ref('department_transitions') }}

),

mart_sizes as (

    select
        (select count(*) from {{ ref('department_sales') }}) as department_count,
        (select count(*) from {{ ref('aisle_sales') }}) as aisle_count

),

department_sales_out_of_range as (

    select
        'department_sales' as failing_table,
        department_sales.department as failing_key

    from department_sales

    cross join mart_sizes

    where
        department_sales.sale_count < 1
        or department_sales.reorder_count not between 0 and department_sales.sale_count
        or department_sales.reorder_percentage not between 0 and 1
        or department_sales.sales_rank not between 1 and mart_sizes.department_count

),

aisle_sales_out_of_range as (

    select
        'aisle_sales' as failing_table,
        aisle_sales.department || ' / ' || aisle_sales.category as failing_key

    from aisle_sales

    cross join mart_sizes

    where
        aisle_sales.sale_count < 1
        or aisle_sales.reorder_count not between 0 and aisle_sales.sale_count
        or aisle_sales.reorder_percentage not between 0 and 1
        or aisle_sales.rank_most_sold + aisle_sales.rank_least_sold != mart_sizes.aisle_count + 1

),

aisle_totals_per_department as (

    select
        department,
        sum(sale_count) as sale_count,
        sum(reorder_count) as reorder_count

    from aisle_sales

    group by department

),

aisles_not_adding_up_to_departments as (

    select
        'aisle_sales' as failing_table,
        coalesce(
            department_sales.department, aisle_totals_per_department.department
        ) as failing_key

    from department_sales

    full outer join aisle_totals_per_department
        on department_sales.department = aisle_totals_per_department.department

    where
        department_sales.sale_count is distinct from aisle_totals_per_department.sale_count
        or department_sales.reorder_count
        is distinct from aisle_totals_per_department.reorder_count

),

diagonal_correlations as (

    select
        department,
        correlation as diagonal_correlation,
        orders_with_both as orders_with_department

    from department_correlations

    where department = other_department

),

mirrored_correlations as (select * from department_correlations),

correlations_out_of_range as (

    select
        'department_basket_correlation' as failing_table,
        department_correlations.department
        || ' / '
        || department_correlations.other_department as failing_key

    from department_correlations

    left join mirrored_correlations
        on
            department_correlations.department = mirrored_correlations.other_department
            and department_correlations.other_department = mirrored_correlations.department

    left join diagonal_correlations
        on department_correlations.department = diagonal_correlations.department

    where
        department_correlations.correlation not between -1 and 1
        or (
            department_correlations.department = department_correlations.other_department
            and department_correlations.correlation != 1
        )
        or department_correlations.correlation
        is distinct from mirrored_correlations.correlation
        or department_correlations.orders_with_both
        is distinct from mirrored_correlations.orders_with_both
        or department_correlations.orders_with_both
        not between 0 and diagonal_correlations.orders_with_department

),

department_pairs_missing as (

    -- Every department must appear with every department, itself included.
    select
        'department_basket_correlation' as failing_table,
        'pair count' as failing_key

    from mart_sizes

    where
        (select count(*) from department_correlations)
        != mart_sizes.department_count * mart_sizes.department_count

),

transitions_out_of_range as (

    select
        'department_transitions' as failing_table,
        from_department || ' -> ' || to_department as failing_key

    from department_transitions

    where
        from_department = to_department
        or transition_count < 1

)

select * from department_sales_out_of_range
union all
select * from aisle_sales_out_of_range
union all
select * from aisles_not_adding_up_to_departments
union all
select * from correlations_out_of_range
union all
select * from department_pairs_missing
union all
select * from transitions_out_of_range
