-- source: ledger
-- description: 全市计划检查次数（各分局各月计划之和）
-- returns: scalar
SELECT SUM(计划检查数) AS planned
FROM 检查计划
WHERE 计划月份 >= :period_start AND 计划月份 < :period_end
