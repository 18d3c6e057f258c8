-- source: enforcement
-- description: 执法检查立案数及处罚金额（元）
-- returns: row
SELECT COUNT(DISTINCT c.id) AS cases,
       COUNT(DISTINCT p.case_id) AS penalised_cases,
       COALESCE(SUM(p.fine_amount), 0) AS fines
FROM case_file c
LEFT JOIN penalty_decision p ON p.case_id = c.id
WHERE c.case_source = '执法检查'
  AND c.filed_on >= :period_start AND c.filed_on < :period_end
