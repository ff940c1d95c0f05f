with

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

lines_with_previous_department as (

    select
        order_id,
        department as to_department,
        lag(department) over (
            partition by order_id order by line_number, source_row_number
        ) as from_department,
        -- Same rule as basket_sequences: the sequence is meaningful only when every line of the
        -- order has an add-to-cart position.
        count(line_number) over (partition by order_id)
        = count(*) over (partition by order_id) as is_add_order_known

    from enriched_lines

),

department_changes as (

    select * from lines_with_previous_department

    where from_department != to_department

),

transitions_counted as (

    select
        from_department,
        to_department,
        is_add_order_known,
        count(*) as transition_count

    from department_changes

    group by from_department, to_department, is_add_order_known

)

select * from transitions_counted
