-- source: enforcement
-- description: 生产安全事故调查立案、已作行政处罚的事故及处罚金额（元）
-- returns: row
SELECT COUNT(DISTINCT c.id) AS cases,
       COUNT(DISTINCT p.case_id) AS penalised_cases,
       COALESCE(SUM(p.fine_amount), 0) AS fines
FROM case_file c
LEFT JOIN penalty_decision p ON p.case_id = c.id
WHERE c.case_source = '事故调查'
  AND c.filed_on >= :period_start AND c.filed_on < :period_end
