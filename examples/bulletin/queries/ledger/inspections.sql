-- source: ledger
-- description: 全市执法检查情况（检查次数、户数、发现问题、责令整改）
-- returns: row
SELECT COUNT(*) AS checks,
       COUNT(DISTINCT 检查对象) AS subjects,
       COALESCE(SUM(发现问题数), 0) AS problems,
       COALESCE(SUM(CASE WHEN 发现问题数 > 0 THEN 1 ELSE 0 END), 0) AS with_problems,
       COALESCE(SUM(CASE WHEN 责令整改 = '是' THEN 1 ELSE 0 END), 0) AS orders
FROM 检查记录
WHERE 检查日期 >= :period_start AND 检查日期 < :period_end
