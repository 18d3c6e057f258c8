-- source: disaster
-- description: 防汛防台预警响应分级次数（含响应期间的升级）
-- returns: row
SELECT COALESCE(SUM(CASE WHEN response_level = 'Ⅳ' THEN 1 ELSE 0 END), 0) AS level_iv,
       COALESCE(SUM(CASE WHEN response_level = 'Ⅲ' THEN 1 ELSE 0 END), 0) AS level_iii,
       COALESCE(SUM(CASE WHEN response_level = 'Ⅱ' THEN 1 ELSE 0 END), 0) AS level_ii,
       COALESCE(SUM(CASE WHEN response_level = 'Ⅰ' THEN 1 ELSE 0 END), 0) AS level_i
FROM response_level_change
WHERE effective_at >= :period_start AND effective_at < :period_end
