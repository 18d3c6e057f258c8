-- source: ledger
-- description: 各分局问题检出率（发现问题的检查次数 ÷ 检查次数），由高到低
-- returns: rows
SELECT 检查单位 AS unit,
       COUNT(*) AS checks,
       SUM(CASE WHEN 发现问题数 > 0 THEN 1 ELSE 0 END) AS with_problems
FROM 检查记录
WHERE 检查日期 >= :period_start AND 检查日期 < :period_end
GROUP BY 检查单位
ORDER BY SUM(CASE WHEN 发现问题数 > 0 THEN 1 ELSE 0 END) * 1.0 / COUNT(*) DESC, 检查单位
