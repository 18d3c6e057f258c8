-- source: ledger
-- description: 计划完成率低于 90% 的分局
-- returns: rows
WITH done AS (
    SELECT 检查单位 AS unit, COUNT(*) AS checks
    FROM 检查记录
    WHERE 检查日期 >= :period_start AND 检查日期 < :period_end
    GROUP BY 检查单位
), planned AS (
    SELECT 单位 AS unit, SUM(计划检查数) AS plan
    FROM 检查计划
    WHERE 计划月份 >= :period_start AND 计划月份 < :period_end
    GROUP BY 单位
)
SELECT p.unit AS unit, COALESCE(d.checks, 0) AS checks, p.plan AS plan
FROM planned AS p LEFT JOIN done AS d ON d.unit = p.unit
WHERE COALESCE(d.checks, 0) < 0.9 * p.plan
ORDER BY COALESCE(d.checks, 0) * 1.0 / p.plan, p.unit
