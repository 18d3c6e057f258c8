-- source: ledger
-- description: 各类检查对象的检查次数和问题检出情况，按检查次数排序
-- returns: rows
SELECT 对象类型 AS kind,
       COUNT(*) AS checks,
       SUM(CASE WHEN 发现问题数 > 0 THEN 1 ELSE 0 END) AS with_problems
FROM 检查记录
WHERE 检查日期 >= :period_start AND 检查日期 < :period_end
GROUP BY 对象类型
ORDER BY checks DESC, 对象类型
