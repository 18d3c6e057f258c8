-- source: enforcement
-- description: 全年行政处罚立案总数和重大案件数
-- returns: row
SELECT COUNT(*) AS cases,
       COALESCE(SUM(is_major), 0) AS major_cases
FROM case_file
WHERE filed_on >= :period_start AND filed_on < :period_end
