{%- set source_types = source_column_types(ref('raw_users')) -%}

with

source as (

    select * from {{ ref('raw_users') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('user_id', source_types) }} as user_id,

        ---------- demographics (bands as given)
        nullif(trim(cast(age_band as varchar)), '') as age_band,
        nullif(trim(cast(income_band as varchar)), '') as income_band,
        nullif(trim(cast(household_size as varchar)), '') as household_size,
        nullif(trim(cast(household_composition as varchar)), '') as household_composition,
        nullif(trim(cast(kids_count as varchar)), '') as kids_count,
        nullif(trim(cast(home_ownership as varchar)), '') as home_ownership,
        nullif(trim(cast(marital_status as varchar)), '') as marital_status,

        ---------- row-level problems
        case
            when {{ clean_id('user_id', source_types) }} is null then 'null_user_id'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
