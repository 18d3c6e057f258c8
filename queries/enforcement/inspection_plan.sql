-- source: enforcement
-- description: 年度执法计划任务完成情况
-- returns: row
SELECT COUNT(*) AS planned,
       COALESCE(SUM(CASE WHEN inspection_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS completed
FROM inspection_plan
WHERE planned_on >= :period_start AND planned_on < :period_end
