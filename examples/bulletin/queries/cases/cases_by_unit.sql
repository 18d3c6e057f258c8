-- source: cases
-- description: 各分局立案数和罚没金额（元），按立案数排名
-- returns: rows
SELECT 办案单位 AS unit, COUNT(*) AS n, SUM(罚没金额) AS fines
FROM 立案
WHERE 立案日期 >= :period_start AND 立案日期 < :period_end
GROUP BY 办案单位
ORDER BY n DESC, fines DESC, 办案单位
