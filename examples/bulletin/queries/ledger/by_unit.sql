-- source: ledger
-- description: 各分局计划完成情况，按计划完成率排名
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
SELECT p.unit AS unit,
       COALESCE(d.checks, 0) AS checks,
       p.plan AS plan,
       RANK() OVER (ORDER BY COALESCE(d.checks, 0) * 1.0 / p.plan DESC) AS ranking
FROM planned AS p LEFT JOIN done AS d ON d.unit = p.unit
ORDER BY ranking, p.unit
