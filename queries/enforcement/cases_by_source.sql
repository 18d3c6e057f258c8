-- source: enforcement
-- description: 按案件来源统计的行政处罚立案数和重大案件数
-- returns: rows
SELECT case_source,
       COUNT(*) AS cases,
       COALESCE(SUM(is_major), 0) AS major_cases
FROM case_file
WHERE filed_on >= :period_start AND filed_on < :period_end
GROUP BY case_source
ORDER BY COUNT(*) DESC, case_source
