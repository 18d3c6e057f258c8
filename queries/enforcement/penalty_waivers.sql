-- source: enforcement
-- description: 依法不予立案、“首违不罚”件数及减免的处罚金额（元）
-- returns: row
SELECT COALESCE(SUM(CASE WHEN waiver_type = '不予立案' THEN 1 ELSE 0 END), 0) AS non_filing,
       COALESCE(SUM(CASE WHEN waiver_type = '首违不罚' THEN 1 ELSE 0 END), 0) AS first_violation,
       COALESCE(SUM(waived_amount), 0) AS waived_amount
FROM penalty_waiver
WHERE decided_on >= :period_start AND decided_on < :period_end
