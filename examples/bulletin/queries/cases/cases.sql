-- source: cases
-- description: 检查后立案的案件数和罚没金额（元）
-- returns: row
SELECT COUNT(*) AS n, COALESCE(SUM(罚没金额), 0) AS fines
FROM 立案
WHERE 立案日期 >= :period_start AND 立案日期 < :period_end
